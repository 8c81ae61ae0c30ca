"""The emails of enrolment as people receive them (from the real local SMTP server): confirmation
with a calendar file, waitlist, promotion, approval and refusal, cancellation, reminders; that
nothing is sent for a change that did not happen; and the cancellation deadline."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lga.catalogue import ical, scheduling
from lga.catalogue.models import WorkshopSession
from lga.db_types import utcnow
from lga.enrolment import services as enrolment
from lga.enrolment.models import Enrolment
from tests.conftest import login, post_form

TRANSLATIONS = Path(__file__).resolve().parents[2] / "lga" / "translations"

# The English texts (msgids) of lga/enrolment/services.py and templates/email/enrolment_*.txt.
SUBJECTS = {
    "enrolled": "Your place at {title} is confirmed",
    "promoted": "A place opened up for you: {title}",
    "waitlisted": "You are on the waitlist for {title}",
    "requested": "We received your request for {title}",
    "rejected": "Your request for {title} was declined",
    "cancelled": "Cancelled: your enrolment in {title}",
    "reminder": "Reminder: {title} starts soon",
}
SUBJECT_MSGIDS = {
    "enrolled": "Your place at %(title)s is confirmed",
}


# --- Helpers -------------------------------------------------------------------------------

def albanian(message: str) -> str | None:
    """The Albanian translation of ``message``, or None while the catalogue lacks it."""
    from babel.support import Translations

    translated = Translations.load(str(TRANSLATIONS), ["sq"]).gettext(message)
    return None if translated == message else translated


def messages_to(mailbox, user, count: int = 1):
    """The emails ``user`` received; waits for ``count`` of them, and a moment for any extra."""
    mailbox.wait_for(len(mailbox.messages) + 1, timeout=0.3)  # sending is synchronous; be safe
    found = mailbox.to(user.email)
    assert len(found) == count, [str(m["Subject"]) for m in found]
    return found


def the_email(mailbox, user):
    (message,) = messages_to(mailbox, user, 1)
    return message


def subjects(mailbox) -> list[str]:
    return sorted(str(m["Subject"]) for m in mailbox.messages)


def calendar_in(message) -> Calendar | None:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    if not parts:
        return None
    assert len(parts) == 1
    content = parts[0].get_content()
    return Calendar.from_ical(content if isinstance(content, (bytes, str)) else bytes(content))


def session_uids(db, workshop_id: int) -> set[str]:
    sessions = db.session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop_id))
    uids = {ical.session_uid(s) for s in sessions}
    assert uids
    return uids


def assert_calendar_of(db, message, workshop_id: int, status: str) -> Calendar:
    cal = calendar_in(message)
    assert cal is not None, f"no calendar file in {message['Subject']!r}"
    assert str(cal["METHOD"]) == "PUBLISH"
    events = list(cal.walk("VEVENT"))
    assert {str(e["UID"]) for e in events} == session_uids(db, workshop_id)
    assert {str(e["STATUS"]) for e in events} == {status}
    stored = sorted(s.starts_at for s in db.session.scalars(
        select(WorkshopSession).where(WorkshopSession.workshop_id == workshop_id)))
    assert sorted(e.decoded("DTSTART") for e in events) == stored
    return cal


def row_of(db, workshop_id: int, user) -> Enrolment:
    db.session.expire_all()
    return db.session.scalar(select(Enrolment).where(Enrolment.workshop_id == workshop_id,
                                                     Enrolment.user_id == user.id))


def flashes(html: str) -> list[tuple[str, str]]:
    return [(category, " ".join(unescape(text).split()))
            for category, text in re.findall(r'<p class="flash flash-(\w+)">(.*?)</p>', html, re.S)]


def enrol_on_the_web(client, workshop_id: int):
    response = post_form(client, f"/workshops/{workshop_id}/enrol")
    assert response.status_code == 302
    return response


@pytest.fixture()
def staff(app, factory):
    """A manager logged in on a device of their own."""
    manager = factory.user(roles=("manager",), locale="en")
    device = app.test_client()
    login(device, manager)
    device.user = manager
    return device


# --- Confirmation ----------------------------------------------------------------------------

def test_confirmation_in_english_with_the_sessions_as_a_calendar_file(client, db, factory, as_role, mailbox):
    workshop = factory.workshop(sessions=3, title="Gender-responsive budgeting")
    person = as_role("trainee", locale="en", given_name="Arben")

    response = post_form(client, f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert ("success", "You are enrolled. We have sent you a confirmation with a calendar entry.") \
        in flashes(response.get_data(as_text=True))
    assert row_of(db, workshop.id, person).status == "enrolled"

    message = the_email(mailbox, person)
    assert str(message["Subject"]) == SUBJECTS["enrolled"].format(title=workshop.title)
    body = mailbox.text_of(message)
    assert body.startswith("Hello Arben,")
    assert "Your place in this workshop is confirmed:" in body
    assert workshop.title in body
    assert "The attached calendar file adds the sessions to your calendar (times in Kosovo time)." in body
    assert "please cancel by" in body
    assert f"/workshops/{workshop.id}" in body
    assert_calendar_of(db, message, workshop.id, "CONFIRMED")
    assert len(mailbox.messages) == 1, "nobody else is told"


def test_confirmation_in_albanian_for_an_albanian_speaker(client, db, factory, as_role, mailbox):
    workshop = factory.workshop(sessions=2, title="Planifikimi i buxhetit")
    person = as_role("trainee", locale="sq")

    enrol_on_the_web(client, workshop.id)

    message = the_email(mailbox, person)
    subject, body = str(message["Subject"]), mailbox.text_of(message)
    assert workshop.title in subject and workshop.title in body
    assert_calendar_of(db, message, workshop.id, "CONFIRMED")
    # Once the Albanian catalogue has these strings, the email must use them.
    translated = albanian(SUBJECT_MSGIDS["enrolled"])
    if translated is not None:
        assert subject == translated % {"title": workshop.title}
    greeting = albanian("Hello %(name)s,")
    if greeting is not None:
        assert body.startswith(greeting % {"name": person.given_name})


# --- Waitlist and promotion ------------------------------------------------------------------

def test_a_full_workshop_puts_people_on_the_waitlist_and_tells_them_their_number(client, db, factory, as_role,
                                                                                  mailbox):
    workshop = factory.workshop(capacity=1, title="Waste management")
    enrolment.enrol(workshop.id, factory.user())
    enrolment.enrol(workshop.id, factory.user(locale="en"))
    db.session.commit()
    mailbox.clear()
    person = as_role("trainee", locale="en")

    response = post_form(client, f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert any("you are on the waitlist, number 2" in text for _, text in flashes(response.get_data(as_text=True)))
    assert row_of(db, workshop.id, person).status == "waitlisted"
    message = the_email(mailbox, person)
    assert str(message["Subject"]) == SUBJECTS["waitlisted"].format(title=workshop.title)
    body = mailbox.text_of(message)
    assert "This workshop is full, so you are on its waitlist (number 2):" in body
    assert "places go to the waitlist in the order people asked" in body
    assert calendar_in(message) is None, "no calendar entry for a place one does not have"


def test_when_someone_cancels_the_first_in_request_order_gets_the_place(app, client, db, factory, mailbox):
    workshop = factory.workshop(capacity=1, sessions=2, title="Social assistance schemes")
    holder, early, late = (factory.user(locale="en") for _ in range(3))
    enrolment.enrol(workshop.id, holder)
    # "late" asked first, withdrew, and asked again after "early": their row is older (lower id)
    # but their request is newer, and the queue goes by request.
    first_try = enrolment.enrol(workshop.id, late)
    db.session.commit()
    enrolment.cancel(first_try, actor=late)
    db.session.commit()
    enrolment.enrol(workshop.id, early)
    db.session.commit()
    again = enrolment.enrol(workshop.id, late)
    db.session.commit()
    assert again.id == first_try.id and again.status == "waitlisted"
    held = row_of(db, workshop.id, holder)
    mailbox.clear()

    login(client, holder)
    response = post_form(client, f"/enrolments/{held.id}/cancel", follow_redirects=True)
    assert ("success", "Your enrolment was cancelled. We have sent you a confirmation.") \
        in flashes(response.get_data(as_text=True))

    assert row_of(db, workshop.id, holder).status == "cancelled"
    assert row_of(db, workshop.id, early).status == "enrolled"
    assert row_of(db, workshop.id, late).status == "waitlisted"

    promoted = the_email(mailbox, early)
    assert str(promoted["Subject"]) == SUBJECTS["promoted"].format(title=workshop.title)
    assert "Good news: a place opened up and it is yours." in mailbox.text_of(promoted)
    confirmed_uids = {str(e["UID"]) for e in assert_calendar_of(db, promoted, workshop.id, "CONFIRMED")
                      .walk("VEVENT")}

    cancelled = the_email(mailbox, holder)
    assert str(cancelled["Subject"]) == SUBJECTS["cancelled"].format(title=workshop.title)
    assert "Your enrolment in this workshop has been cancelled:" in mailbox.text_of(cancelled)
    # The same events, marked cancelled, so the calendar app removes them.
    removed = assert_calendar_of(db, cancelled, workshop.id, "CANCELLED")
    assert {str(e["UID"]) for e in removed.walk("VEVENT")} == confirmed_uids

    assert mailbox.to(late.email) == [], "the person still waiting hears nothing"
    assert len(mailbox.messages) == 2


# --- Approval ------------------------------------------------------------------------------

def test_a_request_then_approval_then_confirmation(client, db, factory, as_role, staff, mailbox):
    workshop = factory.workshop(requires_approval=True, title="Inclusive services")
    person = as_role("trainee", locale="en")

    response = post_form(client, f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert ("success", "Your request was sent. You will get an email when it has been decided.") \
        in flashes(response.get_data(as_text=True))
    row = row_of(db, workshop.id, person)
    assert row.status == "requested"
    request_email = the_email(mailbox, person)
    assert str(request_email["Subject"]) == SUBJECTS["requested"].format(title=workshop.title)
    assert "The organisers approve requests" in mailbox.text_of(request_email)
    assert calendar_in(request_email) is None
    mailbox.clear()

    response = post_form(staff, f"/enrolments/{row.id}/approve")
    assert response.status_code == 302
    assert row_of(db, workshop.id, person).status == "enrolled"
    confirmation = the_email(mailbox, person)
    assert str(confirmation["Subject"]) == SUBJECTS["enrolled"].format(title=workshop.title)
    assert_calendar_of(db, confirmation, workshop.id, "CONFIRMED")
    assert mailbox.to(staff.user.email) == []


def test_a_declined_request_tells_the_person_why(client, db, factory, as_role, staff, mailbox):
    workshop = factory.workshop(requires_approval=True, title="Property tax collection")
    person = as_role("trainee", locale="en")
    enrol_on_the_web(client, workshop.id)
    row = row_of(db, workshop.id, person)
    mailbox.clear()

    # Without a reason nothing happens.
    response = post_form(staff, f"/enrolments/{row.id}/reject", {"reason": "  "}, follow_redirects=True)
    assert ("error", "Please give a reason: the person will read it.") in flashes(response.get_data(as_text=True))
    assert row_of(db, workshop.id, person).status == "requested"
    assert mailbox.messages == []

    reason = "This workshop is for finance officers; the next one for social workers is in May."
    response = post_form(staff, f"/enrolments/{row.id}/reject", {"reason": reason})
    assert response.status_code == 302
    row = row_of(db, workshop.id, person)
    assert (row.status, row.reason) == ("rejected", reason)
    message = the_email(mailbox, person)
    assert str(message["Subject"]) == SUBJECTS["rejected"].format(title=workshop.title)
    body = mailbox.text_of(message)
    assert "Reason given by the organisers:" in body
    assert reason in body
    assert calendar_in(message) is None


# --- Nothing sent for what did not happen ------------------------------------------------------

def test_no_email_when_the_transaction_rolls_back(db, factory, mailbox):
    workshop = factory.workshop()
    person = factory.user(locale="en")
    mailbox.clear()

    enrolment.enrol(workshop.id, person)
    db.session.rollback()
    # A later, unrelated commit must not send the forgotten email either.
    factory.user()
    db.session.commit()

    assert mailbox.wait_for(1, timeout=0.5) == []
    assert row_of(db, workshop.id, person) is None


def test_no_email_when_enrolment_is_refused(client, db, factory, as_role, mailbox):
    workshop = factory.workshop()
    as_role("trainee", locale="en")
    enrol_on_the_web(client, workshop.id)
    mailbox.clear()

    response = post_form(client, f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert any(category == "error" and "already on the list" in text
               for category, text in flashes(response.get_data(as_text=True)))
    assert mailbox.wait_for(1, timeout=0.3) == []


# --- Reminders -----------------------------------------------------------------------------

def workshop_starting_at(factory, db, starts, *, sessions_after=(), **kwargs):
    """A workshop whose first session starts at ``starts`` (UTC), plus later sessions."""
    starts = starts.replace(second=0, microsecond=0)
    times = [starts] + [starts + delta for delta in sessions_after]
    first_day = scheduling.to_local(times[0]).date()
    last_day = scheduling.to_local(times[-1] + timedelta(hours=1)).date()
    workshop = factory.workshop(start=first_day, days=(last_day - first_day).days + 1, sessions=0, **kwargs)
    db.session.add_all([
        WorkshopSession(workshop_id=workshop.id, title=f"Part {i + 1}", format="lecture", starts_at=t,
                        ends_at=t + timedelta(hours=1))
        for i, t in enumerate(times)
    ])
    db.session.commit()
    return workshop


def test_reminders_go_once_to_each_enrolled_person_of_workshops_starting_within_a_day(
        db, factory, runner, mailbox):
    manager = factory.user(roles=("manager",))
    now = utcnow()
    soon = workshop_starting_at(factory, db, now + timedelta(hours=5), sessions_after=[timedelta(hours=2)],
                                capacity=2, title="Starts tomorrow morning")
    later = workshop_starting_at(factory, db, now + timedelta(days=3), title="Starts in three days")
    started = workshop_starting_at(factory, db, now - timedelta(hours=2), sessions_after=[timedelta(hours=5)],
                                   title="Already running")
    one, two, gave_up, waiting, elsewhere = (factory.user(locale="en") for _ in range(5))

    enrolment.enrol(soon.id, one)
    enrolment.cancel(enrolment.enrol(soon.id, gave_up), actor=manager)  # nobody waiting: nobody promoted
    enrolment.enrol(soon.id, two)
    assert enrolment.enrol(soon.id, waiting).status == "waitlisted"
    enrolment.enrol(later.id, one)
    enrolment.enrol_direct(started, elsewhere, actor=manager)
    db.session.commit()
    mailbox.clear()

    result = runner.invoke(args=["lga", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Reminders: 2 sent." in result.output

    mailbox.wait_for(3, timeout=0.5)
    assert len(mailbox.messages) == 2
    for person in (one, two):
        message = the_email(mailbox, person)
        assert str(message["Subject"]) == SUBJECTS["reminder"].format(title=soon.title)
        assert "A reminder: your workshop starts soon." in mailbox.text_of(message)
        assert_calendar_of(db, message, soon.id, "CONFIRMED")
        assert row_of(db, soon.id, person).reminder_sent_at is not None
    for person in (gave_up, waiting):
        assert mailbox.to(person.email) == []
        assert row_of(db, soon.id, person).reminder_sent_at is None
    assert row_of(db, later.id, one).reminder_sent_at is None
    assert mailbox.to(elsewhere.email) == []

    mailbox.clear()
    again = runner.invoke(args=["lga", "send-reminders"])
    assert again.exit_code == 0, again.output
    assert "Reminders: 0 sent." in again.output
    assert mailbox.wait_for(1, timeout=0.5) == []


# --- Cancellation deadline -------------------------------------------------------------------

def test_after_the_deadline_a_trainee_cannot_cancel_but_a_manager_can(client, db, factory, as_role, staff,
                                                                      mailbox):
    workshop = factory.workshop(cancel_until=utcnow() - timedelta(hours=1), title="Emergency planning")
    person = as_role("trainee", locale="en")
    enrol_on_the_web(client, workshop.id)
    row = row_of(db, workshop.id, person)
    assert row.status == "enrolled"
    mailbox.clear()

    response = post_form(client, f"/enrolments/{row.id}/cancel", follow_redirects=True)
    assert ("error", "The deadline for cancelling has passed. Please contact the organisers.") \
        in flashes(response.get_data(as_text=True))
    assert row_of(db, workshop.id, person).status == "enrolled"
    assert mailbox.wait_for(1, timeout=0.3) == []

    response = post_form(staff, f"/enrolments/{row.id}/cancel", follow_redirects=True)
    assert ("success", "The enrolment was cancelled.") in flashes(response.get_data(as_text=True))
    assert row_of(db, workshop.id, person).status == "cancelled"
    message = the_email(mailbox, person)
    assert str(message["Subject"]) == SUBJECTS["cancelled"].format(title=workshop.title)
    assert_calendar_of(db, message, workshop.id, "CANCELLED")


def test_before_the_deadline_a_trainee_can_cancel(client, db, factory, as_role, mailbox):
    workshop = factory.workshop(cancel_until=utcnow() + timedelta(days=1))
    person = as_role("trainee", locale="en")
    enrol_on_the_web(client, workshop.id)
    row = row_of(db, workshop.id, person)

    post_form(client, f"/enrolments/{row.id}/cancel")

    assert row_of(db, workshop.id, person).status == "cancelled"
    assert str(messages_to(mailbox, person, 2)[-1]["Subject"]) == SUBJECTS["cancelled"].format(title=workshop.title)
