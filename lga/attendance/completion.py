"""Completion: whether a participant met the workshop's rules, recomputed whenever attendance or
the rules change.

The rule today: a share of the workshop's sessions attended (present or late; 80% unless the
workshop says otherwise). The post-test and the evaluation join the rule when quizzes and
evaluations exist. Completion is the enrolment's status: "completed" when the rule holds,
back to "enrolled" when a correction means it no longer does.
"""
from __future__ import annotations

from sqlalchemy import func, select

from lga.attendance import certificates
from lga.attendance.models import ATTENDED, Attendance
from lga.audit.services import record
from lga.catalogue import scheduling
from lga.catalogue.models import Workshop, WorkshopSession
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.extensions import db

DEFAULT_SHARE = 80


def required_sessions(workshop: Workshop, total: int) -> int:
    """How many sessions make the workshop complete (at least one when it has any)."""
    share = workshop.completion_share or DEFAULT_SHARE
    return max(1, -(-share * total // 100)) if total else 0  # ceiling


def attended_counts(workshop_id: int, user_ids: list[int] | None = None) -> dict[int, int]:
    """{user id: sessions attended} counted in SQL."""
    stmt = (select(Attendance.user_id, func.count())
            .join(WorkshopSession, WorkshopSession.id == Attendance.session_id)
            .where(WorkshopSession.workshop_id == workshop_id, Attendance.status.in_(ATTENDED))
            .group_by(Attendance.user_id))
    if user_ids is not None:
        stmt = stmt.where(Attendance.user_id.in_(user_ids))
    return dict(db.session.execute(stmt).tuples().all())


def recompute(workshop_id: int, user_ids: list[int] | None = None, *, actor=None) -> int:
    """Bring the enrolments' completion in line with the rules; returns how many changed."""
    workshop = db.session.get(Workshop, workshop_id)
    total = db.session.scalar(select(func.count()).select_from(WorkshopSession)
                              .where(WorkshopSession.workshop_id == workshop_id)) or 0
    needed = required_sessions(workshop, total)
    attended = attended_counts(workshop_id, user_ids)
    stmt = select(Enrolment).where(Enrolment.workshop_id == workshop_id, Enrolment.status.in_(HOLDS_PLACE))
    if user_ids is not None:
        stmt = stmt.where(Enrolment.user_id.in_(user_ids))
    changed = 0
    for enrolment in db.session.scalars(stmt):
        done = total > 0 and attended.get(enrolment.user_id, 0) >= needed
        status = "completed" if done else "enrolled"
        if enrolment.status != status:
            record("enrolment.completion", enrolment, actor=actor, changes={
                "status": (enrolment.status, status), "attended": (None, attended.get(enrolment.user_id, 0)),
                "required": (None, needed)})
            enrolment.status = status
            certificates.completion_changed(enrolment, actor=actor)
            changed += 1
    return changed


@scheduling.completion_rules_changed.connect
def _rules_changed(workshop: Workshop, *, actor=None, **_ignored) -> int:
    return recompute(workshop.id, actor=actor)
