"""Demo accounts, workshops and enrolments around the two seed modules. Idempotent: a second
run creates nothing (rows are found by email, title and (workshop, person))."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lga.access import ADMIN, DONOR, MANAGER, TRAINEE, TRAINER
from lga.accounts import services as accounts
from lga.accounts.models import InstitutionType, Municipality, User
from lga.accounts.passwords import hash_password
from lga.catalogue.models import Module, Programme, Workshop, WorkshopSession
from lga.enrolment.models import Enrolment
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

# Colleagues from several municipalities who fill the demo workshops (trainees, same password):
# <local part>@participants.example.org, given, family, municipality code, institution type code,
# position, sex, locale
PARTICIPANTS_DOMAIN = "participants.example.org"
DEMO_PARTICIPANTS = (
    ("vjosa.berisha", "Vjosa", "Berisha", "prishtine", "qps", "Punëtore sociale", "female", "sq"),
    ("agron.shala", "Agron", "Shala", "ferizaj", "dshms", "Zyrtar për mirëqenie sociale", "male", "sq"),
    ("teuta.morina", "Teuta", "Morina", "gjilan", "municipal-administration", "Zyrtare për buxhet",
     "female", "sq"),
    ("jelena.petrovic", "Jelena", "Petrović", "gracanice", "qps", "Socijalna radnica", "female", "sr"),
    ("arben.kelmendi", "Arben", "Kelmendi", "peje", "municipal-administration",
     "Zyrtar për planifikim strategjik", "male", "sq"),
    ("amra.hodzic", "Amra", "Hodžić", "prizren", "dshms", "Zyrtare për shëndetësi", "female", "sr"),
    ("liridona.gashi", "Liridona", "Gashi", "gjakove", "qps", "Psikologe", "female", "sq"),
    ("mehmet.yildiz", "Mehmet", "Yıldız", "mamushe", "municipal-assembly", "Anëtar i Kuvendit Komunal",
     "male", "sq"),
    ("nikola.jovanovic", "Nikola", "Jovanović", "mitrovice-e-veriut", "municipal-administration", "Pravnik",
     "male", "sr"),
    ("shpresa.krasniqi", "Shpresa", "Krasniqi", "podujeve", "qps", "Udhëheqëse e QPS-së", "female", "sq"),
)


@dataclass
class DemoReport:
    accounts_created: list[str] = field(default_factory=list)
    workshops_created: list[str] = field(default_factory=list)
    enrolments_created: int = 0
    collaboration_created: int = 0  # materials, discussion threads and posts, groups, members, tasks


def _at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=KOSOVO).astimezone(timezone.utc)


def _email(key: str) -> str:
    """A demo account's email: the five are given in full, participants by their local part."""
    return key if "@" in key else f"{key}@{PARTICIPANTS_DOMAIN}"


def ensure_accounts(report: DemoReport) -> dict[str, User]:
    """The five demo accounts and the demo participants, by email."""
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
    shared_hash = None  # one (slow) hash for all participants
    for local, given, family, mun, inst, position, sex, locale in DEMO_PARTICIPANTS:
        email = _email(local)
        user = accounts.find_by_email(email)
        if user is None:
            shared_hash = shared_hash or hash_password(DEMO_PASSWORD)
            user = accounts.create_user(
                email=email, roles=(TRAINEE,), given_name=given, family_name=family,
                municipality_id=municipalities.get(mun), institution_type_id=types.get(inst),
                position=position, sex=sex, locale=locale, action="user.demo_created",
            )
            user.password_hash = shared_hash
            report.accounts_created.append(email)
        users[email] = user
    return users


def _workshop_specs(today: date):
    """(key title, module code, programme, mode, start, days, venue, municipality, url, needs approval)."""
    return (
        ("Mirëqenia Sociale dhe Shërbimet Sociale — Prishtinë", "social-welfare-services", "DEM", "in_person",
         today - timedelta(days=40), 2, "Salla e trajnimeve, KLGI", "prishtine", None, False),
        ("Planifikimi i financimit të shërbimeve sociale në nivel lokal (virtual)", "financing-social-services",
         "SSSM", "virtual", today - timedelta(days=20), 1, None, None, "https://meet.example.org/lga-financing",
         False),
        ("Mirëqenia Sociale dhe Shërbimet Sociale — Prizren", "social-welfare-services", "DEM", "in_person",
         today + timedelta(days=14), 2, "Qendra për Punë Sociale, Prizren", "prizren", None, False),
        ("Planifikimi i financimit të shërbimeve sociale — Gjilan", "financing-social-services", "SSSM", "hybrid",
         today + timedelta(days=30), 1, "Komuna e Gjilanit, salla e mbledhjeve", "gjilan",
         "https://meet.example.org/lga-gjilan", True),
    )


