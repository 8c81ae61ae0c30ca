"""QR self check-in: rotating signed codes, one-time tickets, windows, and every refusal explained."""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from lga.attendance import checkin
from lga.attendance.models import Attendance
from lga.catalogue.models import WorkshopSession
from lga.enrolment.models import Enrolment
from tests.conftest import login, post_form


def _session(factory, db, *, trainer=None, open_window=True, starts_in=timedelta(minutes=5)):
    trainer = trainer or factory.user(roles=("trainer",), password=None)
    workshop = factory.workshop(trainers=[trainer], start=date.today(), sessions=1)
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id))
    now = datetime.now(timezone.utc)
    session.starts_at, session.ends_at = now + starts_in, now + starts_in + timedelta(hours=2)
    if open_window:
        session.checkin_opens_at, session.checkin_closes_at = now - timedelta(minutes=1), now + timedelta(minutes=30)
    db.session.commit()
    return workshop, session


def _enrolled(factory, db, workshop, **kwargs):
    person = factory.user(**kwargs)
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    return person


def _attendance(db, session_id, user_id):
    db.session.expire_all()
    return db.session.scalar(select(Attendance).where(Attendance.session_id == session_id, Attendance.user_id == user_id))


def test_scan_log_in_and_check_in(client, factory, db):
    workshop, session = _session(factory, db)
    person = _enrolled(factory, db, workshop)
    code = checkin.code_for(session.id)
    response = client.get(f"/check-in/{session.id}/{code}")
    assert response.status_code == 302 and "/check-in/ticket/" in response.headers["Location"]
    ticket_url = response.headers["Location"]
    # Not logged in on the phone yet: the ticket waits behind the login page.
    assert "/login" in client.get(ticket_url).headers["Location"]
    login(client, person)
    page = client.get(ticket_url).get_data(as_text=True)
    assert person.full_name in page
    response = post_form(client, ticket_url)
    assert response.status_code == 200
    row = _attendance(db, session.id, person.id)
    assert row.status == "present" and row.source == "qr" and row.checked_in_at is not None
    # Checking in again changes nothing and says so kindly.
    assert post_form(client, ticket_url).status_code == 200


def test_late_arrivals_are_marked_late(client, factory, as_role, db):
    workshop, session = _session(factory, db, starts_in=-timedelta(minutes=40))
    person = _enrolled(factory, db, workshop)
    login(client, person)
    location = client.get(f"/check-in/{session.id}/{checkin.code_for(session.id)}").headers["Location"]
    post_form(client, location)
    assert _attendance(db, session.id, person.id).status == "late"


def test_expired_forged_and_closed_codes_are_refused(client, factory, db):
    workshop, session = _session(factory, db)
    old = checkin.code_for(session.id, checkin._step() - 2)
    for code in (old, "ZZZZZZ"):
        response = client.get(f"/check-in/{session.id}/{code}")
        assert response.status_code == 400 and "flash-error" in response.get_data(as_text=True)
    # The previous code still works: nobody loses the race against the rotation.
    assert client.get(f"/check-in/{session.id}/{checkin.code_for(session.id, checkin._step() - 1)}").status_code == 302
    closed_workshop, closed = _session(factory, db, open_window=False)
    assert client.get(f"/check-in/{closed.id}/{checkin.code_for(closed.id)}").status_code == 400
    # A code is bound to its session.
    assert client.get(f"/check-in/{closed.id}/{checkin.code_for(session.id)}").status_code == 400
    assert client.get(f"/check-in/{session.id}/not-a-code").status_code == 400
    assert client.get(f"/check-in/99999/{checkin.code_for(99999)}").status_code == 400


def test_a_forged_or_expired_ticket_is_refused(client, factory, db, app):
    workshop, session = _session(factory, db)
    person = _enrolled(factory, db, workshop)
    login(client, person)
    assert client.get("/check-in/ticket/forged.ticket").status_code == 400
    ticket = checkin._serializer().dumps({"s": session.id, "t": "x" * 32})
    real_time = time.time
    try:
        time.time = lambda: real_time() + checkin.TICKET_MINUTES * 60 + 5
        response = post_form(client, f"/check-in/ticket/{ticket}")
    finally:
        time.time = real_time
    assert response.status_code == 400
    assert _attendance(db, session.id, person.id) is None


def test_a_ticket_forwarded_to_someone_else_is_refused(client, factory, db, app):
    workshop, session = _session(factory, db)
    first = _enrolled(factory, db, workshop)
    friend = _enrolled(factory, db, workshop)
    location = client.get(f"/check-in/{session.id}/{checkin.code_for(session.id)}").headers["Location"]
    login(client, first)
    post_form(client, location)
    other = app.test_client()
    login(other, friend)
    response = post_form(other, location)
    assert response.status_code == 400
    assert _attendance(db, session.id, friend.id) is None


def test_people_without_a_place_cannot_check_in(client, factory, db):
    workshop, session = _session(factory, db)
    waiting = factory.user()
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=waiting.id, status="waitlisted"))
    db.session.commit()
    login(client, waiting)
    location = client.get(f"/check-in/{session.id}/{checkin.code_for(session.id)}").headers["Location"]
    assert post_form(client, location).status_code == 400
    assert _attendance(db, session.id, waiting.id) is None


def test_typed_code(client, factory, db):
    workshop, session = _session(factory, db)
    person = _enrolled(factory, db, workshop)
    login(client, person)
    assert post_form(client, "/check-in", {"code": "WRONG1"}).status_code == 400
    code = checkin.code_for(session.id)
    response = post_form(client, "/check-in", {"code": f" {code[:3].lower()} {code[3:]} "})
    assert response.status_code == 200
    assert _attendance(db, session.id, person.id).status == "present"


def test_trainer_opens_and_closes_the_screen(client, factory, as_role, db):
    trainer = as_role("trainer")
    _workshop, session = _session(factory, db, trainer=trainer, open_window=False)
    url = f"/sessions/{session.id}/check-in"
    assert client.get(f"{url}/qr.svg").status_code == 404
    post_form(client, url, {"action": "open", "minutes": "20"})
    html = client.get(url).get_data(as_text=True)
    assert checkin.code_for(session.id) in html and 'http-equiv="refresh"' in html
    svg = client.get(f"{url}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert "flash-error" in post_form(client, url, {"action": "open", "minutes": "0"}, follow_redirects=True).get_data(as_text=True)
    post_form(client, url, {"action": "close"})
    db.session.expire_all()
    assert not checkin.window_open(db.session.get(WorkshopSession, session.id))


def test_other_trainers_cannot_open_the_screen(client, factory, as_role, db):
    as_role("trainer")
    _workshop, session = _session(factory, db)
    assert client.get(f"/sessions/{session.id}/check-in").status_code == 403
    assert client.get(f"/sessions/{session.id}/check-in/qr.svg").status_code == 403
