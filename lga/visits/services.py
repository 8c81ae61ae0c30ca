"""The rules of study visits: the plan a trainer edits, and the one report each participant
files after the visit, until a trainer accepts it.

Who may file a report: a participant of the workshop (enrolled or completed) once the visit
session has ended, unless the roll call recorded them as absent or excused (they were not on
the visit). A participant not yet in the roll call may file: roll calls are often taken late.

Every function raises ``VisitError`` (nothing written) when a rule is broken.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lga.attendance.models import Attendance
from lga.audit.services import record, record_update
from lga.catalogue.models import Workshop, WorkshopSession
from lga.catalogue.scheduling import may_edit, to_local, to_utc
from lga.db_types import utcnow
from lga.extensions import db
from lga.visits.models import VisitPlan, VisitReport, VisitStop
from lga.enrolment.services import holds_place  # noqa: F401  (part of this module's rules)

STUDY_VISIT = "study_visit"
TEXT_MAX = 5000  # a logistics note
PLACE_MAX = 200
ADDRESS_MAX = 300
NOTE_MAX = 1000
MAX_STOPS = 30
REPORT_MAX = 3000  # each of the report's two parts
REVIEW_MAX = 2000
NOT_THERE = ("absent", "excused")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class VisitError(Exception):
    """A rule was broken; the message is translatable text for the person."""


def load_session(session_id: int) -> WorkshopSession | None:
    """A study-visit session with its workshop and trainers; None for any other session."""
    session = db.session.scalar(
        select(WorkshopSession).where(WorkshopSession.id == session_id)
        .options(joinedload(WorkshopSession.workshop).selectinload(Workshop.trainers)))
    return session if session is not None and session.format == STUDY_VISIT else None


def is_staff(session: WorkshopSession, user) -> bool:
    return may_edit(session.workshop, user)


def plan_of(session_id: int) -> VisitPlan | None:
    return db.session.scalar(select(VisitPlan).where(VisitPlan.session_id == session_id))


def report_of(session_id: int, user_id: int) -> VisitReport | None:
    return db.session.scalar(select(VisitReport).where(VisitReport.session_id == session_id,
                                                       VisitReport.user_id == user_id)
                             .options(joinedload(VisitReport.reviewed_by)))


def reports_query(session_id: int):
    """A visit's reports for the trainer: waiting ones first, then by name."""
    from lga.accounts.models import User

    waiting_first = (VisitReport.status != "submitted")
    return (select(VisitReport).join(User, User.id == VisitReport.user_id)
            .where(VisitReport.session_id == session_id)
            .options(joinedload(VisitReport.user))
            .order_by(waiting_first, User.family_name, User.given_name, VisitReport.id))


# --- The plan ------------------------------------------------------------------------------------

@dataclass
class StopInput:
    """One row of the itinerary form, as typed."""
    position: str = ""
    at: str = ""
    place: str = ""
    address: str = ""
    note: str = ""
    remove: bool = False

    @property
    def blank(self) -> bool:
        return not (self.at.strip() or self.place.strip() or self.address.strip() or self.note.strip())


def parse_time(value: str, label) -> time:
    match = _TIME.match((value or "").strip())
    if not match:
        raise VisitError(_l("%(what)s: write the time as HH:MM, for example 09:30.", what=label))
    return time(int(match.group(1)), int(match.group(2)))


def _moment(session: WorkshopSession, at: time) -> datetime:
    """A wall-clock time on the visit's day (Kosovo time) as UTC."""
    return to_utc(to_local(session.starts_at).date(), at)


def _text(value: str | None, limit: int, label) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise VisitError(_l("%(what)s can be at most %(n)d characters long.", what=label, n=limit))
    return value or None


def save_plan(session: WorkshopSession, values: dict, stops: list[StopInput], *, actor,
              municipality_ids: set[int]) -> VisitPlan:
    """Validate everything, then write the plan and its whole itinerary (one transaction)."""
    host_municipality_id = values.get("host_municipality_id") or None
    if host_municipality_id is not None and host_municipality_id not in municipality_ids:
        raise VisitError(_l("Please choose a municipality from the list."))
    fields = {
        "host_institution": _text(values.get("host_institution"), PLACE_MAX, _l("The host institution")),
        "host_municipality_id": host_municipality_id,
        "meeting_point": _text(values.get("meeting_point"), PLACE_MAX, _l("The meeting point")),
        "transport": _text(values.get("transport"), TEXT_MAX, _l("Transport")),
        "what_to_bring": _text(values.get("what_to_bring"), TEXT_MAX, _l("What to bring")),
        "notes": _text(values.get("notes"), TEXT_MAX, _l("Other notes")),
        "meeting_at": None,
    }
    if (values.get("meeting_time") or "").strip():
        meeting_at = _moment(session, parse_time(values["meeting_time"], _l("Meeting time")))
        if meeting_at > session.ends_at:
            raise VisitError(_l("The meeting time must be before the visit ends."))
        fields["meeting_at"] = meeting_at
    rows = _validate_stops(session, stops)
    plan = plan_of(session.id)
    created = plan is None
    if created:
        plan = VisitPlan(session_id=session.id)
        db.session.add(plan)
        db.session.flush()
    record_update("visit.plan_saved", plan, fields, actor=actor)
    old = [(s.at, s.place) for s in plan.stops]
    new = [(row["at"], row["place"]) for row in rows]
    # Old stops go first (their positions are reused by the new ones).
    plan.stops.clear()
    db.session.flush()
    plan.stops.extend(VisitStop(position=i, **row) for i, row in enumerate(rows))
    db.session.flush()
    if old != new or created:
        record("visit.itinerary_saved", plan, actor=actor,
               changes={"stops": ([f"{to_local(a):%H:%M} {p}" for a, p in old],
                                  [f"{to_local(a):%H:%M} {p}" for a, p in new])})
    return plan


