"""Certificates: issued with completion, withdrawn with it, revoked by managers, checked by anyone."""
from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from lga.attendance.models import Certificate
from lga.catalogue.models import WorkshopSession
from lga.enrolment.models import Enrolment
from tests.conftest import login, post_form


def _complete(client, factory, db, trainer, person, sessions=2):
    workshop = factory.workshop(trainers=[trainer], start=date.today(), sessions=sessions, title="Planifikimi 2026")
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    ids = db.session.scalars(select(WorkshopSession.id).where(WorkshopSession.workshop_id == workshop.id)).all()
    for sid in ids:
        post_form(client, f"/sessions/{sid}/roll-call", {f"status-{person.id}": "present"})
    return workshop, ids


def _certificate(db, person):
    db.session.expire_all()
    return db.session.scalar(select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
                             .where(Enrolment.user_id == person.id))


def test_issued_on_completion_downloaded_and_verified(client, factory, as_role, db, app):
    trainer = as_role("trainer")
    person = factory.user(given_name="Dafinë", family_name="Çeku-Đorđević", locale="sq")
    workshop, ids = _complete(client, factory, db, trainer, person)
    certificate = _certificate(db, person)
    assert certificate is not None and certificate.is_valid
    code = certificate.code
    # The trainer downloads the workshop's certificates as one file.
    response = client.get(f"/workshops/{workshop.id}/certificates.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1
    # The trainee downloads theirs; the text holds the name and the code.
    own = app.test_client()
    login(own, person)
    assert code in own.get("/my/certificates").get_data(as_text=True)
    pdf = own.get(f"/certificates/{code}.pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Dafinë Çeku-Đorđević" in text and code in text
    # Anyone can check it.
    anonymous = app.test_client()
    page = anonymous.get(f"/verify/{code}").get_data(as_text=True)
    assert "Dafinë Çeku-Đorđević" in page and "flash-success" in page
    assert anonymous.get("/verify/NOPE-NOPE-NOPE").status_code == 404
    # Someone else cannot download it.
    stranger = app.test_client()
    login(stranger, factory.user())
    assert stranger.get(f"/certificates/{code}.pdf").status_code == 403


def test_withdrawn_with_completion_and_back(client, factory, as_role, db):
    trainer = as_role("trainer")
    person = factory.user(password=None)
    _workshop, ids = _complete(client, factory, db, trainer, person)
    post_form(client, f"/sessions/{ids[0]}/roll-call", {f"status-{person.id}": "absent"})  # 1 of 2 < 80%
    assert not _certificate(db, person).is_valid
    post_form(client, f"/sessions/{ids[0]}/roll-call", {f"status-{person.id}": "present"})
    assert _certificate(db, person).is_valid


def test_a_manager_revokes_and_the_page_says_so(client, factory, as_role, db, app):
    trainer = factory.user(roles=("trainer",))
    login(client, trainer)
    person = factory.user(password=None)
    _complete(client, factory, db, trainer, person)
    code = _certificate(db, person).code
    manager_client = app.test_client()
    login(manager_client, factory.user(roles=("manager",)))
    assert "flash-error" in post_form(manager_client, f"/certificates/{code}/revoke", {"reason": ""},
                                      follow_redirects=True).get_data(as_text=True)
    assert _certificate(db, person).is_valid
    assert post_form(client, f"/certificates/{code}/revoke", {"reason": "x"}).status_code == 403  # trainers cannot
    post_form(manager_client, f"/certificates/{code}/revoke", {"reason": "Emri i gabuar në listë."})
    certificate = _certificate(db, person)
    assert not certificate.is_valid and certificate.revoked_reason == "Emri i gabuar në listë."
    page = app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "flash-error" in page and "Emri i gabuar në listë." in page


def test_trainee_and_trainer_see_completion_and_the_certificate(client, factory, as_role, db, app):
    trainer = as_role("trainer", locale="en")
    person = factory.user(locale="en")
    workshop, ids = _complete(client, factory, db, trainer, person, sessions=3)
    code = _certificate(db, person).code
    own = app.test_client()
    login(own, person)
    html = own.get("/my/trainings").get_data(as_text=True)
    assert "Attended 3 of 3 sessions" in html and f"/certificates/{code}.pdf" in html and f"/verify/{code}" in html
    roster = client.get(f"/workshops/{workshop.id}/roster").get_data(as_text=True)
    assert "Attended 3 of 3 sessions" in roster and f"/verify/{code}" in roster
    # A correction below the rule (80% of 3 sessions = 3) withdraws the certificate and says what is missing.
    post_form(client, f"/sessions/{ids[0]}/roll-call", {f"status-{person.id}": "absent"})
    html = own.get("/my/trainings").get_data(as_text=True)
    assert "Attended 2 of 3 sessions" in html and "3 needed to complete" in html
    assert f"/certificates/{code}.pdf" not in html and "Certificate revoked" in html
