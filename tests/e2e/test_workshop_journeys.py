"""Workshops in the browser: a trainer schedules a two-day workshop and is warned of a clash; a
trainee finds it in the calendar, enrols, gets the email with the calendar file and cancels; a
waitlisted trainee is promoted when a place opens up.

The pages are read in Albanian (the default). Elements are found by their URLs, ids, names and
classes; where a text is checked, it is the app's own Albanian text for the message (or the
English one while the catalogue lacks it), so the tests keep passing as translations arrive.
"""
from __future__ import annotations

import re
from datetime import date, time, timedelta

from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from sqlalchemy import select

from lga.catalogue import scheduling
from lga.catalogue.models import Workshop, WorkshopSession
from lga.enrolment import services as enrolment
from lga.enrolment.models import Enrolment
from tests.factories import PASSWORD

TITLE = "Shërbimet sociale në komunë: planifikimi dhe financimi"


# --- Helpers -------------------------------------------------------------------------------

def sq(app, message: str, **variables) -> str:
    """``message`` as the app shows it in Albanian (English while the catalogue lacks it)."""
    with app.test_request_context(), force_locale("sq"):
        return babel_gettext(message, **variables)


def squash(text: str) -> str:
    return " ".join(text.split())


def two_days_ahead() -> tuple[date, date]:
    """A weekday at least three weeks ahead and the day after, both in the same month."""
    day = date.today() + timedelta(days=21)
    while day.weekday() >= 4 or day.day >= 27:
        day += timedelta(days=1)
    return day, day + timedelta(days=1)


