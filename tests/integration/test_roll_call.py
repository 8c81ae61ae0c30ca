"""Roll call: a trainer marks everyone in one action, then the exceptions; every change is audited."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from lga.attendance.models import Attendance
from lga.audit.models import AuditEntry
from lga.catalogue.models import WorkshopSession
from lga.enrolment.models import Enrolment
from tests.conftest import post_form


def _setup(factory, db, trainer, n=3, **kwargs):
    workshop = factory.workshop(trainers=[trainer], start=date.today() + timedelta(days=1), **kwargs)
    people = [factory.user(password=None, family_name=f"Berisha {i}") for i in range(n)]
    for person in people:
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    session_id = db.session.scalar(select(WorkshopSession.id).where(WorkshopSession.workshop_id == workshop.id))
    return workshop, people, session_id


def _statuses(db, session_id):
    db.session.expire_all()
    return {a.user_id: a.status for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session_id))}


def test_everyone_present_then_the_exceptions(client, factory, as_role, db):
    trainer = as_role("trainer")
    workshop, people, session_id = _setup(factory, db, trainer)
    outsider = factory.user(password=None)
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=outsider.id, status="waitlisted"))
    db.session.commit()
    url = f"/sessions/{session_id}/roll-call"
    html = client.get(url).get_data(as_text=True)
    assert all(p.full_name in html for p in people) and outsider.full_name not in html
    post_form(client, url, {"action": "everyone_present"})
    assert _statuses(db, session_id) == {p.id: "present" for p in people}
    post_form(client, url, {f"status-{people[1].id}": "late", f"status-{people[2].id}": "absent"})
    assert _statuses(db, session_id) == {people[0].id: "present", people[1].id: "late", people[2].id: "absent"}
    # Marking everyone again does not overwrite the exceptions.
    post_form(client, url, {"action": "everyone_present"})
    assert _statuses(db, session_id)[people[2].id] == "absent"
    changes = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "attendance.changed")
                                 .order_by(AuditEntry.id)).all()
    assert len(changes) == 5
    last = changes[-1]
    assert last.actor_id == trainer.id and last.changes["status"] == {"old": "present", "new": "absent"}


def test_bad_input_writes_nothing(client, factory, as_role, db):
    trainer = as_role("trainer")
    _workshop, people, session_id = _setup(factory, db, trainer)
    stranger = factory.user(password=None)
    url = f"/sessions/{session_id}/roll-call"
    response = post_form(client, url, {f"status-{people[0].id}": "present", f"status-{stranger.id}": "present"},
                         follow_redirects=True)
    assert "flash-error" in response.get_data(as_text=True)
    post_form(client, url, {f"status-{people[0].id}": "asleep"})
    assert _statuses(db, session_id) == {}
    assert post_form(client, url, {"status-abc": "present"}).status_code == 400


def test_only_the_workshops_trainers_take_its_roll_call(client, factory, as_role, db):
    _workshop, _people, session_id = _setup(factory, db, factory.user(roles=("trainer",), password=None))
    as_role("trainer")
    assert client.get(f"/sessions/{session_id}/roll-call").status_code == 403
    assert post_form(client, f"/sessions/{session_id}/roll-call", {"action": "everyone_present"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_roll_call_runs_a_fixed_number_of_queries(client, factory, as_role, db, count_queries):
    trainer = as_role("trainer")
    workshop, _people, session_id = _setup(factory, db, trainer, n=3, capacity=200)
    url = f"/sessions/{session_id}/roll-call"
    post_form(client, url, {"action": "everyone_present"})
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    for i in range(40):
        person = factory.user(password=None)
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    post_form(client, url, {"action": "everyone_present"})
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, "\n".join(large.statements)


def test_completion_follows_attendance_and_rules(client, factory, as_role, db):

    trainer = as_role("trainer")
    workshop = factory.workshop(trainers=[trainer], start=date.today(), sessions=5)
    person = factory.user(password=None)
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    session_ids = db.session.scalars(select(WorkshopSession.id).where(WorkshopSession.workshop_id == workshop.id)
                                     .order_by(WorkshopSession.starts_at)).all()

    def status():
        db.session.expire_all()
        return db.session.scalar(select(Enrolment.status).where(Enrolment.user_id == person.id))

    for sid in session_ids[:3]:
        post_form(client, f"/sessions/{sid}/roll-call", {f"status-{person.id}": "present"})
    assert status() == "enrolled"  # 3 of 5 < 80%
    post_form(client, f"/sessions/{session_ids[3]}/roll-call", {f"status-{person.id}": "late"})
    assert status() == "completed"  # 4 of 5 = 80%
    post_form(client, f"/sessions/{session_ids[3]}/roll-call", {f"status-{person.id}": "absent"})
    assert status() == "enrolled"  # a correction takes it back
    # A lower rule completes them again, without touching attendance.
    from lga.catalogue import scheduling

    w = scheduling.load_for_editing(workshop.id)
    scheduling.update_workshop(w, {"completion_share": 60}, trainers=[trainer], targets=[], actor=trainer)
    db.session.commit()
    assert status() == "completed"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "enrolment.completion")).all()
    assert len(entries) == 3
