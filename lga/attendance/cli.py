"""``flask lga import-attendance``: a Zoom or Teams report for one session."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask_babel import force_locale

from lga.attendance import online_import
from lga.attendance.online_report import ReportError, read_report
from lga.cli import lga_cli
from lga.extensions import db


@lga_cli.command("import-attendance")
@click.option("--session", "session_id", type=int, required=True, help="The session the meeting was.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--by", "by_email", default=None, help="Email of the person importing (for the audit trail).")
@click.option("--language", type=click.Choice(["sq", "en", "sr"]), default="en", show_default=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_attendance_command(session_id: int, dry_run: bool, by_email: str | None, language: str, file: Path):
    """Read a Zoom participant report or a Teams attendance report and record who attended."""
    from lga.accounts.services import find_by_email
    from lga.attendance.services import load_session
    from lga.i18n import babel_locale_for

    with force_locale(babel_locale_for(language)):
        session = load_session(session_id)
        if session is None:
            click.echo(f"No session {session_id}.", err=True)
            sys.exit(2)
        actor = find_by_email(by_email) if by_email else None
        if by_email and actor is None:
            click.echo(f"No account {by_email}.", err=True)
            sys.exit(2)
        try:
            report = read_report(file.name, file.read_bytes())
        except ReportError as exc:
            click.echo(f"{exc}\nNothing was written.", err=True)
            sys.exit(1)
        try:
            result = online_import.plan(report, session)
        except online_import.MatchError as exc:
            click.echo(f"{exc}\nNothing was written.", err=True)
            sys.exit(1)
        click.echo(f"{report.platform.title()} report: {len(report.participants)} participants; "
                   f"{len(result.matched)} matched, {len(result.unmatched)} not matched "
                   f"(present from {result.share}% of the session's minutes).")
        for match in result.matched:
            click.echo(f"  {match.user.full_name:<32} {match.minutes:>4} min  {match.status:<8} (by {match.by})")
        for match in result.unmatched:
            if match.by != "duplicate":
                click.echo(f"  not matched: {match.participant.name} {match.participant.email or ''}"
                           f" ({match.minutes} min) - match by hand in the web page")
        if dry_run:
            click.echo("Dry run: nothing was written.")
            return
        changed = online_import.apply(result, actor=actor)
        db.session.commit()
        click.echo(f"Written: {changed} attendance records changed.")
