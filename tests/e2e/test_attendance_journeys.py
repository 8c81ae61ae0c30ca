"""Attendance in the browser: a trainee checks in from a phone by scanning the code on the trainer's
screen, earns the certificate, downloads it and checks it on the verification page; a trainer
imports a Teams report and matches by hand the row the platform could not.

The QR code is read off the rendered screen with zxing-cpp, as a phone camera would read it: the
test never builds the check-in link itself.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta

import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from lga.attendance.models import Attendance, Certificate
from lga.catalogue.models import WorkshopSession
from lga.catalogue.scheduling import local_today
from lga.db_types import utcnow
from lga.enrolment.models import Enrolment
from tests.e2e.test_workshop_journeys import flash, log_in, no_horizontal_scroll, sq
from tests.factories import PASSWORD
from tests.integration.test_online_attendance import TEAMS, teams_session


def _session_now(db, factory, trainer, person):
    """A one-session workshop under way: it started ten minutes ago."""
    now = utcnow()
    workshop = factory.workshop(start=local_today(), sessions=1, trainers=[trainer],
                                title="Decentralizimi i shërbimeve sociale")
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id))
    session.title = "Hyrje: kompetencat e komunave"
    session.starts_at, session.ends_at = now - timedelta(minutes=10), now + timedelta(minutes=80)
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    return workshop, session


def test_trainee_scans_the_code_on_a_phone_then_downloads_and_verifies_the_certificate(
        app, page, phone, shot, db, factory):
    trainer = factory.user(roles=("trainer",), given_name="Burim")
    person = factory.user(given_name="Dafinë", family_name="Çeku-Đorđević", locale="sq")
    workshop, session = _session_now(db, factory, trainer, person)

    # The trainer opens check-in on the screen in the room.
    log_in(page, trainer)
    page.goto(f"/sessions/{session.id}/roll-call")
    page.locator(f"a[href='/sessions/{session.id}/check-in']").click()
    page.fill("#minutes", "20")
    page.locator("button[name=action][value=open]").click()
    qr = page.locator("img.qr")
    qr.wait_for()
    for _ in range(100):  # until the image has loaded (the page's CSP forbids wait_for_function's eval)
        if qr.evaluate("img => img.complete && img.naturalWidth > 0"):
            break
        page.wait_for_timeout(100)
    shot(page, "attendance-checkin-screen")
    assert re.fullmatch(r"[A-Z0-9]{6,10}", page.locator(".typed-code").inner_text().strip())

    # The phone's camera reads the code on the screen.
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    assert len(found) == 1, "the QR code on the screen could not be read"
    link = found[0].text
    assert re.search(rf"/check-in/{session.id}/\w+$", link), link

    # The trainee opens it on a phone, logs in, and confirms.
    phone.goto(link)
    phone.wait_for_url(re.compile(r"/login"))
    phone.fill("#email", person.email)
    phone.fill("#password", PASSWORD)
    phone.locator("main form [type=submit]").click()
    phone.wait_for_url(re.compile(r"/check-in/ticket/"))
    no_horizontal_scroll(phone)
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state()
    shot(phone, "attendance-checked-in-phone")
    no_horizontal_scroll(phone)
    db.session.expire_all()
    record = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                        Attendance.user_id == person.id))
    assert record is not None and (record.status, record.source) == ("present", "qr")

    # Present at the only session: the workshop is completed and the certificate is in My trainings.
    certificate = db.session.scalar(select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
                                    .where(Enrolment.user_id == person.id))
    assert certificate is not None
    phone.goto("/my/trainings")
    download_link = phone.locator(f"a[href='/certificates/{certificate.code}.pdf']")
    assert download_link.is_visible()
    shot(phone, "attendance-my-trainings-certificate-phone")
    no_horizontal_scroll(phone)
    with phone.expect_download() as download_info:
        download_link.click()
    pdf = download_info.value
    text = PdfReader(pdf.path()).pages[0].extract_text()
    assert "Dafinë Çeku-Đorđević" in text and certificate.code in text

    # The verification page, reached from the code, confirms it.
    phone.locator(f"a[href='/verify/{certificate.code}']").first.click()
    phone.wait_for_url(re.compile(rf"/verify/{certificate.code}$"))
    assert sq(app, "This certificate is valid.") in phone.locator(".flash-success").inner_text()
    assert "Dafinë Çeku-Đorđević" in phone.locator("main").inner_text()
    shot(phone, "attendance-verify-phone")


def test_trainer_imports_a_teams_report_and_matches_the_unknown_row_by_hand(app, page, shot, db, factory):
    trainer = factory.user(roles=("trainer",), given_name="Burim")
    session, people = teams_session(factory, db, trainers=[trainer], with_besa=True)

    log_in(page, trainer)
    page.goto(f"/sessions/{session.id}/roll-call")
    page.locator(f"a[href='/sessions/{session.id}/attendance-import']").click()
    page.set_input_files("#file", files=[{"name": "Planifikimi - Attendance report 11-24-26.csv",
                                          "mimeType": "text/csv", "buffer": TEAMS}])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/attendance-imports/"))
    unmatched = page.locator("#unmatched").locator("xpath=..")
    assert "Someone Unknown" in unmatched.inner_text()
    row = unmatched.locator("tr", has_text="Someone Unknown")
    row.locator("select").select_option(str(people["besa"].id))
    page.locator("button[name=action][value=check]").click()
    page.wait_for_load_state()
    assert page.locator("#unmatched").count() == 0  # nobody left to match
    assert "Hoxha" in page.locator("#matched").locator("xpath=..").inner_text()
    shot(page, "attendance-report-preview")
    page.locator("button[name=action][value=save]").click()
    page.wait_for_url(re.compile(rf"/sessions/{session.id}/roll-call$"))
    assert re.search(r"\b4\b", flash(page))
    shot(page, "attendance-roll-call-after-import")

    db.session.expire_all()
    records = {a.user_id: (a.status, a.minutes_online, a.source)
               for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))}
    assert records == {
        people["valbona"].id: ("present", 180, "teams"),
        people["dragan"].id: ("partial", 60, "teams"),
        people["arta"].id: ("present", 165, "teams"),
        people["besa"].id: ("present", 180, "teams"),
    }