def _validate_stops(session: WorkshopSession, stops: list[StopInput]) -> list[dict]:
    kept = [s for s in stops if not s.remove and not s.blank]
    if len(kept) > MAX_STOPS:
        raise VisitError(_l("An itinerary can have at most %(n)d stops.", n=MAX_STOPS))
    ordered = []
    for index, stop in enumerate(kept):
        try:
            order = int(stop.position) if stop.position.strip() else 1000 + index
        except ValueError:
            raise VisitError(_l("Stop %(n)d: the order must be a number.", n=index + 1)) from None
        ordered.append((order, index, stop))
    ordered.sort(key=lambda item: (item[0], item[1]))
    rows, previous = [], None
    start, end = to_local(session.starts_at), to_local(session.ends_at)
    for number, (_order, _index, stop) in enumerate(ordered, start=1):
        label = _l("Stop %(n)d", n=number)
        place = " ".join(stop.place.split())
        if not place:
            raise VisitError(_l("Stop %(n)d: please name the place.", n=number))
        at = _moment(session, parse_time(stop.at, label))
        if not (session.starts_at <= at <= session.ends_at):
            raise VisitError(_l("Stop %(n)d (%(time)s) is outside the visit, which runs %(start)s–%(end)s.",
                                n=number, time=stop.at.strip(), start=f"{start:%H:%M}", end=f"{end:%H:%M}"))
        if previous is not None and at < previous:
            raise VisitError(_l("Stop %(n)d (%(time)s) comes before the stop above it: the stops must be in "
                                "the order of their times.", n=number, time=stop.at.strip()))
        previous = at
        rows.append({"at": at, "place": _text(place, PLACE_MAX, label),
                     "address": _text(stop.address, ADDRESS_MAX, _l("The address")),
                     "note": _text(stop.note, NOTE_MAX, _l("The note"))})
    return rows


# --- Reports -------------------------------------------------------------------------------------

def may_report(session: WorkshopSession, user, now: datetime | None = None) -> tuple[bool, str | None]:
    """(may file or edit a report now, the reason if not)."""
    now = now or utcnow()
    if not holds_place(session.workshop_id, user.id):
        return False, str(_l("Only the workshop's participants can write a visit report."))
    if now < session.ends_at:
        return False, str(_l("You can write your visit report once the visit has ended."))
    status = db.session.scalar(select(Attendance.status).where(Attendance.session_id == session.id,
                                                               Attendance.user_id == user.id))
    if status in NOT_THERE:
        return False, str(_l("The roll call shows you were not on this visit, so you cannot report on it."))
    return True, None


def submit_report(session: WorkshopSession, user, observed: str | None, to_apply: str | None,
                  now: datetime | None = None) -> VisitReport:
    now = now or utcnow()
    allowed, reason = may_report(session, user, now)
    if not allowed:
        raise VisitError(reason)
    observed, to_apply = (observed or "").strip(), (to_apply or "").strip()
    if not observed or not to_apply:
        raise VisitError(_l("Please answer both questions of the report."))
    if len(observed) > REPORT_MAX or len(to_apply) > REPORT_MAX:
        raise VisitError(_l("Each answer can be at most %(n)d characters long.", n=REPORT_MAX))
    report = report_of(session.id, user.id)
    if report is None:
        report = VisitReport(session_id=session.id, user_id=user.id, observed=observed, to_apply=to_apply,
                             status="submitted", submitted_at=now, updated_at=now)
        db.session.add(report)
        db.session.flush()
        record("visit.report_submitted", report, actor=user, changes={"status": (None, "submitted")})
        return report
    if not report.editable:
        raise VisitError(_l("Your report was accepted and can no longer be changed."))
    changes = record_update("visit.report_edited", report,
                            {"observed": observed, "to_apply": to_apply, "status": "submitted"}, actor=user)
    if changes:
        report.updated_at = now
    return report


def review_report(report: VisitReport, decision: str, comment: str | None, *, actor,
                  now: datetime | None = None) -> None:
    comment = (comment or "").strip()
    if decision not in ("accepted", "changes_requested"):
        raise VisitError(_l("Please choose to accept the report or to ask for changes."))
    if report.status == "accepted":
        raise VisitError(_l("This report is already accepted."))
    if decision == "changes_requested" and not comment:
        raise VisitError(_l("Please say which changes you ask for."))
    if len(comment) > REVIEW_MAX:
        raise VisitError(_l("A comment can be at most %(n)d characters long.", n=REVIEW_MAX))
    record_update("visit.report_reviewed", report, {"status": decision, "review_comment": comment or None,
                                                    "reviewed_by_id": actor.id}, actor=actor)
    report.reviewed_at = now or utcnow()
    _tell_author(report)


def _tell_author(report: VisitReport) -> None:
    """The participant hears of the review by email, in their language."""
    from lga.accounts.models import User
    from lga.mail import build_message, queue
    from lga.web import external_url

    user = db.session.get(User, report.user_id)
    session = db.session.get(WorkshopSession, report.session_id)
    if user is None or not user.active:
        return
    queue(build_message(
        user.email, user.locale, lambda: _l('Your report on "%(title)s" was reviewed', title=session.title),
        "visit_report_reviewed", user=user, report=report, session=session,
        url=external_url("visits.plan", session_id=session.id) + "#report"))
