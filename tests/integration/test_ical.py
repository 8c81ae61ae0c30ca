"""Calendar files as calendar apps read them: a workshop's .ics (one event per session, stable
UIDs, a SEQUENCE that grows with each change, cancellations) and a person's private feed."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lga.catalogue import scheduling
from lga.catalogue.models import WorkshopSession
from lga.enrolment import services as enrolment
from tests.conftest import login, post_form

FEED_URL_RE = re.compile(r'id="feed-url"[^>]*value="([^"]+)"')


# --- Helpers -------------------------------------------------------------------------------

def fetch_calendar(client, path: str) -> tuple[Calendar, bytes]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == "text/calendar"
    data = response.get_data()
    return Calendar.from_ical(data), data


def events(cal: Calendar) -> list:
    return list(cal.walk("VEVENT"))


def by_uid(cal: Calendar) -> dict[str, object]:
    found = {str(e["UID"]): e for e in events(cal)}
    assert len(found) == len(events(cal)), "two events share a UID"
    return found


def utc(event, name: str) -> datetime:
    """The property as a datetime, checking that it is written in UTC (…Z), not local time."""
    value = event.decoded(name)
    assert isinstance(value, datetime) and value.tzinfo is not None, f"{name} is not a UTC date-time"
    assert value.utcoffset() == timedelta(0), f"{name} is not in UTC: {value!r}"
    assert "TZID" not in event[name].params
    return value


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return scheduling.to_utc(day, time(hour, minute))


@pytest.fixture()
def manager(factory):
    return factory.user(roles=("manager",))


@pytest.fixture()
def two_day_workshop(db, factory):
    """A published two-day workshop with three sessions (two on day one, one on day two)."""
    start = date.today() + timedelta(days=14)
    workshop = factory.workshop(start=start, days=2, sessions=0, title="Public procurement in practice",
                                venue="Hotel Theranda")
    db.session.add_all([
        WorkshopSession(workshop_id=workshop.id, title="The law", format="lecture",
                        starts_at=local(start, 9), ends_at=local(start, 10, 30)),
        WorkshopSession(workshop_id=workshop.id, title="Cases", format="group_work",
                        starts_at=local(start, 11), ends_at=local(start, 12, 30), room="Salla 2"),
        WorkshopSession(workshop_id=workshop.id, title="Exchange", format="discussion",
                        starts_at=local(start + timedelta(days=1), 9), ends_at=local(start + timedelta(days=1), 12)),
    ])
    db.session.commit()
    return workshop


def editable(workshop_id: int):
    return scheduling.load_for_editing(workshop_id)


def update(workshop_id: int, values: dict, *, actor) -> dict:
    workshop = editable(workshop_id)
    changes = scheduling.update_workshop(workshop, values, trainers=list(workshop.trainers),
                                         targets=list(workshop.target_institutions), actor=actor)
    from lga.extensions import db

    db.session.commit()
    return changes


def stored_sessions(db, workshop_id: int) -> list[WorkshopSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop_id)
                                   .order_by(WorkshopSession.starts_at)))


# --- One workshop ----------------------------------------------------------------------------

def test_a_workshop_calendar_has_one_event_per_session_at_the_stored_times(client, db, factory, two_day_workshop):
    workshop = two_day_workshop
    cal, raw = fetch_calendar(client, f"/workshops/{workshop.id}.ics")

    assert cal.name == "VCALENDAR"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]).strip()
    sessions = stored_sessions(db, workshop.id)
    found = events(cal)
    assert len(found) == 3 == len(sessions)
    place = factory.municipality().name_sq
    for event, session in zip(sorted(found, key=lambda e: e.decoded("DTSTART")), sessions):
        assert str(event["UID"]).strip()
        assert utc(event, "DTSTART") == session.starts_at
        assert utc(event, "DTEND") == session.ends_at
        assert workshop.title in str(event["SUMMARY"]) and session.title in str(event["SUMMARY"])
        assert "Hotel Theranda" in str(event["LOCATION"]) and place in str(event["LOCATION"])
        assert int(event["SEQUENCE"]) == 0
        assert str(event["STATUS"]) == "CONFIRMED"
        assert f"/workshops/{workshop.id}" in str(event["URL"])
    assert "Salla 2" in str(sorted(found, key=lambda e: e.decoded("DTSTART"))[1]["LOCATION"])
    # Two days: the sessions are on two different local days.
    days = {scheduling.to_local(e.decoded("DTSTART")).date() for e in found}
    assert days == {workshop.start_date, workshop.end_date}
    assert b"DTSTART:" in raw and b"Z\r\n" in raw, "times are written in UTC form (…Z)"


def test_uids_stay_and_sequence_grows_with_each_change_calendars_must_see(client, db, factory, manager,
                                                                          two_day_workshop):
    workshop_id = two_day_workshop.id
    path = f"/workshops/{workshop_id}.ics"
    before = by_uid(fetch_calendar(client, path)[0])
    uids = set(before)
    sequences = [0]

    def current():
        cal = by_uid(fetch_calendar(client, path)[0])
        seq = {int(e["SEQUENCE"]) for e in cal.values()}
        assert len(seq) == 1, "all events of a workshop carry the same SEQUENCE"
        return cal, seq.pop()

    # A new venue.
    update(workshop_id, {"venue": "Municipal Assembly Hall"}, actor=manager)
    cal, seq = current()
    assert set(cal) == uids and seq > sequences[-1]
    sequences.append(seq)
    assert all("Municipal Assembly Hall" in str(e["LOCATION"]) for e in cal.values())

    # A longer workshop (new last day).
    end = two_day_workshop.end_date + timedelta(days=1)
    update(workshop_id, {"end_date": end}, actor=manager)
    cal, seq = current()
    assert set(cal) == uids and seq > sequences[-1]
    sequences.append(seq)

    # A change no calendar shows (capacity) leaves the SEQUENCE alone.
    update(workshop_id, {"capacity": 45}, actor=manager)
    assert current()[1] == sequences[-1]

    # A new session on the new day: the old events keep their UIDs, one event is added.
    workshop = editable(workshop_id)
    added = scheduling.add_session(workshop, {"title": "Field visit", "format": "study_visit",
                                              "starts_at": local(end, 10), "ends_at": local(end, 13)}, actor=manager)
    db.session.commit()
    cal, seq = current()
    assert uids < set(cal) and len(cal) == 4 and seq > sequences[-1]
    sequences.append(seq)
    new_uid = (set(cal) - uids).pop()
    assert utc(cal[new_uid], "DTSTART") == added.starts_at

    # A session moved by an hour: same UID, new times.
    workshop = editable(workshop_id)
    first = workshop.sessions[0]
    first_uid = next(uid for uid, e in before.items() if e.decoded("DTSTART") == first.starts_at)
    moved = {"title": first.title, "format": first.format, "room": first.room, "meeting_url": first.meeting_url,
             "trainer_id": first.trainer_id, "starts_at": first.starts_at + timedelta(hours=1),
             "ends_at": first.ends_at + timedelta(hours=1)}
    scheduling.update_session(workshop, first, moved, actor=manager)
    db.session.commit()
    cal, seq = current()
    assert set(cal) == uids | {new_uid} and seq > sequences[-1]
    assert utc(cal[first_uid], "DTSTART") == moved["starts_at"]
    assert utc(cal[first_uid], "DTEND") == moved["ends_at"]


def test_a_draft_workshop_has_no_public_calendar(client, factory):
    draft = factory.workshop(status="draft")
    assert client.get(f"/workshops/{draft.id}").status_code == 404
    assert client.get(f"/workshops/{draft.id}.ics").status_code == 404
    assert client.get("/workshops/999999.ics").status_code == 404


def test_a_cancelled_workshop_is_cancelled_in_calendars(client, db, manager, two_day_workshop):
    workshop_id = two_day_workshop.id
    uids = set(by_uid(fetch_calendar(client, f"/workshops/{workshop_id}.ics")[0]))
    scheduling.cancel_workshop(editable(workshop_id), actor=manager, reason="Trainer ill")
    db.session.commit()

    cal = by_uid(fetch_calendar(client, f"/workshops/{workshop_id}.ics")[0])
    assert set(cal) == uids, "the cancellation must reach the events calendars already hold"
    assert {str(e["STATUS"]) for e in cal.values()} == {"CANCELLED"}
    assert all(int(e["SEQUENCE"]) > 0 for e in cal.values())


# --- Personal feeds ------------------------------------------------------------------------

def feed_path(client) -> str:
    response = client.get("/my/calendar")
    assert response.status_code == 200
    match = FEED_URL_RE.search(response.get_data(as_text=True))
    assert match, "no calendar address on /my/calendar"
    url = unescape(match.group(1))
    assert url.startswith("http"), "the address must be absolute, for calendar apps"
    path = urlsplit(url).path
    assert re.fullmatch(r"/calendar/feed/[^/]+\.ics", path), path
    return path


def uids_of(workshop) -> set[str]:
    """The UIDs the workshop's sessions must have in any calendar (read from the database)."""
    from lga.catalogue import ical
    from lga.extensions import db

    sessions = db.session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id))
    uids = {ical.session_uid(s) for s in sessions}
    assert uids, "a workshop without sessions proves nothing here"
    return uids


