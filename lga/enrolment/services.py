"""Enrolment rules: places, requests, approval, waitlists, cancellation and their emails.

Every change to a workshop's places first locks the workshop's row (``SELECT … FOR UPDATE`` on
PostgreSQL), so simultaneous requests queue up one behind the other: the count of taken places
is read and the new row written while nobody else can do the same for that workshop. The moment
a request gets the lock is its place in the queue (``requested_at``), which is what first come,
first served means for the waitlist.

Like all services, these functions add to the session and leave committing to the caller; the
emails they queue go out only once that commit succeeds (``lga.mail.queue``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_mail import Attachment
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from lga.accounts.models import User
from lga.audit.services import record
from lga.catalogue import scheduling
from lga.catalogue.models import Workshop, WorkshopSession
from lga.db_types import utcnow
from lga.enrolment.models import HOLDS_PLACE, OPEN_STATUSES, Enrolment
from lga.extensions import db
from lga.i18n import babel_locale_for
from lga.mail import build_message, queue
from lga.web import external_url


class EnrolmentError(Exception):
    """A rule was broken; the message is translatable text for the user."""


# --- Reading -----------------------------------------------------------------------------------

def lock_workshop(workshop_id: int) -> Workshop:
    """The workshop, locked for the rest of the transaction (PostgreSQL; SQLite locks on write)."""
    workshop = db.session.scalar(
        select(Workshop).where(Workshop.id == workshop_id).with_for_update()
        .execution_options(populate_existing=True)
    )
    if workshop is None:
        raise EnrolmentError(_l("This workshop does not exist."))
    return workshop


def counts(workshop_id: int) -> dict[str, int]:
    """{status: number} for one workshop, counted in SQL."""
    rows = db.session.execute(
        select(Enrolment.status, func.count()).where(Enrolment.workshop_id == workshop_id)
        .group_by(Enrolment.status)
    ).all()
    return {status: n for status, n in rows}


def places_taken(workshop_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Enrolment)
        .where(Enrolment.workshop_id == workshop_id, Enrolment.status.in_(HOLDS_PLACE))
    ) or 0


def holds_place(workshop_id: int, user_id: int) -> bool:
    """Whether the person holds a place (enrolled or completed) in the workshop."""
    return db.session.scalar(select(Enrolment.id).where(
        Enrolment.workshop_id == workshop_id, Enrolment.user_id == user_id,
        Enrolment.status.in_(HOLDS_PLACE))) is not None


def enrolment_of(workshop_id: int, user_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.workshop_id == workshop_id, Enrolment.user_id == user_id)
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the first person on the waitlist, …; None when not waitlisted."""
    if enrolment.status != "waitlisted":
        return None
    ahead = db.session.scalar(
        select(func.count()).select_from(Enrolment).where(
            Enrolment.workshop_id == enrolment.workshop_id, Enrolment.status == "waitlisted",
            or_(Enrolment.requested_at < enrolment.requested_at,
                and_(Enrolment.requested_at == enrolment.requested_at, Enrolment.id < enrolment.id)),
        )
    ) or 0
    return ahead + 1


def first_session_starts(workshop: Workshop) -> datetime:
    """When the workshop begins: its first session, or midnight of its first day in local time."""
    starts = db.session.scalar(select(func.min(WorkshopSession.starts_at))
                               .where(WorkshopSession.workshop_id == workshop.id))
    return starts or scheduling.local_midnight(workshop.start_date)


def enrolment_closes_at(workshop: Workshop) -> datetime:
    return workshop.enrol_closes_at or first_session_starts(workshop)


def cancellation_deadline(workshop: Workshop) -> datetime:
    return workshop.cancel_until or first_session_starts(workshop)


@dataclass(frozen=True)
class Availability:
    """What a person may do about a workshop right now, and why not."""

    open: bool
    reason: str | None  # translatable text when closed
    full: bool
    free_places: int


