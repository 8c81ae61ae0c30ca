"""Demo accounts and workshops around the two seed modules. Idempotent."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lga.access import ADMIN, DONOR, MANAGER, TRAINEE, TRAINER
from lga.accounts import services as accounts
from lga.accounts.models import InstitutionType, Municipality, User
from lga.catalogue.models import Module, Programme, Workshop, WorkshopSession
from lga.extensions import db

DEMO_PASSWORD = "demo-password"
KOSOVO = ZoneInfo("Europe/Belgrade")

# email, given, family, roles, municipality code, institution type code, position, sex
DEMO_ACCOUNTS = (
    ("admin@example.org", "Arta", "Krasniqi", (ADMIN,), "prishtine", "other-public", "Platform administrator", "female"),
    ("manager@example.org", "Besnik", "Gashi", (MANAGER,), "prishtine", "other-public", "Programme manager, KLGI", "male"),
    ("donor@example.org", "Ingrid", "Hansen", (DONOR,), "prishtine", "other", "Programme officer", "female"),
    ("trainer@example.org", "Drita", "Berisha", (TRAINER,), "prishtine", "other-public", "Trainer, LGA", "female"),
    ("trainee@example.org", "Faton", "Hoxha", (TRAINEE,), "prizren", "qps", "Social worker", "male"),
)


@dataclass
class DemoReport:
    accounts_created: list[str] = field(default_factory=list)
    workshops_created: list[str] = field(default_factory=list)


def _at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=KOSOVO).astimezone(timezone.utc)


def ensure_accounts(report: DemoReport) -> dict[str, User]:
    municipalities = dict(db.session.execute(select(Municipality.code, Municipality.id)).tuples().all())
    types = dict(db.session.execute(select(InstitutionType.code, InstitutionType.id)).tuples().all())
    users = {}
    for email, given, family, roles, mun, inst, position, sex in DEMO_ACCOUNTS:
        user = accounts.find_by_email(email)
        if user is None:
            user = accounts.create_user(
                email=email, password=DEMO_PASSWORD, roles=roles, given_name=given, family_name=family,
                municipality_id=municipalities.get(mun), institution_type_id=types.get(inst),
                position=position, sex=sex, locale="sq", action="user.demo_created",
            )
            report.accounts_created.append(email)
        users[email] = user
    return users


def _workshop_specs(today: date):
    """(key title, module code, programme, mode, start, days, venue, municipality, url, format plan)."""
    return (
        ("Mirëqenia Sociale dhe Shërbimet Sociale — Prishtinë", "social-welfare-services", "DEM", "in_person",
         today - timedelta(days=40), 2, "Salla e trajnimeve, KLGI", "prishtine", None),
        ("Planifikimi i financimit të shërbimeve sociale në nivel lokal (virtual)", "financing-social-services",
         "SSSM", "virtual", today - timedelta(days=20), 1, None, None, "https://meet.example.org/lga-financing"),
        ("Mirëqenia Sociale dhe Shërbimet Sociale — Prizren", "social-welfare-services", "DEM", "in_person",
         today + timedelta(days=14), 2, "Qendra për Punë Sociale, Prizren", "prizren", None),
        ("Planifikimi i financimit të shërbimeve sociale — Gjilan", "financing-social-services", "SSSM", "hybrid",
         today + timedelta(days=30), 1, "Komuna e Gjilanit, salla e mbledhjeve", "gjilan",
         "https://meet.example.org/lga-gjilan"),
    )


def ensure_workshops(report: DemoReport, trainer: User, today: date | None = None) -> None:
    today = today or date.today()
    modules = {m.code: m for m in db.session.scalars(
        select(Module).options(selectinload(Module.plan)))}
    programmes = dict(db.session.execute(select(Programme.code, Programme.id)).tuples().all())
    municipalities = dict(db.session.execute(select(Municipality.code, Municipality.id)).tuples().all())
    existing = set(db.session.scalars(select(Workshop.title)))
    for title, module_code, programme, mode, start, days, venue, mun, url in _workshop_specs(today):
        module = modules.get(module_code)
        if module is None or title in existing:
            continue
        workshop = Workshop(
            module_id=module.id, programme_id=programmes[programme], title=title, language="sq", mode=mode,
            start_date=start, end_date=start + timedelta(days=days - 1), venue=venue,
            municipality_id=municipalities.get(mun) if mun else None, meeting_url=url, capacity=30,
            status="published",
        )
        workshop.trainers = [trainer]
        sessions, clock = [], {}
        for item in module.plan:
            day = start + timedelta(days=min(item.day, days) - 1)
            begin = clock.get(day, _at(day, 9, 30))
            end = begin + timedelta(minutes=item.minutes)
            sessions.append(WorkshopSession(title=item.title.get("sq", ""), format=item.format,
                                            starts_at=begin, ends_at=end, room=venue, trainer=trainer))
            clock[day] = end + timedelta(minutes=15)
        workshop.sessions = sessions
        db.session.add(workshop)
        report.workshops_created.append(title)


def load_demo(today: date | None = None) -> DemoReport:
    report = DemoReport()
    users = ensure_accounts(report)
    db.session.flush()
    ensure_workshops(report, users["trainer@example.org"], today)
    db.session.flush()
    return report