def ensure_workshops(report: DemoReport, trainer: User, today: date | None = None) -> None:
    today = today or date.today()
    modules = {m.code: m for m in db.session.scalars(
        select(Module).options(selectinload(Module.plan)))}
    programmes = dict(db.session.execute(select(Programme.code, Programme.id)).tuples().all())
    municipalities = dict(db.session.execute(select(Municipality.code, Municipality.id)).tuples().all())
    existing = set(db.session.scalars(select(Workshop.title)))
    for title, module_code, programme, mode, start, days, venue, mun, url, approval in _workshop_specs(today):
        module = modules.get(module_code)
        if module is None or title in existing:
            continue
        published = _at(start - timedelta(days=45), 10)
        workshop = Workshop(
            module_id=module.id, programme_id=programmes[programme], title=title, language="sq", mode=mode,
            start_date=start, end_date=start + timedelta(days=days - 1), venue=venue,
            municipality_id=municipalities.get(mun) if mun else None, meeting_url=url, capacity=30,
            status="published", requires_approval=approval,
            cancel_until=_at(start - timedelta(days=2), 16), created_at=published, updated_at=published,
        )
        if start > today:  # coming workshops take enrolments until two days before
            workshop.enrol_opens_at = published
            workshop.enrol_closes_at = _at(start - timedelta(days=2), 16)
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


# (workshop: index in _workshop_specs, email, status). The demo trainee has one of each kind:
# a finished workshop completed, a coming one enrolled, and a request waiting for the manager.
TRAINEE_EMAIL = "trainee@example.org"
DEMO_ENROLMENTS = (
    (0, "vjosa.berisha", "completed"), (0, "agron.shala", "completed"), (0, "jelena.petrovic", "completed"),
    (0, "shpresa.krasniqi", "completed"), (0, "arben.kelmendi", "completed"), (0, "liridona.gashi", "cancelled"),
    (1, TRAINEE_EMAIL, "completed"), (1, "teuta.morina", "completed"), (1, "amra.hodzic", "completed"),
    (1, "nikola.jovanovic", "completed"), (1, "mehmet.yildiz", "completed"), (1, "agron.shala", "cancelled"),
    (2, TRAINEE_EMAIL, "enrolled"), (2, "amra.hodzic", "enrolled"), (2, "mehmet.yildiz", "enrolled"),
    (2, "liridona.gashi", "enrolled"), (2, "arben.kelmendi", "enrolled"), (2, "vjosa.berisha", "enrolled"),
    (2, "nikola.jovanovic", "cancelled"),
    (3, "teuta.morina", "enrolled"), (3, "shpresa.krasniqi", "rejected"), (3, "agron.shala", "requested"),
    (3, "jelena.petrovic", "requested"), (3, TRAINEE_EMAIL, "requested"), (3, "nikola.jovanovic", "requested"),
)
REJECTION_REASON = "Keni ndjekur tashmë këtë modul në Prishtinë."


def ensure_enrolments(report: DemoReport, users: dict[str, User], today: date | None = None) -> None:
    """Fill the demo workshops with people from several municipalities (rows written directly:
    demo data sends no emails). Only missing (workshop, person) pairs are added."""
    today = today or date.today()
    titles = [spec[0] for spec in _workshop_specs(today)]
    workshops = {w.title: w for w in db.session.scalars(select(Workshop).where(Workshop.title.in_(titles)))}
    existing = set(db.session.execute(
        select(Enrolment.workshop_id, Enrolment.user_id)
        .where(Enrolment.workshop_id.in_([w.id for w in workshops.values()]))).tuples())
    now = datetime.now(timezone.utc).replace(microsecond=0)
    manager = users["manager@example.org"]
    for n, (index, key, status) in enumerate(DEMO_ENROLMENTS):
        workshop, user = workshops.get(titles[index]), users.get(_email(key))
        if workshop is None or user is None or (workshop.id, user.id) in existing:
            continue
        starts = _at(workshop.start_date, 9, 30)
        requested = min(starts - timedelta(days=10), now - timedelta(days=2)) + timedelta(minutes=37 * n)
        if status == "enrolled" and workshop.end_date < today:  # an old demo database: time has passed
            status = "completed"
        enrolment = Enrolment(workshop_id=workshop.id, user_id=user.id, status=status, source="self",
                              requested_at=requested, updated_at=requested)
        if status in ("requested", "rejected") or (workshop.requires_approval and status == "enrolled"):
            workshop.requires_approval = True
            if status != "requested":
                enrolment.decided_at = enrolment.updated_at = requested + timedelta(days=1)
                enrolment.decided_by_id = manager.id
        if status == "rejected":
            enrolment.reason = REJECTION_REASON
        if status == "cancelled":
            enrolment.cancelled_at = enrolment.updated_at = requested + timedelta(days=2)
        if status == "completed":
            enrolment.reminder_sent_at = _at(workshop.start_date - timedelta(days=1), 9)
            enrolment.updated_at = _at(workshop.end_date, 17)
        db.session.add(enrolment)
        existing.add((workshop.id, user.id))
        report.enrolments_created += 1


