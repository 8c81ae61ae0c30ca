"""``flask lga …``: the chores. Thin wrappers around services."""
from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lga.extensions import db

lga_cli = AppGroup("lga", help="LGA platform commands.")


def seed_reference_data() -> int:
    from lga.accounts import reference as account_reference
    from lga.catalogue import reference as catalogue_reference
    from lga.evaluation import reference as evaluation_reference

    return account_reference.seed() + catalogue_reference.seed() + evaluation_reference.seed()


@lga_cli.command("seed-reference")
def seed_reference_command():
    """Insert missing municipalities, institution types and programmes (never overwrites edits)."""
    added = seed_reference_data()
    db.session.commit()
    click.echo(f"Reference data: {added} rows added.")


@lga_cli.command("load-modules")
@click.option("--path", "path", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding the modules (default: modules/ of the project).")
def load_modules_command(path: Path | None):
    """Validate modules/ and upsert every module; on any error nothing is loaded."""
    from lga.catalogue.loader import ContentError, load_modules

    root = path or Path(current_app.config["LGA_MODULES_DIR"])
    seed_reference_data()
    try:
        report = load_modules(root)
    except ContentError as exc:
        db.session.rollback()
        click.echo(f"Nothing was loaded: {len(exc.problems)} problem(s) found.", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"Modules: {len(report.created)} created, {len(report.updated)} updated, "
               f"{len(report.unchanged)} unchanged.")
    for code in report.created + report.updated:
        click.echo(f"  {code}")


@lga_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--given-name", prompt=True)
@click.option("--family-name", prompt=True)
@click.option("--password", default=None, help="Read from a prompt (or LGA_ADMIN_PASSWORD) if omitted.")
def create_admin_command(email: str, given_name: str, family_name: str, password: str | None):
    """Create the first administrator (or give an existing account the admin role)."""
    import os

    from lga.access import ADMIN
    from lga.accounts import services as accounts
    from lga.accounts.passwords import MIN_LENGTH

    seed_reference_data()
    email = accounts.normalise_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise click.BadParameter("not a valid email address", param_hint="--email")
    user = accounts.find_by_email(email)
    if user is not None:
        if ADMIN in user.role_names:
            click.echo(f"{email} is already an administrator.")
            return
        accounts.set_roles(user, sorted(user.role_names | {ADMIN}), actor=None)
        db.session.commit()
        click.echo(f"{email} is now an administrator.")
        return
    password = password or os.environ.get("LGA_ADMIN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise click.UsageError("give --password or LGA_ADMIN_PASSWORD when not on a terminal")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat password: "):
            raise click.UsageError("the passwords do not match")
    if len(password) < MIN_LENGTH:
        raise click.BadParameter(f"use at least {MIN_LENGTH} characters", param_hint="--password")
    accounts.create_user(email=email, password=password, roles=(ADMIN,), given_name=given_name.strip(),
                         family_name=family_name.strip(), action="user.admin_created")
    db.session.commit()
    click.echo(f"Administrator {email} created.")


@lga_cli.command("demo")
@click.option("--scale", type=click.Choice(["small", "large"]), default="small",
              help="small: demo accounts and a few workshops; large: data at realistic scale for bench/.")
@click.option("--seed", type=int, default=2026, help="Random seed for --scale large.")
def demo_command(scale: str, seed: int):
    """Create demo accounts and workshops (idempotent). Never run this in production."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.UsageError("refusing to create demo data in production")
    from lga.catalogue.loader import ContentError, load_modules
    from lga.demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

    seed_reference_data()
    try:
        load_modules(Path(current_app.config["LGA_MODULES_DIR"]))
    except ContentError as exc:
        db.session.rollback()
        click.echo("Modules could not be loaded:\n  " + "\n  ".join(exc.problems), err=True)
        sys.exit(1)
    report = load_demo()
    db.session.commit()
    if scale == "large":
        from lga.demo.scale import generate

        generate(seed=seed, echo=click.echo)
    click.echo(f"Demo data: {len(report.accounts_created)} accounts, {len(report.workshops_created)} workshops "
               f"and {report.enrolments_created} enrolments created; {report.collaboration_created} materials, "
               "discussion posts, groups and tasks.")
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account[0]:<24} {', '.join(account[3])}")



@lga_cli.command("send-reminders")
def send_reminders_command():
    """Email everyone enrolled in a workshop that starts within LGA_REMINDER_HOURS (once each)."""
    from lga.enrolment.services import send_reminders

    from lga.mail import deliver

    sent = send_reminders()
    deliver()
    click.echo(f"Reminders: {sent} sent.")


@lga_cli.command("send-mail")
@click.option("--purge-days", default=30, show_default=True, help="Delete sent emails older than this.")
def send_mail_command(purge_days: int):
    """Send the emails waiting in the outbox and tidy up (run every minute from cron or a timer)."""
    from lga.mail import deliver, pending_count, purge_sent

    from lga.attendance.online_import import purge_abandoned as purge_reports
    from lga.enrolment.imports import purge_abandoned

    sent = deliver()
    purged = purge_sent(purge_days)
    abandoned = purge_abandoned()
    reports = purge_reports()
    db.session.commit()
    click.echo(f"Emails: {sent} sent, {pending_count()} still waiting, {purged} old ones deleted.")
    if abandoned:
        click.echo(f"Staff lists: {abandoned} uploads left unconfirmed for a day deleted.")
    if reports:
        click.echo(f"Meeting reports: {reports} uploads left unconfirmed for a day deleted.")


from lga.enrolment import cli as _enrolment_cli  # noqa: E402,F401  (registers import-people)
from lga.attendance import cli as _attendance_cli  # noqa: E402,F401  (registers import-attendance)
from lga.quizzes import cli as _quizzes_cli  # noqa: E402,F401  (registers import-gift, export-gift, close-attempts)
from lga.reports import cli as _reports_cli  # noqa: E402,F401  (registers report outreach)
from lga.discussions import cli as _discussions_cli  # noqa: E402,F401  (registers send-discussion-digests)