def availability(workshop: Workshop, *, now: datetime | None = None, taken: int | None = None) -> Availability:
    now = now or utcnow()
    taken = places_taken(workshop.id) if taken is None else taken
    free = max(workshop.capacity - taken, 0)
    reason = None
    if workshop.status != "published":
        reason = _("This workshop is not open for enrolment.") if workshop.status == "draft" \
            else _("This workshop has been cancelled.")
    elif workshop.enrol_opens_at and now < workshop.enrol_opens_at:
        reason = _("Enrolment has not opened yet.")
    elif now >= enrolment_closes_at(workshop):
        reason = _("Enrolment for this workshop has closed.")
    return Availability(open=reason is None, reason=reason, full=free == 0, free_places=free)


# --- Changing ------------------------------------------------------------------------------------

def _new_or_reopened(workshop: Workshop, user: User, *, source: str, allow_after_rejection: bool) -> Enrolment:
    existing = enrolment_of(workshop.id, user.id)
    if existing is not None:
        if existing.status in OPEN_STATUSES or existing.status == "completed":
            if source == "self":
                raise EnrolmentError(_l("You are already on the list of this workshop."))
            raise EnrolmentError(_l("%(name)s is already on the list of this workshop.", name=user.full_name))
        if existing.status == "rejected" and not allow_after_rejection:
            raise EnrolmentError(_l("Your request for this workshop was declined. Please contact the organisers."))
        existing.source = source
        existing.decided_at = existing.decided_by_id = existing.reason = existing.cancelled_at = None
        existing.reminder_sent_at = None
        existing.calendar_revision += 1  # the cancelled events come back in their calendar
        return existing
    enrolment = Enrolment(workshop_id=workshop.id, user_id=user.id, source=source)
    db.session.add(enrolment)
    return enrolment


def enrol(workshop_id: int, user: User, *, now: datetime | None = None) -> Enrolment:
    """A trainee enrols themselves: a place, a request (approval needed) or the waitlist."""
    workshop = lock_workshop(workshop_id)
    now = now or utcnow()
    taken = places_taken(workshop.id)
    state = availability(workshop, now=now, taken=taken)
    if not state.open:
        raise EnrolmentError(state.reason)
    enrolment = _new_or_reopened(workshop, user, source="self", allow_after_rejection=False)
    enrolment.requested_at = utcnow()  # after the lock: the order in which requests were served
    if workshop.requires_approval:
        enrolment.status = "requested"
    else:
        enrolment.status = "enrolled" if taken < workshop.capacity else "waitlisted"
    db.session.flush()
    record(f"enrolment.{enrolment.status}", enrolment, actor=user,
           changes={"workshop_id": (None, workshop.id), "status": (None, enrolment.status)})
    notify(enrolment, workshop, user)
    return enrolment


def _check_open_for_staff(workshop: Workshop) -> None:
    if workshop.status == "cancelled":
        raise EnrolmentError(_l("This workshop has been cancelled."))
    if workshop.status == "draft":
        raise EnrolmentError(_l("Publish the workshop first: people cannot be told of a place in a draft."))


def enrol_direct(workshop: Workshop, user: User, *, actor, source: str = "staff") -> Enrolment:
    """A trainer or manager puts someone on the list: no window, no approval; the waitlist when full."""
    workshop = lock_workshop(workshop.id)
    _check_open_for_staff(workshop)
    taken = places_taken(workshop.id)
    enrolment = _new_or_reopened(workshop, user, source=source, allow_after_rejection=True)
    enrolment.requested_at = utcnow()
    enrolment.status = "enrolled" if taken < workshop.capacity else "waitlisted"
    enrolment.decided_at = utcnow()
    enrolment.decided_by_id = actor.id
    db.session.flush()
    record(f"enrolment.{enrolment.status}", enrolment, actor=actor,
           changes={"workshop_id": (None, workshop.id), "user_id": (None, user.id),
                    "status": (None, enrolment.status), "source": (None, source)})
    notify(enrolment, workshop, user)
    return enrolment


