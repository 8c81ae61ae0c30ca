"""Certificates: issued with completion, withdrawn with it, revocable by managers, verifiable by anyone."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lga.accounts.models import User
from lga.attendance.certificate_pdf import CertificateData, render_certificate, render_many
from lga.attendance.models import Certificate
from lga.audit.services import record
from lga.catalogue.models import Workshop
from lga.db_types import utcnow
from lga.enrolment.models import Enrolment
from lga.extensions import db
from lga.web import external_url

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class CertificateError(Exception):
    """A rule was broken; the message is translatable text for the user."""


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def completion_changed(enrolment: Enrolment, *, actor=None) -> None:
    """Keep the certificate in step with completion (called by the completion rules)."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
    if enrolment.status == "completed":
        if certificate is None:
            certificate = Certificate(code=new_code(), enrolment_id=enrolment.id)
            db.session.add(certificate)
            db.session.flush()
            record("certificate.issued", certificate, actor=actor, changes={"code": (None, certificate.code)})
        elif certificate.revoked_at is not None and certificate.revoked_by_id is None:
            certificate.revoked_at = certificate.revoked_reason = None
            record("certificate.reinstated", certificate, actor=actor, changes={"revoked": (True, False)})
    elif certificate is not None and certificate.revoked_at is None:
        certificate.revoked_at = utcnow()
        certificate.revoked_reason = str(_l("The attendance record was corrected: the workshop is no longer completed."))
        record("certificate.withdrawn", certificate, actor=actor, changes={"revoked": (False, True)})


def revoke(certificate: Certificate, reason: str, *, actor) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_l("Please give a reason: the verification page shows it."))
    if certificate.revoked_at is not None and certificate.revoked_by_id is not None:
        raise CertificateError(_l("This certificate is already revoked."))
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = utcnow(), reason, actor.id
    record("certificate.revoked", certificate, actor=actor, changes={"revoked": (False, True), "reason": (None, reason)})


@dataclass
class Issued:
    """A certificate with what it certifies (loaded for the page, the PDF and the check)."""

    certificate: Certificate
    enrolment: Enrolment
    user: User
    workshop: Workshop


def _issued(stmt) -> list[Issued]:
    rows = db.session.execute(
        stmt.options(selectinload(Workshop.module), selectinload(Workshop.programme),
                     selectinload(Workshop.municipality), selectinload(Workshop.sessions))
    ).all()
    return [Issued(c, e, u, w) for c, e, u, w in rows]


def _base():
    return (select(Certificate, Enrolment, User, Workshop)
            .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .join(User, User.id == Enrolment.user_id)
            .join(Workshop, Workshop.id == Enrolment.workshop_id))


def by_code(code: str) -> Issued | None:
    found = _issued(_base().where(Certificate.code == (code or "").strip().upper()))
    return found[0] if found else None


def of_workshop(workshop_id: int, *, valid_only: bool = True) -> list[Issued]:
    stmt = _base().where(Workshop.id == workshop_id).order_by(User.family_name, User.given_name)
    if valid_only:
        stmt = stmt.where(Certificate.revoked_at.is_(None))
    return _issued(stmt)


def for_enrolments(enrolment_ids: list[int]) -> dict[int, Certificate]:
    if not enrolment_ids:
        return {}
    return {c.enrolment_id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.enrolment_id.in_(enrolment_ids)))}


def hours(workshop: Workshop):
    minutes = sum(int((s.ends_at - s.starts_at).total_seconds() // 60) for s in workshop.sessions)
    return round(minutes / 60, 1) if minutes else workshop.module.hours


def data_for(issued: Issued) -> CertificateData:
    workshop, user = issued.workshop, issued.user
    language = user.locale if user.locale in ("sq", "en", "sr") else "sq"
    return CertificateData(
        full_name=user.full_name, module_title=workshop.module.label(language),
        programme_name=workshop.programme.label(language), donor=workshop.programme.donor_label(language) or None,
        start_date=workshop.start_date, end_date=workshop.end_date, hours=hours(workshop),
        code=issued.certificate.code, verify_url=external_url("attendance.verify", code=issued.certificate.code),
        language=language, issued_on=issued.certificate.issued_at.date(), workshop_title=workshop.title,
        place=workshop.municipality.name(language) if workshop.municipality else None,
    )


def pdf(issued: Issued) -> bytes:
    return render_certificate(data_for(issued))


def pdf_many(items: list[Issued]) -> bytes:
    return render_many([data_for(i) for i in items])



def of_user(user_id: int) -> list[Issued]:
    return _issued(_base().where(User.id == user_id).order_by(Workshop.start_date.desc()))
