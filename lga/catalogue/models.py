from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Column, Date, ForeignKey, Integer, Numeric, String, Table,
    Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lga.accounts.models import InstitutionType, Municipality, User, _in
from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db
from lga.i18n import localized

FORMATS = ("lecture", "discussion", "group_work", "information_exchange", "study_visit")
MODES = ("in_person", "virtual", "hybrid")
WORKSHOP_STATUSES = ("draft", "published", "cancelled")


class Programme(db.Model):
    """LGA, DEM, SSSM: a programme under which workshops run and are reported to a donor."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[dict] = mapped_column(JSON)
    donor: Mapped[dict] = mapped_column(JSON, default=dict)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def label(self, language: str | None = None) -> str:
        return localized(self.name, language)

    def donor_label(self, language: str | None = None) -> str:
        return localized(self.donor, language)

    def __str__(self) -> str:
        return f"{self.code} — {self.label()}"


class Module(db.Model):
    """A training module, defined in ``modules/<code>/module.yaml`` and loaded from there."""

    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    title: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    sources: Mapped[list] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped[Programme] = relationship(lazy="joined")
    topics: Mapped[list["ModuleTopic"]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="ModuleTopic.position", lazy="raise")
    outcomes: Mapped[list["LearningOutcome"]] = relationship(
        cascade="all, delete-orphan", order_by="LearningOutcome.position", lazy="raise")
    plan: Mapped[list["SessionPlanItem"]] = relationship(
        cascade="all, delete-orphan", order_by="SessionPlanItem.position", lazy="raise")
    readings: Mapped[list["ModuleReading"]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="ModuleReading.position", lazy="raise")

    __table_args__ = (CheckConstraint("hours > 0", name="positive_hours"),)

    def label(self, language: str | None = None) -> str:
        return localized(self.title, language)


class ModuleTopic(db.Model):
    __tablename__ = "module_topic"
    __table_args__ = (UniqueConstraint("module_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(80))
    title: Mapped[dict] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)

    module: Mapped[Module] = relationship(back_populates="topics")

    def label(self, language: str | None = None) -> str:
        return localized(self.title, language)


class LearningOutcome(db.Model):
    __tablename__ = "learning_outcome"
    __table_args__ = (UniqueConstraint("module_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[dict] = mapped_column(JSON)

    def label(self, language: str | None = None) -> str:
        return localized(self.text, language)


class SessionPlanItem(db.Model):
    """One session of a module's standard plan (copied into workshops when scheduling)."""

    __tablename__ = "session_plan_item"
    __table_args__ = (
        UniqueConstraint("module_id", "position"),
        CheckConstraint(_in("format", FORMATS), name="known_format"),
        CheckConstraint("minutes > 0", name="positive_minutes"),
        CheckConstraint("day >= 1", name="positive_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    day: Mapped[int] = mapped_column(Integer, default=1)
    format: Mapped[str] = mapped_column(String(30))
    title: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    minutes: Mapped[int] = mapped_column(Integer)
    topic_id: Mapped[Optional[int]] = mapped_column(ForeignKey("module_topic.id", ondelete="SET NULL"))

    topic: Mapped[Optional[ModuleTopic]] = relationship(lazy="raise")

    def label(self, language: str | None = None) -> str:
        return localized(self.title, language)


class ModuleReading(db.Model):
    """Reading notes of a module: Markdown per language, sanitised when shown."""

    __tablename__ = "module_reading"
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON)
    body: Mapped[dict] = mapped_column(JSON)

    module: Mapped[Module] = relationship(back_populates="readings")

    def label(self, language: str | None = None) -> str:
        return localized(self.title, language)


workshop_trainer = Table(
    "workshop_trainer",
    db.metadata,
    Column("workshop_id", ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True),
)


workshop_target_institution = Table(
    "workshop_target_institution",
    db.metadata,
    Column("workshop_id", ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_type_id", ForeignKey("institution_type.id", ondelete="CASCADE"), primary_key=True),
)


class Workshop(db.Model):
    """One delivery of a module: dates, mode, place or meeting link, capacity, trainers."""

    __tablename__ = "workshop"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("capacity > 0", name="positive_capacity"),
        CheckConstraint(_in("mode", MODES), name="known_mode"),
        CheckConstraint(_in("status", WORKSHOP_STATUSES), name="known_status"),
        CheckConstraint("enrol_closes_at IS NULL OR enrol_opens_at IS NULL OR enrol_closes_at > enrol_opens_at",
                        name="enrolment_window_in_order"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        CheckConstraint("online_share IS NULL OR (online_share BETWEEN 1 AND 100)", name="online_share_percent"),
        CheckConstraint("completion_share IS NULL OR (completion_share BETWEEN 1 AND 100)",
                        name="completion_share_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[Optional[str]] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="sq")
    mode: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    venue: Mapped[Optional[str]] = mapped_column(String(200))
    municipality_id: Mapped[Optional[int]] = mapped_column(ForeignKey("municipality.id"), index=True)
    meeting_url: Mapped[Optional[str]] = mapped_column(String(500))
    capacity: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[str] = mapped_column(String(20), default="published")
    # Enrolment rules: the window (open when empty), approval, and until when trainees may cancel.
    enrol_opens_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    enrol_closes_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Percent of a session's minutes online that count as present (empty: the platform's 75%).
    online_share: Mapped[Optional[int]] = mapped_column(Integer)
    # Completion rule: percent of the sessions attended (present or late); empty: the platform's 80%.
    completion_share: Mapped[Optional[int]] = mapped_column(Integer)
    # Completion rule: the participant's evaluation must be submitted too.
    evaluation_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # iCalendar SEQUENCE: grows with every change calendars must pick up.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    module: Mapped[Module] = relationship(lazy="raise")
    programme: Mapped[Programme] = relationship(lazy="raise")
    municipality: Mapped[Optional[Municipality]] = relationship(lazy="raise")
    trainers: Mapped[list[User]] = relationship(secondary=workshop_trainer, lazy="raise")
    target_institutions: Mapped[list[InstitutionType]] = relationship(
        secondary=workshop_target_institution, lazy="raise", order_by=InstitutionType.position)
    sessions: Mapped[list["WorkshopSession"]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="WorkshopSession.starts_at", lazy="raise")

    @property
    def is_online(self) -> bool:
        return self.mode in ("virtual", "hybrid")


class WorkshopSession(db.Model):
    __tablename__ = "workshop_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_in_order"),
        CheckConstraint(_in("format", FORMATS), name="known_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(30))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[Optional[str]] = mapped_column(String(200))
    meeting_url: Mapped[Optional[str]] = mapped_column(String(500))
    trainer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # Self check-in is accepted in this window, which the trainer opens from the check-in screen.
    checkin_opens_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    checkin_closes_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    workshop: Mapped[Workshop] = relationship(back_populates="sessions")
    trainer: Mapped[Optional[User]] = relationship(lazy="raise")
