"""Scheduling workshops: their details, their sessions, copies, and clashes.

Times are entered and shown in Kosovo's zone (Europe/Belgrade) and stored in UTC. A trainer
cannot be in two overlapping sessions, and a room cannot hold two overlapping sessions; either
is refused with a message naming the other session. Every change people's calendars must see
raises the workshop's iCalendar SEQUENCE.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from blinker import Namespace
from flask import current_app
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lga.accounts.models import InstitutionType, User
from lga.audit.services import record, record_update
from lga.catalogue.models import Module, Workshop, WorkshopSession
from lga.extensions import db

# The workshop's own fields a form may set (trainers and target institutions go separately).
WORKSHOP_FIELDS = (
    "module_id", "programme_id", "title", "description", "language", "mode", "start_date", "end_date",
    "venue", "municipality_id", "meeting_url", "capacity", "status", "enrol_opens_at", "enrol_closes_at",
    "requires_approval", "cancel_until", "online_share", "completion_share", "evaluation_required",
)
SESSION_FIELDS = ("title", "format", "starts_at", "ends_at", "room", "meeting_url", "trainer_id")
# Changes that calendars must pick up (everything else is internal).
CALENDAR_FIELDS = {"title", "start_date", "end_date", "venue", "municipality_id", "meeting_url", "status", "mode"}
DAY_STARTS = time(9, 0)
BREAK = timedelta(minutes=15)


# Other domains react to these (enrolment fills freed places, tells people of a cancellation);
# the catalogue does not know them. Receivers get the workshop and ``actor=``.
signals = Namespace()
capacity_raised = signals.signal("capacity-raised")
workshop_cancelled = signals.signal("workshop-cancelled")
# Times or place changed (``removed=`` lists sessions that are gone); receivers tell people.
schedule_changed = signals.signal("schedule-changed")
# What completing the workshop takes changed (its rule, or how many sessions it has).
completion_rules_changed = signals.signal("completion-rules-changed")
# A published workshop is about to become a draft again; a receiver returns a reason to refuse.
unpublishing = signals.signal("unpublishing")


class SchedulingError(Exception):
    """A rule was broken; the message is translatable text for the user (``field`` names the field)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Time zones ----------------------------------------------------------------------------------

def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["LGA_TIMEZONE"])