def enrol_many(workshop: Workshop, people: list[User], *, actor, source: str = "import",
               told_already: set[int] = frozenset()) -> list[Enrolment]:
    """``enrol_direct`` for a whole team at once (staff-list imports): the workshop is locked,
    its places counted and its calendar built once, not once per person.

    People in the order given get the free places, the rest the waitlist. Raises EnrolmentError
    if anyone already holds an open enrolment (callers check first, as the import preview does).
    People in ``told_already`` (new accounts, whose invitation names the workshop) get no
    second email.
    """
    workshop = lock_workshop(workshop.id)
    _check_open_for_staff(workshop)
    taken = places_taken(workshop.id)
    existing = {e.user_id: e for e in db.session.scalars(
        select(Enrolment).where(Enrolment.workshop_id == workshop.id,
                                Enrolment.user_id.in_([p.id for p in people])))}
    now = utcnow()
    rows = []
    for person in people:
        row = existing.get(person.id)
        if row is not None and (row.status in OPEN_STATUSES or row.status == "completed"):
            raise EnrolmentError(_l("%(name)s is already on the list of this workshop.", name=person.full_name))
        if row is None:
            row = Enrolment(workshop_id=workshop.id, user_id=person.id)
            db.session.add(row)
        else:
            row.calendar_revision += 1
        row.source, row.reason, row.cancelled_at, row.reminder_sent_at = source, None, None, None
        row.status = "enrolled" if taken < workshop.capacity else "waitlisted"
        taken += row.status == "enrolled"
        # Strictly increasing, so the waitlist keeps the list's order whatever the rows' ids.
        row.requested_at = now + timedelta(microseconds=len(rows))
        row.decided_at = now
        row.decided_by_id = actor.id
        rows.append(row)
    db.session.flush()
    full = calendar_workshop(workshop.id)
    calendars: dict[tuple[str, bool], bytes] = {}
    # Everyone already waiting asked earlier: the newcomers queue up behind them.
    position = db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.workshop_id == workshop.id, Enrolment.status == "waitlisted",
        Enrolment.id.not_in([r.id for r in rows]))) or 0
    for person, row in zip(people, rows):
        record(f"enrolment.{row.status}", row, actor=actor, changes={
            "workshop_id": (None, workshop.id), "user_id": (None, person.id),
            "status": (None, row.status), "source": (None, source)})
        position += row.status == "waitlisted"
        if person.id in told_already:
            continue
        queue(message_for(row, workshop, person, row.status, full=full, calendars=calendars,
                          position=position if row.status == "waitlisted" else None))
    return rows


def approve(enrolment: Enrolment, *, actor) -> Enrolment:
    """Accept a request: a place if there is one, otherwise the waitlist (in request order)."""
    workshop = lock_workshop(enrolment.workshop_id)
    db.session.refresh(enrolment)
    if enrolment.status != "requested":
        raise EnrolmentError(_l("Only pending requests can be approved."))
    taken = places_taken(workshop.id)
    old = enrolment.status
    enrolment.status = "enrolled" if taken < workshop.capacity else "waitlisted"
    enrolment.decided_at = utcnow()
    enrolment.decided_by_id = actor.id
    record("enrolment.approved", enrolment, actor=actor, changes={"status": (old, enrolment.status)})
    notify(enrolment, workshop, _user(enrolment))
    return enrolment


def reject(enrolment: Enrolment, reason: str, *, actor) -> Enrolment:
    reason = (reason or "").strip()
    if not reason:
        raise EnrolmentError(_l("Please give a reason: the person will read it."))
    workshop = lock_workshop(enrolment.workshop_id)
    db.session.refresh(enrolment)
    if enrolment.status not in ("requested", "waitlisted"):
        raise EnrolmentError(_l("Only pending requests and waitlisted people can be declined."))
    old = enrolment.status
    enrolment.status = "rejected"
    enrolment.reason = reason
    enrolment.decided_at = utcnow()
    enrolment.decided_by_id = actor.id
    record("enrolment.rejected", enrolment, actor=actor,
           changes={"status": (old, "rejected"), "reason": (None, reason)})
    notify(enrolment, workshop, _user(enrolment))
    return enrolment


