"""QR self check-in: rotating codes signed by the server, and one-time tickets.

The trainer's screen shows, for one session, a QR code and a short typed code that change every
``PERIOD`` seconds. Both are an HMAC of the session and the time step with the app's secret, so
nobody can make one up. A scanned or typed code still valid (this step or the one before) buys
a *ticket*: a signed, single-use permission to check in to that session for a few minutes, so
that logging in on the phone first does not make the code expire. The ticket's random id is
stored with the attendance it produced, so a ticket forwarded to someone else is refused.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from lga.attendance import completion
from lga.attendance.models import Attendance
from lga.audit.services import record
from lga.catalogue.models import WorkshopSession
from lga.db_types import utcnow
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.extensions import db

PERIOD = 45  # seconds a code is shown; the previous code is accepted too, so a code lives 45–90 s
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed from a projector across a room
CODE_LENGTH = 6
TICKET_MINUTES = 10  # time to log in and confirm after scanning
LATE_AFTER = timedelta(minutes=15)  # checking in later than this after the start counts as late


class CheckinError(Exception):
    """Check-in refused; the message is translatable text for the trainee."""


def _step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // PERIOD)


def code_for(session_id: int, step: int | None = None) -> str:
    step = _step() if step is None else step
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"checkin:{session_id}:{step}".encode(),
                      hashlib.sha256).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:CODE_LENGTH])


def seconds_left(now: float | None = None) -> int:
    now = time.time() if now is None else now
    return PERIOD - int(now % PERIOD)


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper().replace("0", "O").replace("1", "I")


def code_is_current(session_id: int, code: str, now: float | None = None) -> bool:
    code = normalise_code(code)
    step = _step(now)
    return any(hmac.compare_digest(code, code_for(session_id, s)) for s in (step, step - 1))


def window_open(session: WorkshopSession, at: datetime | None = None) -> bool:
    at = at or utcnow()
    return bool(session.checkin_opens_at and session.checkin_closes_at
                and session.checkin_opens_at <= at < session.checkin_closes_at)


def open_window(session: WorkshopSession, minutes: int, *, actor) -> None:
    now = utcnow()
    old = (session.checkin_opens_at, session.checkin_closes_at)
    session.checkin_opens_at, session.checkin_closes_at = now, now + timedelta(minutes=minutes)
    record("session.checkin_opened", session, actor=actor, changes={
        "checkin_opens_at": (old[0], session.checkin_opens_at), "checkin_closes_at": (old[1], session.checkin_closes_at)})


def close_window(session: WorkshopSession, *, actor) -> None:
    if session.checkin_closes_at and session.checkin_closes_at > utcnow():
        old = session.checkin_closes_at
        session.checkin_closes_at = utcnow()
        record("session.checkin_closed", session, actor=actor, changes={"checkin_closes_at": (old, session.checkin_closes_at)})


# --- Tickets -------------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lga-checkin-ticket")


def ticket_for_code(session: WorkshopSession, code: str) -> str:
    """A ticket for a valid code; CheckinError (expired, forged, window closed) otherwise."""
    if not window_open(session):
        raise CheckinError(_l("Check-in for this session is not open. Ask the trainer."))
    if not code_is_current(session.id, code):
        raise CheckinError(_l("This code is not valid or has expired. Scan the code on the screen again."))
    return _serializer().dumps({"s": session.id, "t": secrets.token_hex(16)})


@dataclass(frozen=True)
class Ticket:
    session_id: int
    ticket_id: str


def read_ticket(ticket: str) -> Ticket:
    try:
        data = _serializer().loads(ticket, max_age=TICKET_MINUTES * 60)
    except SignatureExpired:
        raise CheckinError(_l("This check-in link has expired. Scan the code on the screen again.")) from None
    except BadSignature:
        raise CheckinError(_l("This check-in link is not valid. Scan the code on the screen again.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int) or not isinstance(data.get("t"), str):
        raise CheckinError(_l("This check-in link is not valid. Scan the code on the screen again."))
    return Ticket(session_id=data["s"], ticket_id=data["t"])


def find_session_by_code(code: str, user) -> WorkshopSession | None:
    """The open session (of the person's workshops) whose current code this is, for typed codes."""
    now = utcnow()
    candidates = db.session.scalars(
        select(WorkshopSession).join(Enrolment, Enrolment.workshop_id == WorkshopSession.workshop_id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(HOLDS_PLACE),
               WorkshopSession.checkin_opens_at <= now, WorkshopSession.checkin_closes_at > now)
    ).all()
    return next((s for s in candidates if code_is_current(s.id, code)), None)


def check_in(ticket: Ticket, user) -> Attendance:
    """Check ``user`` in with a ticket: present (or late), source "qr". Idempotent for the same
    person; refused for someone without a place, a closed window or a ticket already used by
    someone else."""
    session = db.session.get(WorkshopSession, ticket.session_id)
    if session is None:
        raise CheckinError(_l("This check-in link is not valid. Scan the code on the screen again."))
    holds_place = db.session.scalar(
        select(Enrolment.id).where(Enrolment.workshop_id == session.workshop_id, Enrolment.user_id == user.id,
                                   Enrolment.status.in_(HOLDS_PLACE)))
    if holds_place is None:
        raise CheckinError(_l("You do not hold a place in this workshop, so you cannot check in."))
    used = db.session.scalar(select(Attendance).where(Attendance.checkin_ticket == ticket.ticket_id))
    if used is not None and used.user_id != user.id:
        raise CheckinError(_l("This check-in link was already used by someone else. Scan the code yourself."))
    row = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                     Attendance.user_id == user.id))
    if row is not None and row.status in ("present", "late"):
        return row  # already checked in (or marked present by the trainer)
    if not window_open(session):
        raise CheckinError(_l("Check-in for this session is not open. Ask the trainer."))
    now = utcnow()
    status = "late" if now > session.starts_at + LATE_AFTER else "present"
    old = row.status if row else None
    if row is None:
        row = Attendance(session_id=session.id, user_id=user.id)
        db.session.add(row)
    row.status, row.source, row.checked_in_at, row.checkin_ticket = status, "qr", now, ticket.ticket_id
    row.recorded_by_id = user.id
    db.session.flush()
    record("attendance.changed", row, actor=user, changes={
        "session_id": (None, session.id), "user_id": (None, user.id), "status": (old, status), "source": (None, "qr")})
    completion.recompute(session.workshop_id, [user.id], actor=user)
    return row
