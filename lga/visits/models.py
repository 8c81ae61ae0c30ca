"""A study visit's plan (host, itinerary, logistics) and the participants' visit reports."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lga.accounts.models import Municipality, User, _in
from lga.catalogue.models import WorkshopSession
from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db

REPORT_STATUSES = ("submitted", "accepted", "changes_requested")
REPORT_STATUS_LABELS = {"submitted": _l("Waiting for review"), "accepted": _l("Accepted"),
                        "changes_requested": _l("Changes requested")}


class VisitPlan(db.Model):
    """The plan of one study-visit session."""

    __tablename__ = "visit_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_session.id", ondelete="CASCADE"), unique=True)
    host_institution: Mapped[Optional[str]] = mapped_column(String(200))
    host_municipality_id: Mapped[Optional[int]] = mapped_column(ForeignKey("municipality.id"), index=True)
    meeting_point: Mapped[Optional[str]] = mapped_column(String(200))
    meeting_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    transport: Mapped[Optional[str]] = mapped_column(Text)  # Markdown
    what_to_bring: Mapped[Optional[str]] = mapped_column(Text)  # Markdown
    notes: Mapped[Optional[str]] = mapped_column(Text)  # Markdown
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session: Mapped[WorkshopSession] = relationship(lazy="raise")
    host_municipality: Mapped[Optional[Municipality]] = relationship(lazy="joined")
    stops: Mapped[list["VisitStop"]] = relationship(
        cascade="all, delete-orphan", order_by="VisitStop.position", lazy="selectin")


class VisitStop(db.Model):
    """One stop of the itinerary, in the order of ``position``."""

    __tablename__ = "visit_stop"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("visit_plan.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    address: Mapped[Optional[str]] = mapped_column(String(300))
    note: Mapped[Optional[str]] = mapped_column(Text)


class VisitReport(db.Model):
    """One participant's report of one study visit, reviewed by a trainer."""

    __tablename__ = "visit_report"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="one_report_per_person"),
        CheckConstraint(_in("status", REPORT_STATUSES), name="known_status"),
        # The trainer's list: a visit's reports, waiting ones first.
        Index("ix_visit_report_session", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_session.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    observed: Mapped[str] = mapped_column(Text)  # Markdown: what they saw
    to_apply: Mapped[str] = mapped_column(Text)  # Markdown: what they would apply in their municipality
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    review_comment: Mapped[Optional[str]] = mapped_column(Text)

    user: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])
    reviewed_by: Mapped[Optional[User]] = relationship(lazy="raise", foreign_keys=[reviewed_by_id])

    @property
    def editable(self) -> bool:
        """The author may change it until a trainer accepts it (after a request for changes, again)."""
        return self.status != "accepted"