def cancel(enrolment: Enrolment, *, actor, now: datetime | None = None, reason: str | None = None) -> list[Enrolment]:
    """Give up a place or request. Trainees only up to the deadline; staff at any time.

    Returns the people promoted from the waitlist into the freed place.
    """
    workshop = lock_workshop(enrolment.workshop_id)
    db.session.refresh(enrolment)
    if enrolment.status not in OPEN_STATUSES:
        raise EnrolmentError(_l("There is nothing to cancel."))
    by_self = actor.id == enrolment.user_id
    if by_self and (now or utcnow()) >= cancellation_deadline(workshop):
        raise EnrolmentError(_l("The deadline for cancelling has passed. Please contact the organisers."))
    old = enrolment.status
    enrolment.status = "cancelled"
    enrolment.cancelled_at = utcnow()
    enrolment.calendar_revision += 1
    if reason:
        enrolment.reason = reason.strip()
    if not by_self:
        enrolment.decided_by_id = actor.id
        enrolment.decided_at = enrolment.cancelled_at
    record("enrolment.cancelled", enrolment, actor=actor, changes={"status": (old, "cancelled")})
    # Only someone who held a place has the events in their calendar to remove.
    notify(enrolment, workshop, _user(enrolment), calendar=old == "enrolled")
    db.session.flush()
    return promote_waitlist(workshop, actor=actor) if old == "enrolled" else []


def promote_waitlist(workshop: Workshop, *, actor=None) -> list[Enrolment]:
    """Fill free places from the waitlist, first come first served. Call with the workshop locked."""
    free = workshop.capacity - places_taken(workshop.id)
    if free <= 0 or workshop.status == "cancelled" or utcnow() >= first_session_starts(workshop):
        return []  # no place to fill, or too late: a place freed during the workshop helps nobody
    promoted = db.session.scalars(
        select(Enrolment).where(Enrolment.workshop_id == workshop.id, Enrolment.status == "waitlisted")
        .order_by(Enrolment.requested_at, Enrolment.id).limit(free)
        .options(selectinload(Enrolment.user))
    ).all()
    full = calendar_workshop(workshop.id) if promoted else None  # one calendar for every email
    for enrolment in promoted:
        enrolment.status = "enrolled"
        enrolment.decided_at = utcnow()
        record("enrolment.promoted", enrolment, actor=actor, changes={"status": ("waitlisted", "enrolled")})
        notify(enrolment, workshop, enrolment.user, promoted=True, full=full)
    return promoted


@scheduling.capacity_raised.connect
def capacity_changed(workshop: Workshop, *, actor=None, **_ignored) -> list[Enrolment]:
    """After a workshop's capacity grew: promote from the waitlist."""
    lock_workshop(workshop.id)
    return promote_waitlist(workshop, actor=actor)


@scheduling.schedule_changed.connect
def schedule_changed(workshop: Workshop, *, actor=None, removed=(), **_ignored) -> int:
    """Send everyone holding a place the new times or place, with the updated calendar file."""
    rows = db.session.scalars(
        select(Enrolment).where(Enrolment.workshop_id == workshop.id, Enrolment.status == "enrolled")
        .options(selectinload(Enrolment.user))
    ).all()
    if not rows:
        return 0
    full = calendar_workshop(workshop.id)
    calendars: dict = {}
    for enrolment in rows:
        queue(message_for(enrolment, workshop, enrolment.user, "updated", full=full, calendars=calendars,
                          removed=removed))
    return len(rows)


@scheduling.unpublishing.connect
def refuse_unpublishing(workshop: Workshop, **_ignored) -> str | None:
    if any(n for status, n in counts(workshop.id).items() if status in HOLDS_PLACE + OPEN_STATUSES):
        return str(_l("People are on this workshop's list: cancel the workshop instead of making it a draft again."))
    return None


@scheduling.workshop_cancelled.connect
def workshop_cancelled(workshop: Workshop, *, actor=None, reason: str | None = None, **_ignored) -> int:
    """Tell everyone still on a cancelled workshop's list; their places lapse."""
    rows = db.session.scalars(
        select(Enrolment).where(Enrolment.workshop_id == workshop.id, Enrolment.status.in_(OPEN_STATUSES))
        .options(selectinload(Enrolment.user))
    ).all()
    full = calendar_workshop(workshop.id)
    for enrolment in rows:
        old = enrolment.status
        enrolment.status = "cancelled"
        enrolment.cancelled_at = utcnow()
        enrolment.reason = reason
        record("enrolment.cancelled", enrolment, actor=actor, changes={"status": (old, "cancelled")})
        queue(message_for(enrolment, workshop, enrolment.user, "workshop_cancelled", full=full,
                          calendar=old == "enrolled"))
    return len(rows)


