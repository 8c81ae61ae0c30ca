"""Attendance rules: roll call for a session; every change lands in the audit trail."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lga.accounts.models import User
from lga.attendance import completion
from lga.attendance.models import STATUSES, Attendance
from lga.audit.services import record
from lga.catalogue.models import Workshop, WorkshopSession
from lga.db_types import utcnow
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.extensions import db


class AttendanceError(Exception):
    """A rule was broken; the message is translatable text for the user."""


@dataclass
class Line:
    """One person on a roll call: who, and what is recorded for them so far."""

    user: User
    attendance: Attendance | None

    @property
    def status(self) -> str | None:
        return self.attendance.status if self.attendance else None


def load_session(session_id: int) -> WorkshopSession | None:
    """The session with its workshop (and the workshop's trainers, for the access check)."""
    return db.session.scalar(
        select(WorkshopSession).where(WorkshopSession.id == session_id)
        .options(selectinload(WorkshopSession.workshop).selectinload(Workshop.trainers),
                 selectinload(WorkshopSession.workshop).selectinload(Workshop.sessions))
    )


def roll_call(session: WorkshopSession) -> list[Line]:
    """Everyone holding a place in the workshop, by family name, with their record for the
    session: three queries whatever the size of the room."""
    people = db.session.scalars(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.workshop_id == session.workshop_id, Enrolment.status.in_(HOLDS_PLACE))
        .order_by(User.family_name, User.given_name, User.id)
    ).all()
    records = {a.user_id: a for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))}
    return [Line(user=person, attendance=records.get(person.id)) for person in people]


def set_statuses(session: WorkshopSession, statuses: dict[int, str], *, actor, source: str = "roll_call") -> int:
    """Record statuses ({user id: status}) for people holding a place; returns how many changed.

    Unknown statuses and people not on the workshop's list are refused before anything is
    written (one roll call, one transaction).
    """
    bad = {s for s in statuses.values() if s not in STATUSES}
    if bad:
        raise AttendanceError(_l("Unknown attendance status."))
    allowed = set(db.session.scalars(
        select(Enrolment.user_id).where(Enrolment.workshop_id == session.workshop_id,
                                        Enrolment.status.in_(HOLDS_PLACE), Enrolment.user_id.in_(list(statuses)))))
    if set(statuses) - allowed:
        raise AttendanceError(_l("Some of these people do not hold a place in this workshop."))
    existing = {a.user_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.session_id == session.id, Attendance.user_id.in_(list(statuses))))}
    changed = 0
    now = utcnow()
    for user_id, status in statuses.items():
        row = existing.get(user_id)
        old = row.status if row else None
        if old == status:
            continue
        if row is None:
            row = Attendance(session_id=session.id, user_id=user_id, status=status, source=source)
            db.session.add(row)
        else:
            row.status, row.source = status, source
        row.recorded_by_id = actor.id
        if status in ("present", "late") and row.checked_in_at is None:
            row.checked_in_at = now
        changed += 1
        db.session.flush()
        record("attendance.changed", row, actor=actor, changes={
            "session_id": (None, session.id), "user_id": (None, user_id), "status": (old, status),
            "source": (None, source)})
    if changed:
        completion.recompute(session.workshop_id, list(statuses), actor=actor)
    return changed


def mark_everyone_present(session: WorkshopSession, *, actor) -> int:
    """The usual start of a roll call: everyone not yet marked is present; then the exceptions."""
    unmarked = {line.user.id: "present" for line in roll_call(session) if line.attendance is None}
    return set_statuses(session, unmarked, actor=actor) if unmarked else 0


# --- The attendance sheet ------------------------------------------------------------------------

def sheet_people_query(workshop_id: int):
    """The people of a workshop's sheet: everyone who held a place, by family name."""
    return (select(User).join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.workshop_id == workshop_id, Enrolment.status.in_(HOLDS_PLACE))
            .order_by(User.family_name, User.given_name, User.id))


def sheet_records(session_ids: list[int], user_ids: list[int]) -> dict[tuple[int, int], Attendance]:
    """{(user id, session id): attendance} for a page of the sheet, in one query."""
    if not session_ids or not user_ids:
        return {}
    return {(a.user_id, a.session_id): a for a in db.session.scalars(
        select(Attendance).where(Attendance.session_id.in_(session_ids), Attendance.user_id.in_(user_ids)))}


def sheet_rows(workshop: Workshop, *, batch: int = 500):
    """Rows of the whole sheet for export, read in batches (no list of every record at once):
    (person, [(session, attendance or None), ...])."""
    sessions = list(workshop.sessions)
    ids = [s.id for s in sessions]
    offset = 0
    while True:
        people = db.session.scalars(sheet_people_query(workshop.id).limit(batch).offset(offset)).all()
        if not people:
            return
        records = sheet_records(ids, [p.id for p in people])
        for person in people:
            yield person, [(s, records.get((person.id, s.id))) for s in sessions]
        offset += batch
