from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import (CheckConstraint, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lga.accounts.models import User, _in
from lga.catalogue.models import WorkshopSession
from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db

STATUSES = ("present", "late", "partial", "excused", "absent")
STATUS_LABELS = {"present": _l("Present"), "late": _l("Late"), "partial": _l("Partly"), "excused": _l("Excused"),
                 "absent": _l("Absent")}
# Statuses that count as having attended the session (for completion rules).
ATTENDED = ("present", "late")
SOURCES = ("roll_call", "qr", "zoom", "teams")


class Attendance(db.Model):
    """One person's attendance of one session: the latest word on it (changes go to the audit trail)."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="one_per_session"),
        CheckConstraint(_in("status", STATUSES), name="known_status"),
        CheckConstraint(_in("source", SOURCES), name="known_source"),
        CheckConstraint("minutes_online IS NULL OR minutes_online >= 0", name="minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_session.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10), default="roll_call")
    minutes_online: Mapped[Optional[int]] = mapped_column(Integer)
    checked_in_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    note: Mapped[Optional[str]] = mapped_column(Text)
    # The one-time check-in ticket used (QR check-in): a ticket forwarded to someone else is refused.
    checkin_ticket: Mapped[Optional[str]] = mapped_column(String(32), unique=True)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session: Mapped[WorkshopSession] = relationship(lazy="raise")
    user: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])


class ParticipationDay(db.Model):
    """What a place holder took part in on one (Kosovo) day of a workshop: kept by
    ``lga.attendance.participation`` from the attendance, the places and the timetable, so that
    the outreach figures read about a quarter of the rows, with no joins to sessions or places.

    Only participations count (present, late, partial) of people who hold a place (enrolled or
    completed); ``minutes`` are the session's for present and late, the minutes online (at most
    the session's) for partial."""

    __tablename__ = "participation_day"
    __table_args__ = (Index("ix_participation_day_day_workshop", "day", "workshop_id"),)

    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    participations: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[float] = mapped_column(Float)


class Certificate(db.Model):
    """Proof that someone completed a workshop, checkable by anyone at /verify/<code>."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[Optional[str]] = mapped_column(Text)
    # Empty on a revoked certificate: withdrawn automatically (completion was corrected away),
    # so it comes back if completion does; a manager's revocation stays.
    revoked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None


class AttendanceUpload(db.Model):
    """A Zoom or Teams report waiting between its preview (with matching by hand) and its
    confirmation; kept in the database so any app server can confirm it, removed once written."""

    __tablename__ = "attendance_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_session.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