def _user(enrolment: Enrolment) -> User:
    return db.session.get(User, enrolment.user_id)


# --- Emails --------------------------------------------------------------------------------------

# Emails that carry the workshop's calendar file.
CALENDAR_KINDS = ("enrolled", "promoted", "reminder", "cancelled", "workshop_cancelled", "updated")
_SUBJECTS = {
    "enrolled": _l("Your place at %(title)s is confirmed"),
    "promoted": _l("A place opened up for you: %(title)s"),
    "waitlisted": _l("You are on the waitlist for %(title)s"),
    "requested": _l("We received your request for %(title)s"),
    "rejected": _l("Your request for %(title)s was declined"),
    "cancelled": _l("Cancelled: your enrolment in %(title)s"),
    "reminder": _l("Reminder: %(title)s starts soon"),
    "workshop_cancelled": _l("Workshop cancelled: %(title)s"),
    "updated": _l("Changed: %(title)s"),
}


def calendar_workshop(workshop_id: int) -> Workshop:
    """A workshop with everything the calendar file and emails show, loaded in a few queries."""
    return db.session.scalar(
        select(Workshop).where(Workshop.id == workshop_id)
        .options(selectinload(Workshop.module), selectinload(Workshop.municipality),
                 selectinload(Workshop.sessions).selectinload(WorkshopSession.trainer),
                 selectinload(Workshop.trainers))
        .execution_options(populate_existing=True)
    )


def message_for(enrolment: Enrolment, workshop: Workshop, user: User, kind: str, *, full: Workshop | None = None,
                calendars: dict | None = None, position: int | None = None, removed=(), calendar: bool = True):
    """The email telling ``user`` about ``kind`` (a status, "promoted" or "reminder").

    ``full`` is the workshop loaded by ``calendar_workshop`` when the caller has it already;
    ``calendars`` caches the calendar file per language when many people get the same one;
    ``position`` is the waitlist position when the caller knows it; ``calendar=False`` leaves
    the calendar file out (a cancelled request never was in anyone's calendar).
    """
    from lga.catalogue import ical

    full = full or calendar_workshop(workshop.id)
    attachments = []
    if kind in CALENDAR_KINDS and calendar:
        cancelled = kind in ("cancelled", "workshop_cancelled")
        key = (user.locale, cancelled, enrolment.calendar_revision)  # `removed` is the same for one batch
        data = calendars.get(key) if calendars is not None else None
        if data is None:
            with force_locale(babel_locale_for(user.locale)):
                data = ical.calendar_bytes([full], method="PUBLISH", cancelled=cancelled,
                                           with_links=not cancelled, sequence_bump=enrolment.calendar_revision,
                                           removed=removed)
            if calendars is not None:
                calendars[key] = data
        attachments.append(Attachment(filename=f"workshop-{workshop.id}.ics",
                                      content_type="text/calendar; charset=utf-8; method=PUBLISH", data=data))
    return build_message(
        user.email, user.locale, lambda: _SUBJECTS[kind] % {"title": workshop.title},
        f"enrolment_{kind}", attachments=attachments, user=user, workshop=full, enrolment=enrolment,
        workshop_url=external_url("catalogue.workshop", workshop_id=workshop.id),
        trainings_url=external_url("enrolment.my_trainings"),
        position=(position or waitlist_position(enrolment)) if kind == "waitlisted" else None,
        cancel_until=full.cancel_until or (full.sessions[0].starts_at if full.sessions
                                           else scheduling.local_midnight(full.start_date)),
        has_calendar=bool(attachments),
    )


