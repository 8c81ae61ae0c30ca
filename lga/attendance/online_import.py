"""Online attendance: a Zoom or Teams report matched to a session's people and written.

Minutes count only inside the session's scheduled time (joining early or staying on after the
end adds nothing). Someone online for at least the workshop's share of the session (75% unless
the workshop says otherwise) is present; less is partial. People are matched by email first,
then by name with Albanian and Serbian letters folded; whoever cannot be matched is listed for a
person to match by hand. Writing is idempotent: importing the same report twice changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from lga.accounts.models import User
from lga.attendance import completion
from lga.attendance.models import Attendance
from lga.attendance.online_report import OnlineReport, Participant, fold_name, merge_intervals
from lga.audit.services import record
from lga.catalogue.models import Workshop, WorkshopSession
from lga.db_types import utcnow
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.extensions import db

DEFAULT_SHARE = 75  # percent of the session's minutes that make someone present
# A trainer's word in the room is not overruled by a meeting report.
KEPT_STATUSES = ("present", "late", "excused")


class MatchError(Exception):
    """The report cannot be written as it is; the message is translatable text for the user."""


@dataclass
class Match:
    participant: Participant
    user: User | None
    minutes: int  # inside the session's time
    status: str | None  # "present" or "partial" for a matched person
    by: str | None = None  # "email", "name" or "manual"
    index: int = 0  # the participant's position in the report (what a choice by hand refers to)


@dataclass
class Plan:
    session: WorkshopSession
    platform: str
    share: int
    matches: list[Match] = field(default_factory=list)
    people: list[User] = field(default_factory=list)  # whom rows can be matched to, by family name

    @property
    def matched(self) -> list[Match]:
        return [m for m in self.matches if m.user is not None]

    @property
    def unmatched(self) -> list[Match]:
        return [m for m in self.matches if m.user is None]


def _clipped_minutes(participant: Participant, starts: datetime, ends: datetime) -> int:
    inside = [(max(a, starts), min(b, ends)) for a, b in participant.intervals if b > starts and a < ends]
    return int(sum(((b - a).total_seconds() for a, b in merge_intervals(inside)), 0.0) // 60)


def people(session: WorkshopSession) -> list[User]:
    """The people holding a place in the session's workshop (whom a report can be matched to)."""
    return db.session.scalars(
        select(User).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.workshop_id == session.workshop_id, Enrolment.status.in_(HOLDS_PLACE))
    ).all()


def plan(report: OnlineReport, session: WorkshopSession, *, manual: dict[int, int] | None = None) -> Plan:
    """Match the report's participants to the people holding a place.

    ``manual`` maps a participant's position in ``report.participants`` to a user id chosen by
    hand; it must be someone holding a place in the workshop.
    """
    workshop = db.session.get(Workshop, session.workshop_id)
    share = workshop.online_share or DEFAULT_SHARE
    people_ = people(session)
    by_id = {p.id: p for p in people_}
    by_email = {p.email.lower(): p for p in people_}
    by_name: dict[str, list[User]] = {}
    for person in people_:
        for variant in {fold_name(f"{person.given_name} {person.family_name}"),
                        fold_name(f"{person.family_name} {person.given_name}")}:
            by_name.setdefault(variant, []).append(person)
    session_minutes = max(int((session.ends_at - session.starts_at).total_seconds() // 60), 1)
    result = Plan(session=session, platform=report.platform, share=share,
                  people=sorted(people_, key=lambda p: (fold_name(p.family_name), fold_name(p.given_name), p.id)))
    taken: set[int] = set()
    for index, participant in enumerate(report.participants):
        user, by = None, None
        if manual and index in manual:
            user, by = by_id.get(manual[index]), "manual"
            if user is None:
                raise MatchError(_l("Only people holding a place in this workshop can be matched."))
        elif participant.email and participant.email.lower() in by_email:
            user, by = by_email[participant.email.lower()], "email"
        else:
            candidates = by_name.get(fold_name(participant.name), [])
            if len(candidates) == 1:  # two people with one name: a person decides
                user, by = candidates[0], "name"
        minutes = _clipped_minutes(participant, session.starts_at, session.ends_at)
        if user is not None and user.id in taken:  # the same person under two names: add up
            earlier = next(m for m in result.matches if m.user is not None and m.user.id == user.id)
            earlier.minutes = min(earlier.minutes + minutes, session_minutes)
            earlier.status = "present" if earlier.minutes * 100 >= share * session_minutes else "partial"
            result.matches.append(Match(participant, None, minutes, None, "duplicate", index))
            continue
        status = None
        if user is not None:
            taken.add(user.id)
            status = "present" if minutes * 100 >= share * session_minutes else "partial"
        result.matches.append(Match(participant, user, minutes, status, by, index))
    if result.matches and not any(m.minutes for m in result.matches):
        raise MatchError(_l("Nobody in this report was in the meeting during the session (%(when)s). "
                            "Check that you chose the session the meeting was for.",
                            when=_session_time(session)))
    return result


def existing(session: WorkshopSession, user_ids) -> dict[int, Attendance]:
    """What is recorded already for these people in the session (shown beside the report's word)."""
    ids = list(user_ids)
    if not ids:
        return {}
    return {a.user_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.session_id == session.id, Attendance.user_id.in_(ids)))}


def _session_time(session: WorkshopSession) -> str:
    return f"{format_datetime(session.starts_at, 'd.M.yyyy HH:mm')}–{format_datetime(session.ends_at, 'HH:mm')}"


def purge_abandoned(hours: int = 24) -> int:
    """Delete uploaded reports nobody confirmed or cancelled: they hold names and emails."""
    from lga.attendance.models import AttendanceUpload

    cutoff = utcnow() - timedelta(hours=hours)
    return db.session.execute(delete(AttendanceUpload).where(AttendanceUpload.created_at < cutoff)).rowcount


def apply(result: Plan, *, actor) -> int:
    """Write the matched people's minutes and status; returns how many records changed."""
    session = result.session
    source = result.platform if result.platform in ("zoom", "teams") else "zoom"
    existing = {a.user_id: a for a in db.session.scalars(
        select(Attendance).where(Attendance.session_id == session.id))}
    changed = 0
    for match in result.matched:
        row = existing.get(match.user.id)
        old_status = row.status if row else None
        old_minutes = row.minutes_online if row else None
        status = old_status if old_status in KEPT_STATUSES and row.source in ("roll_call", "qr") else match.status
        if row is not None and row.status == status and row.minutes_online == match.minutes:
            continue
        if row is None:
            row = Attendance(session_id=session.id, user_id=match.user.id, status=status, source=source)
            db.session.add(row)
        else:
            row.status = status
            if row.source not in ("roll_call", "qr"):
                row.source = source
        row.minutes_online = match.minutes
        row.recorded_by_id = actor.id if actor is not None else None
        db.session.flush()
        record("attendance.changed", row, actor=actor, changes={
            "session_id": (None, session.id), "user_id": (None, match.user.id), "status": (old_status, status),
            "minutes_online": (old_minutes, match.minutes), "source": (None, source)})
        changed += 1
    if changed:
        completion.recompute(session.workshop_id, [m.user.id for m in result.matched], actor=actor)
    return changed
