"""Enrolment under real concurrency (PostgreSQL only): many people press "Enrol" at the same
moment for a workshop with few places.

Each request runs in its own thread with its own application context, hence its own database
session and connection, as under a multi-threaded or multi-process server. The threads wait
behind a barrier and then all call the enrolment service and commit at once; the workshop's
row lock (``SELECT … FOR UPDATE``) must turn that crowd into a queue: exactly ``capacity``
places, everyone else on the waitlist in the order they were served, no duplicates, no error.

SQLite has no row locks and serialises writers with a database lock (a second writer fails
with "database is locked" rather than waiting), so these tests only run on PostgreSQL.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from lga.accounts.models import User
from lga.enrolment import services as enrolment
from lga.enrolment.models import Enrolment
from lga.enrolment.services import EnrolmentError

PEOPLE = 100
CAPACITY = 20
BARRIER_TIMEOUT = 60  # seconds; generous, a stuck barrier fails the test instead of hanging it


@pytest.fixture()
def postgres_only(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent enrolment relies on row locks (SELECT … FOR UPDATE), "
                    "which SQLite does not have; run with LGA_TEST_DATABASE_URL=postgresql+psycopg://…")


@dataclass
class Outcome:
    """What one simulated request saw."""

    status: str | None = None  # the enrolment's status after commit
    refused: EnrolmentError | None = None  # a rule said no (expected for duplicates)
    error: BaseException | None = None  # anything else: a defect
    session: object = None
    backend_pid: int | None = None


@dataclass
class Crowd:
    outcomes: list[Outcome]
    most_at_once: int  # the largest number of requests that were inside the service together
    main_session: object = field(default=None)

    @property
    def errors(self) -> list[BaseException]:
        return [o.error for o in self.outcomes if o.error is not None]


def enrol_all_at_once(app, db, workshop_id: int, user_ids: list[int]) -> Crowd:
    """One thread per user id, released together; each enrols and commits in its own app context."""
    barrier = threading.Barrier(len(user_ids))
    outcomes = [Outcome() for _ in user_ids]
    inside = {"now": 0, "most": 0}
    inside_lock = threading.Lock()

    def request(i: int, user_id: int) -> None:
        outcome = outcomes[i]
        with app.app_context():
            try:
                # Own app context => own scoped session (kept referenced so identities stay unique).
                outcome.session = db.session()
                barrier.wait(timeout=BARRIER_TIMEOUT)
                with inside_lock:
                    inside["now"] += 1
                    inside["most"] = max(inside["most"], inside["now"])
                try:
                    outcome.backend_pid = db.session.scalar(text("SELECT pg_backend_pid()"))
                    user = db.session.get(User, user_id)
                    row = enrolment.enrol(workshop_id, user)
                    db.session.commit()
                    outcome.status = row.status
                except EnrolmentError as exc:
                    db.session.rollback()
                    outcome.refused = exc
                finally:
                    with inside_lock:
                        inside["now"] -= 1
            except BaseException as exc:  # noqa: BLE001 - every failure is reported by the test
                outcome.error = exc
                db.session.rollback()
            finally:
                # Return the connection, or the TRUNCATE after the test would wait for it.
                db.session.remove()

    main_session = db.session()
    db.session.commit()  # the test's own transaction must not hold anything the threads need
    threads = [threading.Thread(target=request, args=(i, uid), name=f"enrol-{i}") for i, uid in enumerate(user_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BARRIER_TIMEOUT * 2)
    assert not any(t.is_alive() for t in threads), "some requests never finished (a deadlock?)"
    db.session.expire_all()
    return Crowd(outcomes=outcomes, most_at_once=inside["most"], main_session=main_session)


def assert_own_sessions(crowd: Crowd) -> None:
    """db.session is scoped per app context: every thread had a session of its own."""
    sessions = [o.session for o in crowd.outcomes]
    assert all(s is not None for s in sessions)
    assert len({id(s) for s in sessions}) == len(sessions), "two threads shared a database session"
    assert crowd.main_session not in sessions, "a thread used the test's own session"
    pids = {o.backend_pid for o in crowd.outcomes}
    assert None not in pids
    assert len(pids) > 1, "all requests went through one connection: nothing ran concurrently"
    assert crowd.most_at_once > 1, "the requests did not overlap; the test proved nothing"


def rows_of(db, workshop_id: int) -> list[Enrolment]:
    return list(db.session.scalars(
        select(Enrolment).where(Enrolment.workshop_id == workshop_id).order_by(Enrolment.requested_at, Enrolment.id)))


def english(exc: EnrolmentError) -> str:
    with force_locale("en"):
        return str(exc)


# --- Tests -------------------------------------------------------------------------------------

def test_a_hundred_simultaneous_requests_fill_twenty_places_in_request_order(
        postgres_only, app, db, factory, mailbox):
    workshop = factory.workshop(capacity=CAPACITY, title="Budget planning for municipalities")
    people = [factory.user(locale="en", password=None) for _ in range(PEOPLE)]  # no hashing: fast
    by_id = {p.id: p for p in people}
    emails = {p.id: p.email for p in people}

    crowd = enrol_all_at_once(app, db, workshop.id, list(by_id))

    assert crowd.errors == [], f"{len(crowd.errors)} requests failed, first: {crowd.errors[:1]!r}"
    assert [o.refused for o in crowd.outcomes if o.refused] == []
    assert_own_sessions(crowd)
    statuses = [o.status for o in crowd.outcomes]
    assert statuses.count("enrolled") == CAPACITY
    assert statuses.count("waitlisted") == PEOPLE - CAPACITY

    rows = rows_of(db, workshop.id)
    assert len(rows) == PEOPLE
    assert len({(r.workshop_id, r.user_id) for r in rows}) == PEOPLE, "someone holds two rows"
    assert {r.user_id for r in rows} == set(by_id)
    enrolled = [r for r in rows if r.status == "enrolled"]
    waitlisted = [r for r in rows if r.status == "waitlisted"]
    assert (len(enrolled), len(waitlisted)) == (CAPACITY, PEOPLE - CAPACITY)
    # What the database says matches what each request was told.
    told = {uid: o.status for uid, o in zip(by_id, crowd.outcomes)}
    assert {r.user_id: r.status for r in rows} == told

    # First come, first served: every place went to a request served before every waitlisted one.
    assert max(r.requested_at for r in enrolled) < min(r.requested_at for r in waitlisted)
    assert len({r.requested_at for r in rows}) == PEOPLE, "two requests claim the same moment"
    # The waitlist is numbered 1..80 in the order the requests were served.
    waitlisted.sort(key=lambda r: r.requested_at)
    assert [enrolment.waitlist_position(r) for r in waitlisted] == list(range(1, PEOPLE - CAPACITY + 1))
    assert enrolment.places_taken(workshop.id) == CAPACITY

    # Everyone was told, once, and told what actually happened to them.
    messages = mailbox.wait_for(PEOPLE, timeout=30)
    assert len(messages) == PEOPLE
    subjects = {}
    for message in messages:
        (address,) = [a.strip() for a in message["To"].split(",")]
        assert address not in subjects, f"{address} got two emails"
        subjects[address] = str(message["Subject"])
    confirmed = f"Your place at {workshop.title} is confirmed"
    on_waitlist = f"You are on the waitlist for {workshop.title}"
    for row in enrolled:
        assert subjects[emails[row.user_id]] == confirmed
    numbers = {}
    for row in waitlisted:
        message = next(m for m in messages if emails[row.user_id] in m["To"])
        assert str(message["Subject"]) == on_waitlist
        match = re.search(r"waitlist \(number (\d+)\)", mailbox.text_of(message))
        assert match, mailbox.text_of(message)
        numbers[row.user_id] = int(match.group(1))
    assert [numbers[r.user_id] for r in waitlisted] == list(range(1, PEOPLE - CAPACITY + 1)), \
        "the number in each waitlist email is the person's place in the queue"


def test_the_same_person_pressing_enrol_ten_times_at_once_gets_one_place(postgres_only, app, db, factory, mailbox):
    workshop = factory.workshop(capacity=CAPACITY)
    person = factory.user(locale="en")

    crowd = enrol_all_at_once(app, db, workshop.id, [person.id] * 10)

    assert crowd.errors == [], f"unhandled errors: {crowd.errors[:1]!r}"
    assert_own_sessions(crowd)
    accepted = [o for o in crowd.outcomes if o.status is not None]
    refused = [o.refused for o in crowd.outcomes if o.refused is not None]
    assert [o.status for o in accepted] == ["enrolled"]
    assert len(refused) == 9
    for exc in refused:
        assert english(exc) == "You are already on the list of this workshop."

    count = db.session.scalar(select(func.count()).select_from(Enrolment)
                              .where(Enrolment.workshop_id == workshop.id, Enrolment.user_id == person.id))
    assert count == 1
    assert enrolment.places_taken(workshop.id) == 1
    # One confirmation, not ten.
    messages = mailbox.wait_for(2, timeout=2)
    assert [str(m["Subject"]) for m in messages] == [f"Your place at {workshop.title} is confirmed"]