def notify(enrolment: Enrolment, workshop: Workshop, user: User, *, promoted: bool = False,
           calendar: bool = True, full: Workshop | None = None) -> None:
    kind = "promoted" if promoted else enrolment.status
    if kind not in _SUBJECTS:
        return
    queue(message_for(enrolment, workshop, user, kind, calendar=calendar, full=full))


# --- Reminders -----------------------------------------------------------------------------------

def due_reminders(now: datetime | None = None, hours: int | None = None):
    """Enrolments whose workshop's first session starts within ``hours`` and that got no reminder."""
    now = now or utcnow()
    hours = current_app.config["LGA_REMINDER_HOURS"] if hours is None else hours
    first = (select(WorkshopSession.workshop_id, func.min(WorkshopSession.starts_at).label("starts"))
             .group_by(WorkshopSession.workshop_id).subquery())
    return (
        select(Enrolment, Workshop, User)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .join(User, User.id == Enrolment.user_id)
        .join(first, first.c.workshop_id == Workshop.id)
        .where(Enrolment.status == "enrolled", Enrolment.reminder_sent_at.is_(None),
               Workshop.status == "published", User.active.is_(True),
               first.c.starts > now, first.c.starts <= now + timedelta(hours=hours))
        .order_by(Workshop.id, Enrolment.id)
    )


def send_reminders(*, now: datetime | None = None, batch: int = 200) -> int:
    """Queue a reminder for every due enrolment and mark it, committing per batch.

    The mark and the email belong to one commit, so running the command twice (or on two
    servers at once: rows are locked and skipped) sends each reminder once.
    """
    sent = 0
    while True:
        stmt = due_reminders(now).limit(batch)
        if db.engine.dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=Enrolment, skip_locked=True)
        rows = db.session.execute(stmt).all()
        if not rows:
            return sent
        stamp = utcnow()
        loaded: dict[int, Workshop] = {}
        for enrolment, workshop, user in rows:
            enrolment.reminder_sent_at = stamp
            full = loaded.get(workshop.id) or loaded.setdefault(workshop.id, calendar_workshop(workshop.id))
            queue(message_for(enrolment, workshop, user, "reminder", full=full))
        db.session.commit()
        sent += len(rows)
        if len(rows) < batch:
            return sent


# --- Pages ---------------------------------------------------------------------------------------

ROSTER_TABS = {
    "enrolled": ("enrolled", "completed"),
    "waitlisted": ("waitlisted",),
    "requested": ("requested",),
    "closed": ("cancelled", "rejected"),
}


def roster_query(workshop_id: int, tab: str):
    """One tab of a workshop's roster, in queue order for the waitlist and requests."""
    order = (Enrolment.requested_at, Enrolment.id) if tab in ("waitlisted", "requested") \
        else (User.family_name, User.given_name, Enrolment.id)
    return (select(Enrolment).join(User, User.id == Enrolment.user_id)
            .where(Enrolment.workshop_id == workshop_id, Enrolment.status.in_(ROSTER_TABS[tab]))
            .options(selectinload(Enrolment.user))
            .order_by(*order))


def my_trainings_query(user_id: int, *, upcoming: bool, today=None):
    """A person's enrolments (not the cancelled or declined ones), upcoming or past."""
    today = today or scheduling.local_today()
    stmt = (select(Enrolment).join(Workshop, Workshop.id == Enrolment.workshop_id)
            .where(Enrolment.user_id == user_id)
            .options(selectinload(Enrolment.workshop).selectinload(Workshop.module),
                     selectinload(Enrolment.workshop).selectinload(Workshop.municipality),
                     selectinload(Enrolment.workshop).selectinload(Workshop.programme)))
    if upcoming:
        # "completed" too: a workshop still running can already be completed (its last day).
        return (stmt.where(Workshop.end_date >= today, Enrolment.status.in_(OPEN_STATUSES + ("completed", "rejected")))
                .order_by(Workshop.start_date, Workshop.id))
    return (stmt.where(Workshop.end_date < today, Enrolment.status.in_(HOLDS_PLACE))
            .order_by(Workshop.start_date.desc(), Workshop.id.desc()))


