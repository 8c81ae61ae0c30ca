"""Discussions in the browser: two trainees from different municipalities talk in a thread (one
starts it, the other replies, each sees where the other works), the trainer pins and locks it,
and a reply typed before the lock is refused with the message. Also a participant reads a
study-visit plan on a phone."""
from __future__ import annotations

import re
from datetime import time

from lga.enrolment.models import Enrolment
from lga.visits.models import VisitPlan, VisitStop
from tests.e2e.test_workshop_journeys import add_session, log_in, no_horizontal_scroll, sq, squash, two_day_workshop


def test_two_trainees_discuss_and_the_trainer_pins_and_locks_the_thread(app, page, second_page, phone, shot, db,
                                                                         factory):
    trainer = factory.user(roles=("trainer",), given_name="Burim", family_name="Gashi")
    workshop = two_day_workshop(db, factory, trainer)
    besa = factory.user(given_name="Besa", family_name="Hoxha", municipality_id=factory.municipality("prizren").id)
    dren = factory.user(given_name="Dren", family_name="Berisha", municipality_id=factory.municipality("gjilan").id)
    for person in (besa, dren):
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    board = f"/workshops/{workshop.id}/discussions"

    # Besa finds the board from the workshop page and starts a thread.
    log_in(page, besa)
    page.goto(f"/workshops/{workshop.id}")
    page.locator(f".enrol-box a[href='{board}']").click()
    page.wait_for_url(re.compile(f"{board}$"))
    page.fill("#title", "Si e planifikoni buxhetin për shërbimet sociale?")
    page.fill("#body", "Në Prizren fillojmë nga **plani komunal**. Po ju?")
    page.locator("form.discussion-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/discussions/\d+$"))
    thread_url = page.url
    assert page.locator(".post strong", has_text="plani komunal").is_visible()

    # Dren reads it on the board and replies; each sees the other's municipality.
    log_in(second_page, dren)
    second_page.goto(board)
    second_page.locator(".thread-row a", has_text="Si e planifikoni").click()
    second_page.wait_for_url(thread_url)
    assert "Prizren" in squash(second_page.locator(".post").first.inner_text())
    second_page.fill("#body", "Në Gjilan nisemi nga *granti specifik*.")
    second_page.locator("form.discussion-form button[type=submit]").click()
    second_page.wait_for_url(re.compile(r"#post-\d+$"))
    page.reload()
    posts = page.locator(".post")
    assert posts.count() == 2
    assert "Besa Hoxha" in posts.nth(0).inner_text() and "Prizren" in posts.nth(0).inner_text()
    assert "Dren Berisha" in posts.nth(1).inner_text() and "Gjilan" in posts.nth(1).inner_text()
    shot(page, "discussion-thread")

    # Dren starts typing a second reply while the trainer, on a phone, pins and locks the thread.
    second_page.fill("#body", "Edhe një pyetje për komisionin e granteve.")
    log_in(phone, trainer)
    phone.goto(thread_url)
    phone.locator("form[action$='/pin'] button").click()
    phone.wait_for_url(thread_url)
    phone.locator("form[action$='/lock'] button").click()
    phone.wait_for_url(thread_url)
    assert phone.locator("textarea#body").count() == 0
    no_horizontal_scroll(phone)
    shot(phone, "discussion-locked-phone")

    # The late reply is refused with the message, and nothing is added.
    second_page.locator("form.discussion-form button[type=submit]").click()
    error = squash(second_page.locator(".form-errors").inner_text())
    assert error == sq(app, "This thread is locked: no new replies can be posted.")
    second_page.goto(thread_url)
    assert second_page.locator(".post").count() == 2
    # On the board the thread is pinned first.
    page.goto(board)
    assert page.locator(".thread-row").first.locator("a").inner_text().startswith("Si e planifikoni")
    assert page.locator(".thread-row.pinned").count() == 1
    shot(page, "discussion-board")


def test_a_participant_reads_the_study_visit_plan_on_a_phone(app, phone, shot, db, factory):
    trainer = factory.user(roles=("trainer",), given_name="Burim")
    workshop = two_day_workshop(db, factory, trainer)
    day = workshop.end_date
    visit = add_session(workshop, "Vizitë studimore në QPS Prizren", day, time(14), time(17), trainer,
                        fmt="study_visit")
    db.session.add(visit)
    person = factory.user(given_name="Arta")
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.flush()
    from lga.catalogue.scheduling import to_utc

    plan = VisitPlan(session_id=visit.id, host_institution="Qendra për Punë Sociale Prizren",
                     host_municipality_id=factory.municipality("prizren").id, meeting_point="Para hotelit",
                     meeting_at=to_utc(day, time(13, 45)), transport="Me **autobus** nga hoteli",
                     what_to_bring="- Letërnjoftimin\n- Fletore")
    db.session.add(plan)
    db.session.flush()
    db.session.add_all([
        VisitStop(plan_id=plan.id, position=0, at=to_utc(day, time(14, 15)), place="QPS Prizren",
                  address="Rruga Remzi Ademaj", note="Takim me drejtorin"),
        VisitStop(plan_id=plan.id, position=1, at=to_utc(day, time(15, 30)), place="Qendra ditore",
                  address="Lagjja Arbana", note=None),
    ])
    db.session.commit()
    log_in(phone, person)
    phone.goto(f"/workshops/{workshop.id}")
    phone.locator(f"a.visit-link[href='/sessions/{visit.id}/visit']").click()
    phone.wait_for_url(re.compile(r"/sessions/\d+/visit$"))
    stops = phone.locator(".itinerary li")
    assert stops.count() == 2 and "14:15" in stops.first.inner_text()
    assert phone.locator(".prose strong", has_text="autobus").is_visible()
    no_horizontal_scroll(phone)
    shot(phone, "study-visit-plan-phone")
