from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lga.accounts.models import User, _in
from lga.catalogue.models import Workshop
from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db

# requested -> enrolled | waitlisted | rejected; waitlisted -> enrolled; any open one -> cancelled;
# enrolled -> completed (attendance decides that later).
STATUSES = ("requested", "enrolled", "waitlisted", "rejected", "cancelled", "completed")
OPEN_STATUSES = ("requested", "enrolled", "waitlisted")
HOLDS_PLACE = ("enrolled", "completed")
SOURCES = ("self", "staff", "import")
STATUS_LABELS = {"requested": _l("Requested"), "enrolled": _l("Enrolled"), "waitlisted": _l("Waitlisted"),
                 "completed": _l("Completed"), "rejected": _l("Declined"), "cancelled": _l("Cancelled")}


class Enrolment(db.Model):
    """A person's place (or wish for one) in a workshop. One row per person and workshop."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("workshop_id", "user_id", name="one_per_person"),
        CheckConstraint(_in("status", STATUSES), name="known_status"),
        CheckConstraint(_in("source", SOURCES), name="known_source"),
        # Waitlist and request queues are read in this order.
        Index("ix_enrolment_queue", "workshop_id", "status", "requested_at"),
        Index("ix_enrolment_person", "user_id", "status"),
        # Pending requests across workshops (the managers' overview), oldest first.
        Index("ix_enrolment_status", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(8), default="self")
    # When the person asked (or was put) in the queue: first come, first served.
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[Optional[str]] = mapped_column(Text)
    cancelled_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Grows when this person's copy of the workshop's calendar changes on its own (they cancel,
    # they come back): added to the workshop's SEQUENCE so their calendar app takes the change.
    calendar_revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    workshop: Mapped[Workshop] = relationship(lazy="raise")
    user: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])
    decided_by: Mapped[Optional[User]] = relationship(lazy="raise", foreign_keys=[decided_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CalendarFeed(db.Model):
    """The secret behind a person's calendar subscription URL; replacing it revokes the old URL."""

    __tablename__ = "calendar_feed"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffImport(db.Model):
    """An uploaded staff list waiting between preview and confirmation (kept in the database so
    any app server can confirm it); removed once written or abandoned."""

    __tablename__ = "staff_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
