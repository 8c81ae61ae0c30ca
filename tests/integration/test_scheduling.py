"""Scheduling: trainers and managers create workshops, copy them, lay out sessions; clashes are refused."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lga.catalogue.models import SessionPlanItem, Workshop, WorkshopSession, workshop_trainer
from tests.conftest import post_form

KOSOVO_WINTER = timedelta(hours=1)  # CET: UTC+1
KOSOVO_SUMMER = timedelta(hours=2)  # CEST: UTC+2


def _form(factory, module, **overrides):
    module_id = module if isinstance(module, int) else module.id
    start = overrides.pop("start", date(2027, 1, 18))
    data = {
        "module_id": module_id, "programme_id": factory.programme("SSSM").id, "title": "Financimi i shërbimeve sociale",
        "description": "", "language": "sq", "mode": "in_person", "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=1)).isoformat(), "venue": "Hotel Theranda, Rruga e Shadërvanit",
        "municipality_id": factory.municipality("prizren").id, "meeting_url": "", "capacity": "25",
        "enrol_opens_at": "", "enrol_closes_at": "2027-01-15T16:00", "cancel_until": "", "status": "published",
    }
    data.update(overrides)
    return data


def _session(workshop, starts_utc, minutes=90, **kwargs):
    return WorkshopSession(workshop_id=workshop.id, title=kwargs.pop("title", "Sesion"), format="lecture",
                           starts_at=starts_utc, ends_at=starts_utc + timedelta(minutes=minutes), **kwargs)


def test_trainer_schedules_a_two_day_workshop_in_local_time(client, factory, as_role, db):
    trainer = as_role("trainer")
    module = factory.module()
    response = post_form(client, "/manage/workshops/new", _form(factory, module, trainer_ids=[str(trainer.id)],
                                                                 target_institution_ids=[str(factory.institution_type("qps").id)]))
    assert response.status_code == 302, response.get_data(as_text=True)
    workshop = db.session.scalar(select(Workshop))
    assert workshop.title == "Financimi i shërbimeve sociale"
    assert workshop.created_by_id == trainer.id
    # 16:00 in Prishtina in January is 15:00 UTC.
    assert workshop.enrol_closes_at == datetime(2027, 1, 15, 15, 0, tzinfo=timezone.utc)
    assert db.session.scalar(select(func.count()).select_from(workshop_trainer)) == 1

    sessions_url = f"/manage/workshops/{workshop.id}/sessions"
    for day, start, end, title in (("2027-01-18", "09:00", "10:30", "Hyrje"), ("2027-01-19", "09:00", "12:00", "Punë në grupe")):
        response = post_form(client, sessions_url, {"title": title, "format": "group_work", "day": day, "starts": start,
                                                    "ends": end, "room": "Salla 1", "meeting_url": "",
                                                    "trainer_id": str(trainer.id)})
        assert response.status_code == 302, response.get_data(as_text=True)
    sessions = db.session.scalars(select(WorkshopSession).order_by(WorkshopSession.starts_at)).all()
    assert [s.starts_at for s in sessions] == [datetime(2027, 1, 18, 8, 0, tzinfo=timezone.utc),
                                              datetime(2027, 1, 19, 8, 0, tzinfo=timezone.utc)]
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "09:00" in page and "Hyrje" in page and "Punë në grupe" in page


def test_summer_time_is_applied(client, factory, as_role, db):
    trainer = as_role("trainer")
    workshop = factory.workshop(start=date(2027, 6, 14), trainers=[trainer], sessions=0)
    post_form(client, f"/manage/workshops/{workshop.id}/sessions", {
        "title": "Leksion", "format": "lecture", "day": "2027-06-14", "starts": "09:00", "ends": "10:00",
        "trainer_id": str(trainer.id)})
    session = db.session.scalar(select(WorkshopSession))
    assert session.starts_at == datetime(2027, 6, 14, 7, 0, tzinfo=timezone.utc)


def test_bad_input_is_explained_and_nothing_is_written(client, factory, as_role, db):
    as_role("manager")
    module = factory.module()
    response = post_form(client, "/manage/workshops/new", _form(
        factory, module, end_date="2027-01-01", capacity="0", mode="virtual", meeting_url="zoom"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "has-error" in html and 'aria-invalid="true"' in html
    assert db.session.scalar(select(func.count()).select_from(Workshop)) == 0


def test_online_workshop_needs_a_link(client, factory, as_role, db):
    as_role("manager")
    response = post_form(client, "/manage/workshops/new", _form(factory, factory.module(), mode="virtual", venue=""))
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Workshop)) == 0


def test_trainer_clash_names_the_other_session(client, factory, as_role, db):
    trainer = as_role("trainer")
    other = factory.workshop(title="Planifikimi i buxhetit", start=date(2027, 3, 1), sessions=0, trainers=[trainer])
    db.session.add(_session(other, datetime(2027, 3, 1, 8, 0, tzinfo=timezone.utc), title="Buxheti komunal",
                            trainer_id=trainer.id))
    mine = factory.workshop(title="Mirëqenia sociale", start=date(2027, 3, 1), sessions=0, trainers=[trainer])
    db.session.commit()
    response = post_form(client, f"/manage/workshops/{mine.id}/sessions", {
        "title": "Hyrje", "format": "lecture", "day": "2027-03-01", "starts": "09:30", "ends": "11:00",
        "trainer_id": str(trainer.id)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Buxheti komunal" in html and "Planifikimi i buxhetit" in html
    assert db.session.scalar(select(func.count()).select_from(WorkshopSession)
                             .where(WorkshopSession.workshop_id == mine.id)) == 0


def test_room_clash_in_the_same_municipality_only(client, factory, as_role, db):
    trainer = as_role("trainer")
    other = factory.workshop(title="Tjetër", start=date(2027, 3, 2), sessions=0)
    db.session.add(_session(other, datetime(2027, 3, 2, 8, 0, tzinfo=timezone.utc), title="Takimi i QPS", room="Salla e Kuvendit"))
    mine = factory.workshop(start=date(2027, 3, 2), sessions=0, trainers=[trainer])
    elsewhere = factory.workshop(start=date(2027, 3, 2), sessions=0, trainers=[trainer])
    elsewhere.municipality_id = factory.municipality("peje").id
    db.session.commit()
    form = {"title": "Diskutim", "format": "discussion", "day": "2027-03-02", "starts": "09:00", "ends": "10:00",
            "room": "  salla e kuvendit ", "trainer_id": ""}
    response = post_form(client, f"/manage/workshops/{mine.id}/sessions", form)
    assert response.status_code == 200 and "Takimi i QPS" in response.get_data(as_text=True)
    # The same room name in another municipality is another room.
    assert post_form(client, f"/manage/workshops/{elsewhere.id}/sessions", form).status_code == 302
    # Back to back is not a clash.
    form.update(starts="10:30", ends="11:30")
    assert post_form(client, f"/manage/workshops/{mine.id}/sessions", form).status_code == 302


def test_sessions_of_a_cancelled_workshop_do_not_clash(app, factory, db):
    from lga.catalogue.scheduling import find_clashes

    trainer = factory.user(roles=("trainer",))
    other = factory.workshop(start=date(2027, 3, 3), sessions=0, status="cancelled")
    starts = datetime(2027, 3, 3, 8, 0, tzinfo=timezone.utc)
    db.session.add(_session(other, starts, trainer_id=trainer.id))
    db.session.commit()
    assert find_clashes(starts_at=starts, ends_at=starts + timedelta(hours=1), trainer_id=trainer.id, room=None,
                        municipality_id=None) == []


def test_a_trainer_edits_only_their_own_workshops(client, factory, as_role):
    as_role("trainer")
    theirs = factory.workshop(trainers=[factory.user(roles=("trainer",))])
    assert client.get(f"/manage/workshops/{theirs.id}/edit").status_code == 403
    assert client.get(f"/manage/workshops/{theirs.id}/sessions").status_code == 403
    assert post_form(client, f"/manage/workshops/{theirs.id}/cancel", {"reason": "x"}).status_code == 403
    assert client.get(f"/workshops/{theirs.id}/roster").status_code == 403


def test_new_workshop_from_the_module_plan(client, factory, as_role, db):
    trainer = as_role("trainer")
    module = factory.module(code="plan-module")
    for position, (day, minutes, fmt) in enumerate([(1, 90, "lecture"), (1, 60, "group_work"), (2, 120, "study_visit")]):
        db.session.add(SessionPlanItem(module_id=module.id, position=position, day=day, format=fmt, minutes=minutes,
                                       title={"sq": f"Pjesa {position + 1}", "en": f"Part {position + 1}"}))
    db.session.commit()
    page = client.get("/manage/workshops/new?module=plan-module&start=2027-02-08")
    assert page.status_code == 200 and 'value="2027-02-09"' in page.get_data(as_text=True)  # two-day plan
    response = post_form(client, "/manage/workshops/new?module=plan-module&start=2027-02-08",
                         _form(factory, module, start=date(2027, 2, 8), trainer_ids=[str(trainer.id)]))
    assert response.status_code == 302, response.get_data(as_text=True)
    sessions = db.session.scalars(select(WorkshopSession).order_by(WorkshopSession.starts_at)).all()
    local = [(s.starts_at + KOSOVO_WINTER).strftime("%d %H:%M") for s in sessions]
    assert local == ["08 09:00", "08 10:45", "09 09:00"]  # 15-minute break between sessions
    assert [s.format for s in sessions] == ["lecture", "group_work", "study_visit"]
    assert all(s.trainer_id == trainer.id for s in sessions)


def test_copy_an_earlier_workshop_to_new_dates(client, factory, as_role, db):
    manager = as_role("manager")
    trainer = factory.user(roles=("trainer",))
    source = factory.workshop(title="Punëtori në Prizren", start=date(2026, 10, 5), days=2, sessions=0, trainers=[trainer])
    db.session.add_all([
        _session(source, datetime(2026, 10, 5, 7, 0, tzinfo=timezone.utc), title="Dita 1", room="Salla A"),  # 09:00 CEST
        _session(source, datetime(2026, 10, 6, 7, 0, tzinfo=timezone.utc), title="Dita 2", room="Salla A"),
    ])
    db.session.commit()
    page = client.get(f"/manage/workshops/new?copy={source.id}&start=2027-01-11").get_data(as_text=True)
    assert 'value="Punëtori në Prizren"' in page and 'value="2027-01-12"' in page
    data = _form(factory, source.module_id, start=date(2027, 1, 11), title="Punëtori në Prizren (2)",
                 trainer_ids=[str(trainer.id)])
    response = post_form(client, f"/manage/workshops/new?copy={source.id}&start=2027-01-11", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    copy = db.session.scalar(select(Workshop).where(Workshop.id != source.id))
    sessions = db.session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == copy.id)
                                  .order_by(WorkshopSession.starts_at)).all()
    # Same local wall-clock time (09:00), although January is in winter time.
    assert [s.starts_at for s in sessions] == [datetime(2027, 1, 11, 8, 0, tzinfo=timezone.utc),
                                              datetime(2027, 1, 12, 8, 0, tzinfo=timezone.utc)]
    assert copy.created_by_id == manager.id


def test_changes_raise_the_calendar_sequence_and_are_audited(client, factory, as_role, db):
    from lga.audit.models import AuditEntry

    trainer = as_role("trainer")
    workshop = factory.workshop(trainers=[trainer], start=date(2027, 1, 18), sessions=0, venue="Salla")
    data = _form(factory, workshop.module_id, venue="Salla e re", trainer_ids=[str(trainer.id)],
                 programme_id=str(workshop.programme_id))
    assert post_form(client, f"/manage/workshops/{workshop.id}/edit", data).status_code == 302
    db.session.refresh(workshop)
    assert workshop.venue == "Salla e re" and workshop.sequence == 1
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(workshop.id))).all()
    assert "workshop.updated" in actions


def test_raising_capacity_promotes_the_waitlist(client, factory, as_role, db):
    from lga.enrolment import services as enrolment

    manager = as_role("manager")
    workshop = factory.workshop(capacity=1, start=date.today() + timedelta(days=10))
    people = [factory.user() for _ in range(3)]
    for person in people:
        enrolment.enrol(workshop.id, person)
    db.session.commit()
    data = _form(factory, workshop.module_id, start=workshop.start_date, capacity="2", title=workshop.title,
                 programme_id=str(workshop.programme_id), enrol_closes_at="")
    assert post_form(client, f"/manage/workshops/{workshop.id}/edit", data).status_code == 302
    statuses = [enrolment.enrolment_of(workshop.id, p.id).status for p in people]
    assert statuses == ["enrolled", "enrolled", "waitlisted"]
    assert manager


def test_cancelling_a_workshop_needs_a_reason_and_frees_everyone(client, factory, as_role, db):
    from lga.enrolment import services as enrolment

    as_role("manager")
    workshop = factory.workshop(start=date.today() + timedelta(days=10))
    person = factory.user()
    enrolment.enrol(workshop.id, person)
    db.session.commit()
    post_form(client, f"/manage/workshops/{workshop.id}/cancel", {"reason": ""})
    db.session.refresh(workshop)
    assert workshop.status == "published"
    post_form(client, f"/manage/workshops/{workshop.id}/cancel", {"reason": "Trajneri është i sëmurë."})
    db.session.refresh(workshop)
    assert workshop.status == "cancelled" and workshop.sequence == 1
    assert enrolment.enrolment_of(workshop.id, person.id).status == "cancelled"


@pytest.mark.parametrize("role", ["trainee", "donor"])
def test_only_staff_schedule(client, as_role, role):
    as_role(role)
    assert client.get("/manage/workshops/new").status_code == 403


def test_people_enrolled_are_told_of_a_new_timetable(client, factory, as_role, db, mailbox):
    from icalendar import Calendar

    from lga.catalogue.scheduling import to_utc
    from lga.enrolment import services as enrolment

    trainer = as_role("trainer")
    start = date.today() + timedelta(days=20)
    workshop = factory.workshop(trainers=[trainer], start=start, sessions=2)
    enrolled, waiting = factory.user(locale="en", password=None), factory.user(password=None)
    workshop.capacity = 1
    db.session.commit()
    enrolment.enrol(workshop.id, enrolled)
    enrolment.enrol(workshop.id, waiting)
    db.session.commit()
    mailbox.wait_for(2)
    mailbox.clear()
    first, second = db.session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id)
                                       .order_by(WorkshopSession.starts_at)).all()
    first_id, second_id = first.id, second.id
    post_form(client, f"/manage/workshops/{workshop.id}/sessions/{first_id}", {
        "title": "Hyrje", "format": "lecture", "day": start.isoformat(), "starts": "13:00", "ends": "14:00",
        "trainer_id": str(trainer.id), "notify": "y"})
    post_form(client, f"/manage/workshops/{workshop.id}/sessions/{second_id}/delete")
    messages = mailbox.wait_for(2)
    assert [m["To"] for m in messages] == [enrolled.email, enrolled.email]  # not the waitlisted person
    assert all(str(m["Subject"]).startswith("Changed:") for m in messages)
    attachment = next(p for p in messages[-1].walk() if p.get_content_type() == "text/calendar")
    events = {str(e["UID"]): e for e in Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")}
    moved = next(e for uid, e in events.items() if uid.startswith(f"lga-session-{first_id}@"))
    gone = next(e for uid, e in events.items() if uid.startswith(f"lga-session-{second_id}@"))
    assert moved.decoded("DTSTART") == to_utc(start, time(13, 0))
    assert str(gone["STATUS"]) == "CANCELLED"
    assert int(moved["SEQUENCE"]) == 2
    # Without the box ticked, nobody is emailed.
    mailbox.clear()
    post_form(client, f"/manage/workshops/{workshop.id}/sessions/{first_id}", {
        "title": "Hyrje", "format": "lecture", "day": start.isoformat(), "starts": "14:00", "ends": "15:00",
        "trainer_id": str(trainer.id)})
    mailbox.wait_for(1, timeout=0.3)
    assert mailbox.messages == []


def test_a_workshop_with_people_cannot_become_a_draft_again(client, factory, as_role, db):
    from lga.enrolment import services as enrolment

    as_role("manager")
    workshop = factory.workshop(start=date.today() + timedelta(days=20))
    enrolment.enrol(workshop.id, factory.user(password=None))
    db.session.commit()
    data = _form(factory, workshop.module_id, start=workshop.start_date, title=workshop.title, status="draft",
                 programme_id=str(workshop.programme_id), enrol_closes_at="")
    response = post_form(client, f"/manage/workshops/{workshop.id}/edit", data)
    assert response.status_code == 200 and "has-error" in response.get_data(as_text=True)
    db.session.refresh(workshop)
    assert workshop.status == "published"
