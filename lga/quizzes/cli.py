"""``flask lga import-gift``, ``export-gift`` and ``close-attempts``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask_babel import force_locale
from sqlalchemy import select

from lga.cli import lga_cli
from lga.extensions import db


def _module(code: str):
    from lga.catalogue.models import Module

    module = db.session.scalar(select(Module).where(Module.code == code))
    if module is None:
        click.echo(f"No module {code!r}. Known: "
                   + ", ".join(db.session.scalars(select(Module.code).order_by(Module.code))), err=True)
        sys.exit(2)
    return module


@lga_cli.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--module", "code", required=True, help="Code of the module whose bank receives the questions.")
@click.option("--language", type=click.Choice(["sq", "en", "sr"]), default="sq", show_default=True,
              help="Language of text written without multi-language spans.")
@click.option("--dry-run", is_flag=True, help="Check the file; write nothing.")
def import_gift_command(file: Path, code: str, language: str, dry_run: bool):
    """Import questions from a GIFT file (Moodle's quiz text format) into a module's bank."""
    from lga.i18n import babel_locale_for
    from lga.quizzes.bank import BankError, import_questions, parse_file

    module = _module(code)
    with force_locale(babel_locale_for("en")):
        try:
            questions = parse_file(file.read_bytes(), language=language)
        except BankError as exc:
            for problem in exc.problems:
                where = f"line {problem.line}: " if problem.line else ""
                click.echo(f"  {where}{problem.message}", err=True)
            click.echo(f"{len(exc.problems)} problems; nothing was imported.", err=True)
            sys.exit(1)
        if dry_run:
            click.echo(f"{len(questions)} questions read; dry run: nothing was imported.")
            return
        result = import_questions(module, questions, language=language)
        db.session.commit()
    click.echo(f"{len(result.created)} created, {len(result.updated)} updated, {len(result.unchanged)} unchanged"
               + (f"; {result.regraded} attempts regraded." if result.regraded else "."))


@lga_cli.command("export-gift")
@click.option("--module", "code", required=True, help="Code of the module whose bank is exported.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--language", type=click.Choice(["sq", "en", "sr"]), default="sq", show_default=True)
def export_gift_command(code: str, output: Path | None, language: str):
    """Write a module's question bank as GIFT, every language included."""
    from lga.quizzes.bank import export_questions

    text = export_questions(_module(code), language=language)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Written {output}.", err=True)


@lga_cli.command("close-attempts")
def close_attempts_command():
    """Finish and grade the quiz attempts whose time ran out (run every few minutes)."""
    from lga.quizzes.attempts import close_overdue

    closed = close_overdue()
    db.session.commit()
    click.echo(f"Attempts closed: {closed}.")
