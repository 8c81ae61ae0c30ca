"""``flask lga report outreach --from DATE --to DATE [--programme CODE] --format xlsx|csv|json -o FILE``."""
from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import click
from flask_babel import force_locale
from sqlalchemy import select

from lga.cli import lga_cli
from lga.extensions import db


@lga_cli.group("report")
def report_group():
    """Reports for KLGI and the donors."""


def _date(_ctx, _param, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2021-01-31") from None


def _check(date_from: date, date_to: date, programme: str | None) -> None:
    from lga.catalogue.models import Programme

    if date_to < date_from:
        click.echo("--to is before --from.", err=True)
        sys.exit(2)
    if programme and not db.session.scalar(select(Programme.id).where(Programme.code == programme)):
        known = ", ".join(db.session.scalars(select(Programme.code).order_by(Programme.code)))
        click.echo(f"Unknown programme {programme!r} (known: {known}).", err=True)
        sys.exit(2)


@report_group.command("outreach")
@click.option("--from", "date_from", required=True, callback=_date, help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", required=True, callback=_date, help="Last day (YYYY-MM-DD), included.")
@click.option("--programme", default=None, help="Programme code: LGA, DEM, SSSM.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "json"]), default="xlsx", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--language", type=click.Choice(["sq", "en", "sr"]), default="sq", show_default=True)
def outreach_command(date_from: date, date_to: date, programme: str | None, fmt: str, output: Path, language: str):
    """Who was trained, where, in what, with what result: the donor report for a period."""
    from lga.i18n import babel_locale_for
    from lga.reports import export
    from lga.reports.outreach import Filters, outreach

    _check(date_from, date_to, programme)
    with force_locale(babel_locale_for(language)):
        report = outreach(Filters(date_from=date_from, date_to=date_to, programme=programme))
        if fmt == "xlsx":
            output.write_bytes(export.xlsx(report))
        elif fmt == "csv":
            with output.open("w", encoding="utf-8", newline="") as out:
                for chunk in export.csv_text(report):
                    out.write(chunk)
        else:
            output.write_text(export.json_text(report), encoding="utf-8")
    click.echo(f"{report.workshops} workshops, {report.participants} participants; written {output}.")


@report_group.command("participants")
@click.option("--from", "date_from", required=True, callback=_date, help="First day (YYYY-MM-DD).")
@click.option("--to", "date_to", required=True, callback=_date, help="Last day (YYYY-MM-DD), included.")
@click.option("--programme", default=None, help="Programme code: LGA, DEM, SSSM.")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="csv", show_default=True)
@click.option("--everyone", is_flag=True,
              help="Every enrolment (requested, waitlisted, declined, cancelled too), not only the place holders.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--language", type=click.Choice(["sq", "en", "sr"]), default="sq", show_default=True)
def participants_command(date_from: date, date_to: date, programme: str | None, fmt: str, everyone: bool,
                         output: Path, language: str):
    """The people behind the outreach figures (personal data: keep the file safe), streamed."""
    from lga.i18n import babel_locale_for
    from lga.reports import export, participants
    from lga.reports.outreach import Filters

    _check(date_from, date_to, programme)
    filters = Filters(date_from=date_from, date_to=date_to, programme=programme)
    export.audit("participants", fmt, filters, actor=None, via="cli", everyone=everyone)
    db.session.commit()
    lines = 0
    with force_locale(babel_locale_for(language)):
        if fmt == "csv":
            with output.open("w", encoding="utf-8", newline="") as out:
                for chunk in participants.csv_stream(db.session, filters, everyone=everyone):
                    out.write(chunk)
                    lines += 1
        else:
            with output.open("wb") as out, participants.xlsx_file(db.session, filters,
                                                                                 everyone=everyone) as workbook:
                shutil.copyfileobj(workbook, out)
    click.echo(f"written {output}" + (f" ({lines - 2:,} people)." if fmt == "csv" else "."))


@report_group.command("rebuild-summary")
def rebuild_summary_command():
    """Compute the participation summary the figures read again from the attendance, the places
    and the timetables (after a restore or a bulk load that went around the application)."""
    from lga.attendance.participation import rebuild

    rows = rebuild(db.session)
    db.session.commit()
    click.echo(f"participation summary: {rows:,} rows.")
