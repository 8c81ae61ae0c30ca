"""The participation summary the outreach reports read stays equal to what its sources say, after
every kind of change: attendance taken, corrected and removed, places cancelled and restored,
sessions moved to another day or deleted, a transaction rolled back. ``expected`` recomputes it
here in plain Python from the rows; ``rebuild`` must agree too."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lga.attendance import services as attendance
from lga.attendance.models import Attendance, ParticipationDay
from lga.attendance.participation import rebuild
from lga.catalogue.models import WorkshopSession
from lga.enrolment import services as enrolment_services
from lga.enrolment.models import Enrolment

KOSOVO = ZoneInfo("Europe/Belgrade")


def stored(db) -> dict:
    return {(r.workshop_id, r.user_id, r.day): (r.participations, round(r.minutes, 2))
            for r in db.session.scalars(select(ParticipationDay))}


def expected(db) -> dict:
    places = {(e.workshop_id, e.user_id) for e in db.session.scalars(select(Enrolment))
              if e.status in ("enrolled", "completed")}
    sessions = {s.id: s for s in db.session.scalars(select(WorkshopSession))}
    sums = defaultdict(lambda: [0, 0.0])
    for a in db.session.scalars(select(Attendance)):
        s = sessions[a.session_id]
        if a.status not in ("present", "late", "partial") or (s.workshop_id, a.user_id) not in places:
            continue
        length = (s.ends_at - s.starts_at).total_seconds() / 60
        hit = sums[(s.workshop_id, a.user_id, s.starts_at.astimezone(KOSOVO).date())]
        hit[0] += 1
        hit[1] += length if a.status in ("present", "late") else min(a.minutes_online or 0, length)
    return {k: (n, round(m, 2)) for k, (n, m) in sums.items()}


def check(db):
    db.session.expire_all()
    want = expected(db)
    assert stored(db) == want
    rebuild(db.session)
    db.session.commit()
    assert stored(db) == want


@pytest.fixture()
def setup(factory, db):
    trainer = factory.user(roles=("trainer",))
    workshop = factory.workshop(start=date(2026, 3, 9), days=2, sessions=0, trainers=[trainer])
    for day in range(2):
        for slot in range(2):
            # 23:30 UTC is already the next day in Kosovo: the summary keeps Kosovo days.
            starts_at = datetime.combine(date(2026, 3, 9) + timedelta(days=day),
                                         time(23, 30) if slot else time(8), tzinfo=timezone.utc)
            db.session.add(WorkshopSession(workshop_id=workshop.id, title=f"S{day}{slot}", format="lecture",
                                           starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90)))
    people = [factory.user() for _ in range(4)]
    places = [Enrolment(workshop_id=workshop.id, user_id=p.id, status="enrolled") for p in people]
    db.session.add_all(places)
    db.session.commit()
    sessions = db.session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id)
                                  .order_by(WorkshopSession.starts_at)).all()
    return trainer, workshop, sessions, people, places


def test_attendance_taken_corrected_and_partial(setup, db):
    trainer, workshop, sessions, people, _places = setup
    attendance.set_statuses(sessions[0], {p.id: "present" for p in people}, actor=trainer)
    attendance.set_statuses(sessions[1], {people[0].id: "late", people[1].id: "absent"}, actor=trainer)
    db.session.commit()
    assert len(stored(db)) == 5
    check(db)
    attendance.set_statuses(sessions[0], {people[2].id: "excused", people[1].id: "partial"}, actor=trainer)
    db.session.commit()
    row = db.session.get(Attendance, db.session.scalar(select(Attendance.id).where(
        Attendance.session_id == sessions[0].id, Attendance.user_id == people[1].id)))
    row.minutes_online = 40
    db.session.commit()
    check(db)
    assert stored(db)[(workshop.id, people[1].id, date(2026, 3, 9))] == (1, 40.0)


def test_places_cancelled_and_restored(setup, db):
    trainer, workshop, sessions, people, places = setup
    attendance.set_statuses(sessions[0], {p.id: "present" for p in people}, actor=trainer)
    db.session.commit()
    enrolment_services.cancel(places[0], actor=trainer)
    db.session.commit()
    assert not [k for k in stored(db) if k[1] == people[0].id]
    check(db)
    places[1].status = "waitlisted"
    db.session.commit()
    check(db)
    places[1].status = "completed"
    db.session.commit()
    assert [k for k in stored(db) if k[1] == people[1].id]
    check(db)


def test_sessions_moved_and_deleted(setup, db):
    trainer, workshop, sessions, people, _places = setup
    for session in sessions:
        attendance.set_statuses(session, {p.id: "present" for p in people[:2]}, actor=trainer)
    db.session.commit()
    check(db)
    moved = sessions[0]
    moved.starts_at += timedelta(days=3)
    moved.ends_at += timedelta(days=3, minutes=30)
    db.session.commit()
    assert (workshop.id, people[0].id, date(2026, 3, 12)) in stored(db)
    check(db)
    db.session.delete(sessions[3])
    db.session.commit()
    check(db)


def test_a_rolled_back_change_leaves_the_summary_alone(setup, db):
    trainer, workshop, sessions, people, _places = setup
    attendance.set_statuses(sessions[0], {p.id: "present" for p in people}, actor=trainer)
    db.session.commit()
    before = stored(db)
    attendance.set_statuses(sessions[0], {p.id: "absent" for p in people}, actor=trainer)
    db.session.rollback()
    db.session.add(WorkshopSession(workshop_id=workshop.id, title="later", format="lecture",
                                   starts_at=datetime(2026, 3, 20, 8, tzinfo=timezone.utc),
                                   ends_at=datetime(2026, 3, 20, 9, tzinfo=timezone.utc)))
    db.session.commit()  # an unrelated change of the same workshop: nothing of the rollback resurfaces
    assert stored(db) == before
    check(db)


def test_a_deleted_workshop_takes_its_summary_along(setup, db):
    trainer, workshop, sessions, people, _places = setup
    attendance.set_statuses(sessions[0], {p.id: "present" for p in people}, actor=trainer)
    db.session.commit()
    assert stored(db)
    db.session.delete(workshop)
    db.session.commit()
    assert stored(db) == {}


def test_the_command_rebuilds_a_summary_gone_astray(setup, db, runner):
    from sqlalchemy import delete

    trainer, workshop, sessions, people, _places = setup
    attendance.set_statuses(sessions[0], {p.id: "present" for p in people}, actor=trainer)
    db.session.commit()
    want = stored(db)
    db.session.execute(delete(ParticipationDay))  # a bulk write around the ORM
    db.session.commit()
    result = runner.invoke(args=["lga", "report", "rebuild-summary"])
    assert result.exit_code == 0 and "participation summary: 4 rows." in result.output
    db.session.expire_all()
    assert stored(db) == want == expected(db)