def to_utc(day: date, at: time) -> datetime:
    """A local wall-clock time in Kosovo as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=zone()).astimezone(timezone.utc)


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone())


def local_today() -> date:
    """Today in Kosovo (the server's clock runs in UTC: between midnight and 01:00/02:00 local
    time its date is still yesterday's)."""
    return datetime.now(zone()).date()


def local_midnight(day: date) -> datetime:
    return to_utc(day, time(0, 0))


@dataclass(frozen=True)
class Window:
    """When something (a quiz, an evaluation) is open; an empty end is no limit."""

    opens: datetime | None
    closes: datetime | None

    def is_open(self, at: datetime) -> bool:
        return (self.opens is None or self.opens <= at) and (self.closes is None or at < self.closes)


# --- Clashes -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Clash:
    kind: str  # "trainer" or "room"
    session: WorkshopSession

    def message(self) -> str:
        other = self.session
        when = format_datetime(other.starts_at, "d.M.y HH:mm")
        if self.kind == "trainer":
            return str(_l('%(trainer)s already teaches "%(session)s" of "%(workshop)s" at that time (%(when)s).',
                          trainer=other.trainer.full_name, session=other.title,
                          workshop=other.workshop.title, when=when))
        return str(_l('Room "%(room)s" is taken by "%(session)s" of "%(workshop)s" at that time (%(when)s).',
                      room=other.room, session=other.title, workshop=other.workshop.title, when=when))


def _room_key(room: str | None) -> str:
    return " ".join((room or "").split()).lower()


def find_clashes(*, starts_at: datetime, ends_at: datetime, trainer_id: int | None, room: str | None,
                 municipality_id: int | None, exclude_ids: set[int] = frozenset()) -> list[Clash]:
    """Sessions of live workshops that overlap this time with the same trainer or room.

    A room is a name within a municipality ("Salla 1" in Prizren is not "Salla 1" in Peja).
    Touching sessions (one ends when the other starts) do not overlap.
    """
    conditions = []
    if trainer_id:
        conditions.append(WorkshopSession.trainer_id == trainer_id)
    room_key = _room_key(room)
    if room_key:
        same_place = (Workshop.municipality_id == municipality_id) if municipality_id \
            else Workshop.municipality_id.is_(None)
        conditions.append((func.lower(func.trim(WorkshopSession.room)) == room_key) & same_place)
    if not conditions:
        return []
    stmt = (select(WorkshopSession).join(Workshop, Workshop.id == WorkshopSession.workshop_id)
            .where(Workshop.status != "cancelled", WorkshopSession.starts_at < ends_at,
                   WorkshopSession.ends_at > starts_at, or_(*conditions))
            .options(selectinload(WorkshopSession.trainer), selectinload(WorkshopSession.workshop))
            .order_by(WorkshopSession.starts_at))
    if exclude_ids:
        stmt = stmt.where(WorkshopSession.id.not_in(exclude_ids))
    clashes = []
    for other in db.session.scalars(stmt):
        if trainer_id and other.trainer_id == trainer_id:
            clashes.append(Clash("trainer", other))
        elif room_key and _room_key(other.room) == room_key:
            clashes.append(Clash("room", other))
    return clashes


def _check_clashes(workshop: Workshop, sessions: list[WorkshopSession]) -> None:
    """Refuse overlaps with other workshops' sessions and among the given sessions themselves."""
    if workshop.status == "cancelled":
        return
    ids = {s.id for s in sessions if s.id}  # the workshop's other sessions in the database count too
    for session in sessions:
        clashes = find_clashes(starts_at=session.starts_at, ends_at=session.ends_at, trainer_id=session.trainer_id,
                               room=session.room, municipality_id=workshop.municipality_id, exclude_ids=ids)
        if clashes:
            raise SchedulingError(clashes[0].message())
    for i, a in enumerate(sessions):
        for b in sessions[i + 1:]:
            if a.starts_at < b.ends_at and b.starts_at < a.ends_at:
                if a.trainer_id and a.trainer_id == b.trainer_id:
                    raise SchedulingError(_l('The same trainer is in "%(a)s" and "%(b)s" at the same time.',
                                             a=a.title, b=b.title))
                if _room_key(a.room) and _room_key(a.room) == _room_key(b.room):
                    raise SchedulingError(_l('"%(a)s" and "%(b)s" are in the same room at the same time.',
                                             a=a.title, b=b.title))


# --- Workshops -----------------------------------------------------------------------------------

def load_for_editing(workshop_id: int) -> Workshop | None:
    return db.session.scalar(
        select(Workshop).where(Workshop.id == workshop_id)
        .options(selectinload(Workshop.module), selectinload(Workshop.programme),
                 selectinload(Workshop.municipality), selectinload(Workshop.trainers),
                 selectinload(Workshop.target_institutions),
                 selectinload(Workshop.sessions).selectinload(WorkshopSession.trainer))
    )


def may_edit(workshop: Workshop, user) -> bool:
    """Managers and admins edit every workshop; trainers the ones they train or created."""
    if user.has_role("manager") or user.has_role("admin"):
        return True
    return user.has_role("trainer") and (
        workshop.created_by_id == user.id or any(t.id == user.id for t in workshop.trainers))


def _validate(workshop: Workshop) -> None:
    if workshop.end_date < workshop.start_date:
        raise SchedulingError(_l("The last day cannot be before the first day."), "end_date")
    if workshop.mode in ("in_person", "hybrid") and not (workshop.venue or workshop.municipality_id):
        raise SchedulingError(_l("An in-person workshop needs a venue or a municipality."), "venue")
    if workshop.mode in ("virtual", "hybrid") and not workshop.meeting_url:
        raise SchedulingError(_l("An online workshop needs a meeting link."), "meeting_url")
    if workshop.enrol_opens_at and workshop.enrol_closes_at and workshop.enrol_closes_at <= workshop.enrol_opens_at:
        raise SchedulingError(_l("Enrolment must close after it opens."), "enrol_closes_at")
    for session in workshop.sessions:
        _check_inside(workshop, session)


def _check_inside(workshop: Workshop, session: WorkshopSession) -> None:
    if session.ends_at <= session.starts_at:
        raise SchedulingError(_l("A session must end after it starts."), "ends_at")
    first, last = to_local(session.starts_at).date(), to_local(session.ends_at).date()
    if first < workshop.start_date or last > workshop.end_date:
        raise SchedulingError(_l('Session "%(title)s" falls outside the workshop\'s dates.', title=session.title),
                              "starts_at")


def create_workshop(values: dict, *, trainers: list[User], targets: list[InstitutionType], actor,
                    sessions: list[WorkshopSession] = ()) -> Workshop:
    workshop = Workshop(**{k: v for k, v in values.items() if k in WORKSHOP_FIELDS})
    workshop.sequence = 0
    workshop.created_by_id = actor.id
    workshop.trainers = list(trainers)
    workshop.target_institutions = list(targets)
    workshop.sessions = []
    _validate(workshop)
    _check_clashes(workshop, list(sessions))
    workshop.sessions = list(sessions)
    for session in sessions:
        _check_inside(workshop, session)
    db.session.add(workshop)
    db.session.flush()
    record("workshop.created", workshop, actor=actor, changes={
        "title": (None, workshop.title), "start_date": (None, workshop.start_date),
        "end_date": (None, workshop.end_date), "capacity": (None, workshop.capacity),
        "sessions": (None, len(workshop.sessions)),
    })
    return workshop


def _rescheduled(workshop: Workshop, *, actor, notify: bool, removed=()) -> None:
    workshop.sequence += 1
    if notify and workshop.status == "published":
        db.session.flush()
        schedule_changed.send(workshop, actor=actor, removed=list(removed))


def update_workshop(workshop: Workshop, values: dict, *, trainers: list[User], targets: list[InstitutionType],
                    actor, notify: bool = True) -> dict:
    """Apply the form's values; returns the changes. Raises SchedulingError (nothing applied
    is kept: the caller rolls back). ``notify``: tell the people enrolled of new times or place."""
    old_capacity, old_status = workshop.capacity, workshop.status
    if old_status == "published" and values.get("status") == "draft":
        reasons = [reason for _receiver, reason in unpublishing.send(workshop) if reason]
        if reasons:
            raise SchedulingError(reasons[0], "status")
    changes = record_update("workshop.updated", workshop,
                            {k: v for k, v in values.items() if k in WORKSHOP_FIELDS}, actor=actor)
    old_trainers = sorted(t.id for t in workshop.trainers)
    new_trainers = sorted(t.id for t in trainers)
    if old_trainers != new_trainers:
        workshop.trainers = list(trainers)
        record("workshop.trainers_changed", workshop, actor=actor, changes={"trainers": (old_trainers, new_trainers)})
        changes["trainers"] = (old_trainers, new_trainers)
    workshop.target_institutions = list(targets)
    _validate(workshop)
    if CALENDAR_FIELDS & set(changes):
        _rescheduled(workshop, actor=actor, notify=notify and old_status == "published")
    if workshop.capacity > old_capacity:
        db.session.flush()
        capacity_raised.send(workshop, actor=actor)
    if {"completion_share", "evaluation_required"} & set(changes):
        db.session.flush()
        completion_rules_changed.send(workshop, actor=actor)
    return changes


def _session(values: dict) -> WorkshopSession:
    return WorkshopSession(**{k: v for k, v in values.items() if k in SESSION_FIELDS})


def add_session(workshop: Workshop, values: dict, *, actor, notify: bool = True) -> WorkshopSession:
    session = _session(values)
    _check_inside(workshop, session)
    _check_clashes(workshop, [session])
    workshop.sessions.append(session)
    db.session.flush()
    record("session.created", session, actor=actor, changes={
        "workshop_id": (None, workshop.id), "title": (None, session.title),
        "starts_at": (None, session.starts_at), "ends_at": (None, session.ends_at)})
    _rescheduled(workshop, actor=actor, notify=notify)
    completion_rules_changed.send(workshop, actor=actor)
    return session


def update_session(workshop: Workshop, session: WorkshopSession, values: dict, *, actor, notify: bool = True) -> dict:
    probe = _session(values)
    _check_inside(workshop, probe)
    clashes = find_clashes(starts_at=probe.starts_at, ends_at=probe.ends_at, trainer_id=probe.trainer_id,
                           room=probe.room, municipality_id=workshop.municipality_id, exclude_ids={session.id})
    if clashes and workshop.status != "cancelled":
        raise SchedulingError(clashes[0].message())
    changes = record_update("session.updated", session, {k: values[k] for k in SESSION_FIELDS if k in values},
                            actor=actor)
    if changes:
        _rescheduled(workshop, actor=actor, notify=notify)
    return changes


def delete_session(workshop: Workshop, session: WorkshopSession, *, actor, notify: bool = True) -> None:
    record("session.deleted", session, actor=actor, changes={
        "title": (session.title, None), "starts_at": (session.starts_at, None)})
    # What calendars need to drop it, kept past the delete.
    gone = SimpleNamespace(id=session.id, workshop_id=workshop.id, title=session.title,
                           starts_at=session.starts_at, ends_at=session.ends_at)
    workshop.sessions.remove(session)
    _rescheduled(workshop, actor=actor, notify=notify, removed=[gone])
    db.session.flush()
    completion_rules_changed.send(workshop, actor=actor)


def cancel_workshop(workshop: Workshop, *, actor, reason: str | None = None) -> None:
    """Cancel a workshop; everyone still on its list is told (with a cancelled calendar entry)."""
    if workshop.status == "cancelled":
        return
    old = workshop.status
    workshop.status = "cancelled"
    workshop.sequence += 1
    record("workshop.cancelled", workshop, actor=actor, changes={"status": (old, "cancelled"), "reason": (None, reason)})
    db.session.flush()
    workshop_cancelled.send(workshop, actor=actor, reason=reason)


# --- Copies --------------------------------------------------------------------------------------

def sessions_from_plan(module: Module, start_date: date, *, trainer_id: int | None = None,
                       room: str | None = None, day_starts: time = DAY_STARTS) -> list[WorkshopSession]:
    """Lay the module's session plan out day by day from ``day_starts``, with short breaks."""
    sessions = []
    cursor: dict[int, datetime] = {}
    for item in module.plan:
        day = start_date + timedelta(days=item.day - 1)
        starts = cursor.get(item.day) or to_utc(day, day_starts)
        ends = starts + timedelta(minutes=item.minutes)
        cursor[item.day] = ends + BREAK
        sessions.append(WorkshopSession(title=item.label(), format=item.format, starts_at=starts, ends_at=ends,
                                        room=room, trainer_id=trainer_id))
    return sessions


def plan_days(module: Module) -> int:
    return max((item.day for item in module.plan), default=1)


def copy_sessions(source: Workshop, start_date: date) -> list[WorkshopSession]:
    """The sessions of an earlier workshop moved to start on ``start_date`` (same local times)."""
    shift = start_date - source.start_date
    sessions = []
    for s in source.sessions:
        start_local, end_local = to_local(s.starts_at), to_local(s.ends_at)
        sessions.append(WorkshopSession(
            title=s.title, format=s.format, room=s.room, meeting_url=s.meeting_url, trainer_id=s.trainer_id,
            starts_at=to_utc(start_local.date() + shift, start_local.time()),
            ends_at=to_utc(end_local.date() + shift, end_local.time()),
        ))
    return sessions


def copy_values(source: Workshop, start_date: date) -> dict:
    """Form defaults for a new workshop copied from ``source``, moved to ``start_date``."""
    values = {k: getattr(source, k) for k in WORKSHOP_FIELDS
              if k not in ("enrol_opens_at", "enrol_closes_at", "cancel_until", "status")}
    values["start_date"] = start_date
    values["end_date"] = start_date + (source.end_date - source.start_date)
    return values