def log_in(page, user) -> None:
    """Through the login form, like a person."""
    page.goto("/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.locator("main form [type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator(".account-nav a[href='/account']").inner_text().strip() == user.given_name


def flash(page, category: str = "success") -> str:
    return squash(page.locator(f".flashes .flash-{category}").inner_text())


def emails_to(mailbox, user, count: int):
    """The emails ``user`` received, once there are ``count`` of them (sending is synchronous)."""
    for _ in range(50):
        found = mailbox.to(user.email)
        if len(found) >= count:
            break
        mailbox.wait_for(len(mailbox.messages) + 1, timeout=0.1)
    found = mailbox.to(user.email)
    assert len(found) == count, [str(m["Subject"]) for m in found]
    return found


def calendar_attachment(message) -> str | None:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    if not parts:
        return None
    content = parts[0].get_content()
    return content.decode() if isinstance(content, bytes) else str(content)


def subject(app, user, msgid: str, workshop) -> str:
    assert user.locale == "sq"
    return sq(app, msgid) % {"title": workshop.title}


def add_session(workshop, title: str, day: date, starts: time, ends: time, trainer=None, room=None, fmt="lecture"):
    from lga.catalogue.scheduling import to_utc

    session = WorkshopSession(workshop_id=workshop.id, title=title, format=fmt, starts_at=to_utc(day, starts),
                              ends_at=to_utc(day, ends), trainer_id=trainer.id if trainer else None, room=room)
    return session


def two_day_workshop(db, factory, trainer, *, capacity: int = 20, municipality: str = "peje", **kwargs) -> Workshop:
    """A published in-person workshop on two days with a morning session on each."""
    day1, day2 = two_days_ahead()
    module = kwargs.pop("module", None) or factory.module()
    workshop = factory.workshop(module=module, start=day1, days=2, sessions=0, trainers=[trainer],
                                capacity=capacity, title=kwargs.pop("title", TITLE),
                                venue="Qendra e Trajnimit, Rruga e Dëshmorëve 12", **kwargs)
    workshop.municipality_id = factory.municipality(municipality).id
    db.session.add_all([
        add_session(workshop, "Hyrje: kuadri ligjor i shërbimeve sociale", day1, time(9), time(12, 30),
                    trainer, "Salla 1"),
        add_session(workshop, "Punë në grupe: rastet nga komunat", day2, time(9), time(12, 30),
                    trainer, "Salla 1", fmt="group_work"),
    ])
    db.session.commit()
    return workshop


def no_horizontal_scroll(page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} is {width}px wide on a {inner}px screen"


# --- 1. The trainer schedules a two-day workshop -------------------------------------------------

def test_trainer_schedules_a_two_day_workshop_and_is_told_of_a_clash(app, page, shot, db, factory):
    trainer = factory.user(roles=("trainer",), given_name="Arben", family_name="Krasniqi")
    module = factory.module()
    programme = factory.programme()
    day1, day2 = two_days_ahead()
    # The trainer already teaches another workshop's afternoon session on the first day.
    other = factory.workshop(start=day1, sessions=0, trainers=[trainer], title="Buxheti komunal 2025")
    db.session.add(add_session(other, "Planifikimi i buxhetit", day1, time(14), time(16), trainer, "Salla 3"))
    db.session.commit()

    log_in(page, trainer)
    page.goto("/manage/workshops")
    page.locator("main a[href='/manage/workshops/new']").click()
    page.wait_for_url("**/manage/workshops/new")
    page.select_option("#module_id", str(module.id))
    page.select_option("#programme_id", str(programme.id))
    page.fill("#title", TITLE)
    page.fill("#start_date", day1.isoformat())
    page.fill("#end_date", day2.isoformat())
    page.select_option("#mode", "in_person")
    page.fill("#venue", "Qendra e Trajnimit, Rruga e Dëshmorëve 12")
    page.select_option("#municipality_id", str(factory.municipality("peje").id))
    page.fill("#capacity", "20")
    page.select_option("#status", "published")
    myself = page.locator(f"input[name=trainer_ids][value='{trainer.id}']")
    myself.check()
    assert myself.is_checked()
    shot(page, "workshop-01-new-form")
    page.locator("main form[method=post] [type=submit]").click()
    page.wait_for_url(re.compile(r"/manage/workshops/\d+/sessions$"))
    assert flash(page) == sq(app, "The workshop was created with %(n)d sessions.", n=0)

    workshop = db.session.scalar(select(Workshop).where(Workshop.title == TITLE))
    assert workshop is not None
    workshop = scheduling.load_for_editing(workshop.id)
    assert (workshop.start_date, workshop.end_date) == (day1, day2)
    assert (workshop.mode, workshop.status, workshop.capacity) == ("in_person", "published", 20)
    assert workshop.municipality.code == "peje" and workshop.module_id == module.id
    assert [t.id for t in workshop.trainers] == [trainer.id]
    assert page.url.endswith(f"/manage/workshops/{workshop.id}/sessions")

    def add(title: str, day: date, starts: str, ends: str, fmt: str = "lecture") -> None:
        form = page.locator("form.session-form")
        form.locator("#title").fill(title)
        form.locator("#format").select_option(fmt)
        form.locator("#day").fill(day.isoformat())
        form.locator("#starts").fill(starts)
        form.locator("#ends").fill(ends)
        form.locator("#room").fill("Salla 1")
        assert form.locator("#trainer_id").input_value() == str(trainer.id), "the trainer is chosen by default"
        form.locator("[type=submit]").click()
        page.wait_for_load_state()

    add("Hyrje: kuadri ligjor i shërbimeve sociale", day1, "09:00", "12:30")
    assert flash(page) == sq(app, "Session added.")
    add("Punë në grupe: rastet nga komunat", day2, "09:00", "12:30", fmt="group_work")
    assert flash(page) == sq(app, "Session added.")
    tables = page.locator("table.plan")
    assert tables.count() == 2, "one table per day"
    assert squash(tables.nth(0).locator("tbody tr").inner_text()).startswith("09:00–12:30 Hyrje")
    assert squash(tables.nth(1).locator("tbody tr").inner_text()).startswith("09:00–12:30 Punë në grupe")
    assert "Krasniqi" in tables.nth(0).locator("tbody tr").inner_text()
    shot(page, "workshop-02-timetable")

    # A third session in the afternoon of day 1 clashes with the trainer's other workshop.
    add("Diskutim: sfidat e financimit", day1, "15:00", "17:00", fmt="discussion")
    assert re.search(rf"/manage/workshops/{workshop.id}/sessions$", page.url)
    message = flash(page, "error")
    assert "Planifikimi i buxhetit" in message and "Buxheti komunal 2025" in message, message
    assert trainer.full_name in message, message
    assert page.locator("form.session-form #title").input_value() == "Diskutim: sfidat e financimit", \
        "what was typed is kept"
    shot(page, "workshop-03-clash")
    db.session.expire_all()
    assert [s.title for s in scheduling.load_for_editing(workshop.id).sessions] == [
        "Hyrje: kuadri ligjor i shërbimeve sociale", "Punë në grupe: rastet nga komunat"]


# --- 2. A trainee finds it, enrols, gets the email and cancels -----------------------------------

def test_trainee_finds_the_workshop_enrols_gets_the_email_and_cancels(app, page, shot, db, factory, mailbox):
    trainer = factory.user(roles=("trainer",), given_name="Arben", family_name="Krasniqi")
    workshop = two_day_workshop(db, factory, trainer)
    elsewhere = factory.workshop(start=workshop.start_date, title="Punëtori në Prizren")
    trainee = factory.user(given_name="Vjosa", family_name="Morina")
    link = f"a[href='/workshops/{workshop.id}']"

    log_in(page, trainee)
    page.locator(".main-nav a[href='/calendar']").click()
    page.wait_for_url("**/calendar")
    assert page.locator(f"main {link}").count() == 1
    assert page.locator(f"main a[href='/workshops/{elsewhere.id}']").count() == 1
    page.select_option("#municipality", "peje")
    page.locator("form.filters [type=submit]").click()
    page.wait_for_url(re.compile(r"/calendar\?.*municipality=peje"))
    assert page.locator(f"main {link}").count() == 1
    assert page.locator(f"main a[href='/workshops/{elsewhere.id}']").count() == 0, "the filter leaves Prizren out"
    card = page.locator("li.card").filter(has=page.locator(link))
    assert "Qendra e Trajnimit" in card.inner_text() and "Pejë" in card.inner_text()
    shot(page, "workshop-04-calendar-list")

    # The month view keeps the filter and shows the workshop on both of its days.
    page.locator("nav.view-switch a[href*='/calendar/month']").click()
    month_path = f"/calendar/month/{workshop.start_date.year}/{workshop.start_date.month}"
    for _ in range(3):
        if month_path in page.url:
            break
        page.locator("nav.pager a[rel=next]").click()
        page.wait_for_load_state()
    assert month_path in page.url and "municipality=peje" in page.url
    assert page.locator(f"table.month a.event[href='/workshops/{workshop.id}']").count() == 2
    assert page.locator(f"table.month a.event[href='/workshops/{elsewhere.id}']").count() == 0
    shot(page, "workshop-05-calendar-month")

    page.locator(f"table.month a.event[href='/workshops/{workshop.id}']").first.click()
    page.wait_for_url(f"**/workshops/{workshop.id}")
    assert page.locator("h1").inner_text().strip() == TITLE
    assert page.locator("table.plan").count() == 2
    shot(page, "workshop-06-page")
    enrol = page.locator(f"section.enrol-box form[action='/workshops/{workshop.id}/enrol'] button")
    assert squash(enrol.inner_text()) == sq(app, "Enrol")
    enrol.click()
    page.wait_for_url(f"**/workshops/{workshop.id}")
    assert flash(page) == sq(app, "You are enrolled. We have sent you a confirmation with a calendar entry.")
    assert squash(page.locator(".enrol-box .status-enrolled").inner_text()) == sq(app, "You are enrolled.")
    shot(page, "workshop-07-enrolled")

    (confirmation,) = emails_to(mailbox, trainee, 1)
    assert str(confirmation["Subject"]) == subject(app, trainee, "Your place at %(title)s is confirmed", workshop)
    ics = calendar_attachment(confirmation)
    assert ics is not None, "the confirmation carries a calendar file"
    assert ics.count("BEGIN:VEVENT") == 2, "one event per session"
    assert "Hyrje: kuadri ligjor" in ics.replace("\r\n ", "")

    page.locator(".main-nav a[href='/my/trainings']").click()
    page.wait_for_url("**/my/trainings")
    mine = page.locator("li.card").filter(has=page.locator(link))
    assert mine.count() == 1
    assert mine.locator(".status-enrolled").count() == 1
    shot(page, "workshop-08-my-trainings")

    mine.locator(link).click()
    page.wait_for_url(f"**/workshops/{workshop.id}")
    page.locator(".enrol-box form[action$='/cancel'] button").click()
    page.wait_for_url(f"**/workshops/{workshop.id}")
    assert flash(page) == sq(app, "Your enrolment was cancelled. We have sent you a confirmation.")
    assert page.locator(".enrol-box .status-enrolled").count() == 0
    assert squash(enrol.inner_text()) == sq(app, "Enrol"), "the place can be taken again"
    shot(page, "workshop-09-cancelled")
    row = db.session.scalar(select(Enrolment).where(Enrolment.workshop_id == workshop.id,
                                                    Enrolment.user_id == trainee.id))
    db.session.refresh(row)
    assert row.status == "cancelled"

    confirmation, cancellation = emails_to(mailbox, trainee, 2)
    assert str(cancellation["Subject"]) == subject(app, trainee, "Cancelled: your enrolment in %(title)s", workshop)
    page.goto("/my/trainings")
    assert page.locator(f"main {link}").count() == 0, "a cancelled enrolment leaves My trainings"


# --- 3. The waitlist ---------------------------------------------------------------------------------

def test_waitlisted_trainee_is_promoted_when_a_place_opens_up(app, page, second_page, shot, db, factory, mailbox):
    trainer = factory.user(roles=("trainer",))
    workshop = two_day_workshop(db, factory, trainer, capacity=1)
    first = factory.user(given_name="Arta", family_name="Gashi")
    second = factory.user(given_name="Besnik", family_name="Hoxha")
    enrolment.enrol(workshop.id, first)
    db.session.commit()
    emails_to(mailbox, first, 1)
    mailbox.clear()

    log_in(page, second)
    page.goto(f"/workshops/{workshop.id}")
    join = page.locator(f"section.enrol-box form[action='/workshops/{workshop.id}/enrol'] button")
    assert squash(join.inner_text()) == sq(app, "Join the waitlist")
    join.click()
    page.wait_for_url(f"**/workshops/{workshop.id}")
    assert flash(page) == sq(app, "The workshop is full: you are on the waitlist, number %(n)d. We will email you "
                                  "if a place opens up.", n=1)
    assert squash(page.locator(".enrol-box .status-waitlisted").inner_text()) == \
        sq(app, "You are on the waitlist, number %(n)d.", n=1)
    shot(page, "workshop-10-waitlisted")
    (waitlisted,) = emails_to(mailbox, second, 1)
    assert str(waitlisted["Subject"]) == subject(app, second, "You are on the waitlist for %(title)s", workshop)

    log_in(second_page, first)
    second_page.goto(f"/workshops/{workshop.id}")
    assert second_page.locator(".enrol-box .status-enrolled").count() == 1
    second_page.locator(".enrol-box form[action$='/cancel'] button").click()
    second_page.wait_for_url(f"**/workshops/{workshop.id}")
    assert flash(second_page) == sq(app, "Your enrolment was cancelled. We have sent you a confirmation.")
    emails_to(mailbox, first, 1)

    _, promotion = emails_to(mailbox, second, 2)
    assert str(promotion["Subject"]) == subject(app, second, "A place opened up for you: %(title)s", workshop)
    assert calendar_attachment(promotion) is not None, "the promotion carries the calendar file"

    page.locator(".main-nav a[href='/my/trainings']").click()
    page.wait_for_url("**/my/trainings")
    card = page.locator("li.card").filter(has=page.locator(f"a[href='/workshops/{workshop.id}']"))
    assert card.locator(".status-enrolled").count() == 1
    assert card.locator(".status-waitlisted").count() == 0
    shot(page, "workshop-11-my-trainings-promoted")
    page.goto(f"/workshops/{workshop.id}")
    assert page.locator(".enrol-box .status-enrolled").count() == 1


# --- The workshop page on a phone -------------------------------------------------------------------

def test_workshop_page_fits_a_phone(app, phone, shot, db, factory):
    trainer = factory.user(roles=("trainer",), given_name="Arben", family_name="Krasniqi")
    workshop = two_day_workshop(db, factory, trainer)
    phone.goto(f"/workshops/{workshop.id}")
    assert phone.locator("h1").inner_text().strip() == TITLE
    assert phone.locator("table.plan").count() == 2
    no_horizontal_scroll(phone)
    shot(phone, "workshop-12-page-phone")
    # The month grid is wider than a phone: it scrolls inside its box, not the whole page.
    phone.goto(f"/calendar/month/{workshop.start_date.year}/{workshop.start_date.month}")
    assert phone.locator(f"table.month a.event[href='/workshops/{workshop.id}']").count() == 2
    no_horizontal_scroll(phone)
    shot(phone, "workshop-13-calendar-month-phone")
