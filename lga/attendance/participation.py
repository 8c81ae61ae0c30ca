"""The participation summary (``ParticipationDay``), kept in step with the rows it sums.

A flush that adds, changes or deletes an attendance record, a place (enrolment) or a session marks
the workshop (and the people) it touches; just before the transaction commits, their summary rows
are computed again from the source rows, in the same transaction. So the summary is never ahead
of or behind what is committed, whichever service, view, command or test wrote the rows. Writes
that go around the ORM (the scale generator's bulk inserts) call ``rebuild()`` afterwards, and
``flask lga report rebuild-summary`` does the same by hand (after a restore, say).
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import and_, delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from lga.attendance.models import Attendance, ParticipationDay
from lga.catalogue.models import WorkshopSession
from lga.enrolment.models import HOLDS_PLACE, Enrolment

PARTICIPATING = ("present", "late", "partial")
_PENDING = "lga.participation.pending"
# Past this many people of one workshop in one commit, the whole workshop is recomputed.
_WHOLE_WORKSHOP_FROM = 500
_BATCH = 5000


def _pending(session: Session) -> dict:
    """{"workshops": {workshop_id: set of user ids | None for everyone}, "sessions": {session_id: set}}"""
    return session.info.setdefault(_PENDING, {"workshops": {}, "sessions": {}})


def _add(marks: dict, key: int, user_id: int | None) -> None:
    if user_id is None:
        marks[key] = None
    elif key not in marks:
        marks[key] = {user_id}
    elif marks[key] is not None:
        marks[key].add(user_id)


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context) -> None:
    pending = None
    for obj, kind in [(o, "new") for o in session.new] + [(o, "dirty") for o in session.dirty] + \
                     [(o, "deleted") for o in session.deleted]:
        if isinstance(obj, Attendance):
            if kind == "dirty" and not _changed(obj, "status", "minutes_online", "session_id", "user_id"):
                continue
            pending = pending or _pending(session)
            _add(pending["sessions"], obj.session_id, obj.user_id)
        elif isinstance(obj, Enrolment):
            if kind == "dirty" and not _holding_changed(obj):
                continue
            pending = pending or _pending(session)
            _add(pending["workshops"], obj.workshop_id, obj.user_id)
        elif isinstance(obj, WorkshopSession):
            if kind == "dirty" and not _changed(obj, "starts_at", "ends_at", "workshop_id"):
                continue
            pending = pending or _pending(session)
            _add(pending["workshops"], obj.workshop_id, None)


def _holding_changed(enrolment: Enrolment) -> bool:
    history = inspect(enrolment).attrs.status.history
    if not history.has_changes():
        return _changed(enrolment, "workshop_id", "user_id")
    before = [s for s in history.deleted if s is not None]
    return not before or any((s in HOLDS_PLACE) != (enrolment.status in HOLDS_PLACE) for s in before)


@event.listens_for(Session, "before_commit")
def _apply(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # the last changes mark too
    pending = session.info.pop(_PENDING, None)
    if pending:
        refresh(session, _by_workshop(session, pending))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _by_workshop(session: Session, pending: dict) -> dict[int, set[int] | None]:
    marks = dict(pending["workshops"])
    if pending["sessions"]:
        owners = dict(session.execute(select(WorkshopSession.id, WorkshopSession.workshop_id)
                                      .where(WorkshopSession.id.in_(list(pending["sessions"])))).tuples().all())
        for session_id, users in pending["sessions"].items():
            workshop_id = owners.get(session_id)
            if workshop_id is None:
                continue  # the session is gone: its deletion marked the whole workshop
            for user_id in (users if users is not None else [None]):
                _add(marks, workshop_id, user_id)
    return marks


def refresh(session: Session, marks: dict[int, set[int] | None]) -> None:
    """Compute again the summary rows of these workshops (of these people only, where given)."""
    from lga.catalogue.scheduling import zone

    tz = zone()
    for workshop_id, users in sorted(marks.items()):
        if users is not None and len(users) > _WHOLE_WORKSHOP_FROM:
            users = None
        scope = [ParticipationDay.workshop_id == workshop_id]
        if users is not None:
            scope.append(ParticipationDay.user_id.in_(sorted(users)))
        session.execute(delete(ParticipationDay).where(*scope))
        rows = _summed(session.execute(_source([workshop_id], users)), tz)
        if rows:
            session.execute(insert(ParticipationDay), rows)


def rebuild(session: Session, workshop_ids: Iterable[int] | None = None) -> int:
    """Compute the whole summary (or these workshops') again from the source rows; returns the
    number of summary rows. Streams the source, so memory stays bounded by one workshop batch."""
    from lga.catalogue.scheduling import zone

    tz = zone()
    ids = None if workshop_ids is None else sorted(set(workshop_ids))
    session.execute(delete(ParticipationDay) if ids is None
                    else delete(ParticipationDay).where(ParticipationDay.workshop_id.in_(ids)))
    written = 0
    result = session.execute(_source(ids, None).order_by(WorkshopSession.workshop_id).execution_options(
        yield_per=_BATCH))
    current, chunk = None, []
    for row in result:
        if row.workshop_id != current and len(chunk) >= _BATCH:
            written += _write(session, chunk, tz)
            chunk = []
        current = row.workshop_id
        chunk.append(row)
    written += _write(session, chunk, tz)
    return written


def _write(session: Session, chunk: list, tz) -> int:
    rows = _summed(chunk, tz)
    if rows:
        session.execute(insert(ParticipationDay), rows)
    return len(rows)


def _source(workshop_ids: list[int] | None, users: set[int] | None):
    stmt = (select(WorkshopSession.workshop_id, Attendance.user_id, WorkshopSession.starts_at,
                   WorkshopSession.ends_at, Attendance.status, Attendance.minutes_online)
            .select_from(Attendance)
            .join(WorkshopSession, WorkshopSession.id == Attendance.session_id)
            .join(Enrolment, and_(Enrolment.workshop_id == WorkshopSession.workshop_id,
                                  Enrolment.user_id == Attendance.user_id))
            .where(Attendance.status.in_(PARTICIPATING), Enrolment.status.in_(HOLDS_PLACE)))
    if workshop_ids is not None:
        stmt = stmt.where(WorkshopSession.workshop_id.in_(workshop_ids))
    if users is not None:
        stmt = stmt.where(Attendance.user_id.in_(sorted(users)))
    return stmt


def credited_minutes(status: str, minutes_online: int | None, session_minutes: float) -> float:
    """A participation's minutes: the session's when present or late; the minutes online, at
    most the session's, when partial (none recorded: none)."""
    if status in ("present", "late"):
        return session_minutes
    return min(float(minutes_online or 0), session_minutes)


def _summed(rows, tz) -> list[dict]:
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    for row in rows:
        length = (row.ends_at - row.starts_at).total_seconds() / 60.0
        hit = sums[(row.workshop_id, row.user_id, row.starts_at.astimezone(tz).date())]
        hit[0] += 1
        hit[1] += credited_minutes(row.status, row.minutes_online, length)
    return [{"workshop_id": w, "user_id": u, "day": d, "participations": n, "minutes": round(m, 4)}
            for (w, u, d), (n, m) in sums.items()]