def feed_uids(app, path: str) -> set[str]:
    """Fetch the feed as a calendar app does: without logging in."""
    cal, _ = fetch_calendar(app.test_client(), path)
    return set(by_uid(cal))


def test_a_feed_holds_only_the_workshops_the_person_is_enrolled_in(app, client, db, factory):
    me, other = factory.user(), factory.user()
    mine = factory.workshop(title="Mine", sessions=2)
    waiting = factory.workshop(title="Waiting", capacity=1)
    theirs = factory.workshop(title="Theirs")
    dropped = factory.workshop(title="Dropped")
    enrolment.enrol(mine.id, me)
    enrolment.enrol(waiting.id, other)
    assert enrolment.enrol(waiting.id, me).status == "waitlisted"
    enrolment.enrol(theirs.id, other)
    enrolment.cancel(enrolment.enrol(dropped.id, me), actor=me)
    db.session.commit()

    login(client, me)
    path = feed_path(client)
    assert feed_path(client) == path, "the address stays the same between visits"
    assert feed_uids(app, path) == uids_of(mine)
    # The other person's feed is theirs alone.
    other_client = app.test_client()
    login(other_client, other)
    assert feed_uids(app, feed_path(other_client)) == uids_of(waiting) | uids_of(theirs)


def test_a_trainers_feed_holds_the_workshops_they_train(app, client, factory):
    trainer = factory.user(roles=("trainer",))
    trains = factory.workshop(trainers=[trainer], sessions=3)
    factory.workshop()  # someone else's
    factory.workshop(trainers=[trainer], status="draft")  # not yet announced

    login(client, trainer)
    assert feed_uids(app, feed_path(client)) == uids_of(trains)


def test_renewing_the_address_revokes_the_old_one(app, client, db, factory):
    me = factory.user()
    workshop = factory.workshop()
    enrolment.enrol(workshop.id, me)
    db.session.commit()
    login(client, me)
    old = feed_path(client)
    assert feed_uids(app, old) == uids_of(workshop)

    response = post_form(client, "/my/calendar/renew")
    assert response.status_code == 302
    new = feed_path(client)
    assert new != old
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 404
    assert feed_uids(app, new) == uids_of(workshop)


def test_unknown_feed_addresses_are_not_found(client):
    assert client.get("/calendar/feed/not-a-real-token.ics").status_code == 404
    assert client.get("/calendar/feed/.ics").status_code == 404


def test_the_feed_address_needs_a_login(client):
    response = client.get("/my/calendar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
