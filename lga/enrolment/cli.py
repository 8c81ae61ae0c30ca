"""``flask lga import-people``: bulk enrolment from a staff list (CSV or XLSX)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask_babel import force_locale

from lga.cli import lga_cli
from lga.extensions import db

PREVIEW_LIMIT = 20  # people listed per group; problems are always listed in full


@lga_cli.command("import-people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workshop", "workshop_id", type=int, default=None,
              help="Enrol everyone in this workshop (its id).")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would happen; write nothing.")
@click.option("--by", "actor_email", default=None,
              help="Email of the staff member recorded as doing the import (default: none).")
@click.option("--language", type=click.Choice(["sq", "en", "sr"]), default="en", show_default=True,
              help="Language of the messages printed here.")
def import_people_command(file: Path, workshop_id: int | None, dry_run: bool, actor_email: str | None,
                          language: str):
    """Create accounts for the people of a staff list, invite them by email and (optionally)
    enrol them in a workshop. Any problem in any row: nothing is written."""
    from lga.accounts import services as accounts
    from lga.catalogue.models import Workshop
    from lga.enrolment import imports
    from lga.enrolment.services import EnrolmentError
    from lga.enrolment.staff_file import FIELD_LABELS, StaffFileError
    from lga.i18n import babel_locale_for

    with force_locale(babel_locale_for(language)):
        workshop = None
        if workshop_id is not None:
            workshop = db.session.get(Workshop, workshop_id)
            if workshop is None:
                raise click.BadParameter(f"no workshop with id {workshop_id}", param_hint="--workshop")
        actor = None
        if actor_email:
            actor = accounts.find_by_email(actor_email)
            if actor is None:
                raise click.BadParameter(f"no account with the address {actor_email}", param_hint="--by")
        try:
            staff_file = imports.read(file.name, file.read_bytes(), workshop=workshop)
        except StaffFileError as exc:
            click.echo(f"{file.name}: {exc}", err=True)
            click.echo("Nothing was written.", err=True)
            sys.exit(1)
        checked = imports.preview(staff_file, workshop=workshop)

        click.echo(f"{file.name}: {staff_file.total_rows} rows"
                   + (f" ({staff_file.encoding})" if staff_file.encoding else "")
                   + (f", workshop {workshop.id} “{workshop.title}”" if workshop else ""))
        click.echo(f"  New people:        {len(checked.new)}")
        click.echo(f"  Existing people:   {len(checked.existing) + len(checked.already_enrolled)}"
                   + (f" ({len(checked.already_enrolled)} already on the workshop's list)" if workshop else ""))
        click.echo(f"  Rows with errors:  {checked.rows_with_problems}")
        for row in checked.new[:PREVIEW_LIMIT]:
            click.echo(f"  + row {row.row}: {row.full_name} <{row.email}>")
        if len(checked.new) > PREVIEW_LIMIT:
            click.echo(f"  + … and {len(checked.new) - PREVIEW_LIMIT} more new people")
        if checked.workshop_problem:
            click.echo(f"Workshop: {checked.workshop_problem}", err=True)
        for problem in checked.problems:
            click.echo(f"Row {problem.row}, {FIELD_LABELS.get(problem.field, problem.field)}: {problem.message}",
                       err=True)
        if not checked.ok:
            click.echo("Nothing was written: correct the file and run the command again.", err=True)
            sys.exit(1)
        if dry_run:
            click.echo("Dry run: nothing was written.")
            return
        try:
            result = imports.apply(checked, actor=actor, workshop=workshop)
        except EnrolmentError as exc:
            db.session.rollback()
            click.echo(f"{exc}\nNothing was written.", err=True)
            sys.exit(1)
        except imports.ImportRefused as exc:  # the database changed since the check above
            db.session.rollback()
            for problem in exc.preview.problems:
                click.echo(f"Row {problem.row}, {FIELD_LABELS.get(problem.field, problem.field)}: "
                           f"{problem.message}", err=True)
            click.echo("Nothing was written.", err=True)
            sys.exit(1)
        db.session.commit()
        from lga.mail import deliver

        deliver()  # a chore may take its time: send the invitations now rather than at the next send-mail
        click.echo(f"Imported: {result.created} accounts created and invited, {result.existing} existing.")
        if workshop is not None:
            click.echo(f"Workshop: {result.enrolled} enrolled, {result.waitlisted} waitlisted, "
                       f"{result.already_enrolled} already on the list.")