def _count_of(statuses: tuple[str, ...]):
    """A correlated count per workshop row (uses the (workshop_id, status, …) index): only the
    workshops on the page are counted, not every enrolment in the database."""
    return (select(func.count()).select_from(Enrolment)
            .where(Enrolment.workshop_id == Workshop.id, Enrolment.status.in_(statuses))
            .correlate(Workshop).scalar_subquery())


def _managed(stmt, user):
    """Restrict to workshops a trainer trains or created; managers and admins see all."""
    from lga.catalogue.models import workshop_trainer

    if user.has_role("manager", "admin"):
        return stmt
    trained = select(workshop_trainer.c.workshop_id).where(workshop_trainer.c.user_id == user.id)
    return stmt.where(or_(Workshop.id.in_(trained), Workshop.created_by_id == user.id))


def overview_query(user, *, today=None, scope: str = "upcoming"):
    """(workshop, taken, waitlisted, requested) rows for the managers' overview, counted in SQL."""
    today = today or scheduling.local_today()
    stmt = (select(Workshop, _count_of(HOLDS_PLACE), _count_of(("waitlisted",)), _count_of(("requested",)))
            .options(selectinload(Workshop.module), selectinload(Workshop.municipality),
                     selectinload(Workshop.programme)))
    if scope == "past":
        stmt = stmt.where(Workshop.end_date < today).order_by(Workshop.start_date.desc(), Workshop.id.desc())
    else:
        stmt = stmt.where(Workshop.end_date >= today, Workshop.status != "cancelled") \
            .order_by(Workshop.start_date, Workshop.id)
    return _managed(stmt, user)


def pending_requests_query(user):
    """Requests waiting for a decision, oldest first, in workshops this person manages."""
    stmt = (select(Enrolment).join(Workshop, Workshop.id == Enrolment.workshop_id)
            .where(Enrolment.status == "requested", Workshop.status == "published")
            .options(selectinload(Enrolment.user), selectinload(Enrolment.workshop))
            .order_by(Enrolment.requested_at, Enrolment.id))
    return _managed(stmt, user)


# --- Personal calendar feeds ---------------------------------------------------------------------

def feed_token(user: User, *, renew: bool = False) -> str:
    """The secret of a person's calendar feed, created on first use; ``renew`` revokes the old one."""
    import secrets

    from lga.enrolment.models import CalendarFeed

    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(32))
        db.session.add(feed)
        record("calendar_feed.created", user, actor=user, changes={})
    elif renew:
        feed.token = secrets.token_urlsafe(32)
        feed.created_at = utcnow()
        record("calendar_feed.renewed", user, actor=user, changes={})
    return feed.token


def feed_owner(token: str) -> User | None:
    from lga.enrolment.models import CalendarFeed

    if not token:
        return None
    return db.session.scalar(select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
                             .where(CalendarFeed.token == token, User.active.is_(True)))


def feed_revisions(user: User) -> dict[int, int]:
    """{workshop id: this person's calendar revision}, for the SEQUENCE of their feed."""
    return dict(db.session.execute(
        select(Enrolment.workshop_id, Enrolment.calendar_revision)
        .where(Enrolment.user_id == user.id, Enrolment.calendar_revision > 0)).tuples().all())


def feed_workshops(user: User, *, since_days: int = 90) -> list[Workshop]:
    """What a person's feed holds: workshops they hold a place in and, for a trainer, those they
    train — from three months back on. Waitlists and requests stay out until they become places."""
    from lga.catalogue.models import workshop_trainer

    since = scheduling.local_today() - timedelta(days=since_days)
    enrolled = select(Enrolment.workshop_id).where(
        Enrolment.user_id == user.id, Enrolment.status.in_(("enrolled", "completed")))
    trained = select(workshop_trainer.c.workshop_id).where(workshop_trainer.c.user_id == user.id)
    return db.session.scalars(
        select(Workshop).where(or_(Workshop.id.in_(enrolled), Workshop.id.in_(trained)),
                               Workshop.end_date >= since, Workshop.status != "draft")
        .options(selectinload(Workshop.module), selectinload(Workshop.municipality),
                 selectinload(Workshop.sessions).selectinload(WorkshopSession.trainer))
        .order_by(Workshop.start_date)
    ).all()