# The coming Prizren workshop (index 2 of _workshop_specs) before it starts: materials from the
# trainer, a discussion among participants of three municipalities, groups that mix
# municipalities and a group task (rows written directly: demo data sends no emails).
DEMO_MATERIALS = (
    ("note", "Si të përgatiteni për punëtorinë",
     "Lexoni **Ligjin për shërbimet sociale dhe familjare** dhe sillni planin vjetor të komunës suaj "
     "për shërbimet sociale, nëse e keni.", None),
    ("link", "Korniza ligjore për shërbimet sociale (Gazeta Zyrtare)", None, "https://gzk.rks-gov.net/"),
)
DEMO_THREAD = ("Si e planifikoni buxhetin për shërbimet sociale?", (
    ("amra.hodzic", "Në Prizren fillojmë nga **plani komunal** dhe nga nevojat e QPS-së. Si veproni ju?"),
    ("mehmet.yildiz", "Në Mamushë jemi komunë e vogël: buxhetin e ndajmë bashkë me Prizrenin për disa shërbime."),
    ("vjosa.berisha", "Në Prishtinë kemi nisur nga granti specifik. A e ka përdorur dikush për shërbime në "
                      "familje?"),
))
DEMO_TASK = ("Drafti i planit komunal për shërbimet sociale",
             "Secili grup harton pjesën **Financimi** të planit: burimet, kostot dhe tre prioritetet për vitin e "
             "ardhshëm. Një dokument për grup.")


def ensure_collaboration(report: DemoReport, users: dict[str, User], today: date | None = None) -> None:
    from lga.discussions.models import DiscussionPost, DiscussionThread
    from lga.groupwork.models import GroupMember, GroupTask, WorkGroup
    from lga.materials.models import Material

    today = today or date.today()
    workshop = db.session.scalar(select(Workshop).where(Workshop.title == _workshop_specs(today)[2][0]))
    if workshop is None:
        return
    trainer = users["trainer@example.org"]
    start = _at(workshop.start_date, 9, 30)
    if not db.session.scalar(select(Material.id).where(Material.workshop_id == workshop.id)):
        for position, (kind, title, body, url) in enumerate(DEMO_MATERIALS):
            db.session.add(Material(workshop_id=workshop.id, kind=kind, title=title, body=body, url=url,
                                    position=position, created_by_id=trainer.id))
            report.collaboration_created += 1
    if not db.session.scalar(select(DiscussionThread.id).where(DiscussionThread.workshop_id == workshop.id)):
        title, posts = DEMO_THREAD
        first = min(start - timedelta(days=5), datetime.now(timezone.utc) - timedelta(hours=6))
        thread = DiscussionThread(workshop_id=workshop.id, author_id=users[_email(posts[0][0])].id, title=title,
                                  post_count=len(posts), created_at=first,
                                  last_post_at=first + timedelta(hours=len(posts) - 1))
        db.session.add(thread)
        db.session.flush()
        for n, (key, body) in enumerate(posts):
            db.session.add(DiscussionPost(thread_id=thread.id, author_id=users[_email(key)].id, body=body,
                                          created_at=first + timedelta(hours=n)))
        report.collaboration_created += 1 + len(posts)
    if not db.session.scalar(select(WorkGroup.id).where(WorkGroup.workshop_id == workshop.id)):
        members = db.session.scalars(select(Enrolment.user_id).where(
            Enrolment.workshop_id == workshop.id, Enrolment.status.in_(("enrolled", "completed")))
            .order_by(Enrolment.id)).all()
        groups = [WorkGroup(workshop_id=workshop.id, name=f"Grupi {n + 1}", position=n) for n in range(2)]
        db.session.add_all(groups)
        db.session.flush()
        for n, user_id in enumerate(members):
            db.session.add(GroupMember(group_id=groups[n % 2].id, user_id=user_id, workshop_id=workshop.id))
        db.session.add(GroupTask(workshop_id=workshop.id, title=DEMO_TASK[0], instructions=DEMO_TASK[1],
                                 deadline=_at(workshop.end_date, 16), max_mark=10, created_by_id=trainer.id))
        report.collaboration_created += 3 + len(members)


def load_demo(today: date | None = None) -> DemoReport:
    report = DemoReport()
    users = ensure_accounts(report)
    db.session.flush()
    ensure_workshops(report, users["trainer@example.org"], today)
    db.session.flush()
    ensure_enrolments(report, users, today)
    db.session.flush()
    ensure_collaboration(report, users, today)
    db.session.flush()
    return report
