"""Groups of a workshop, group tasks, and each group's shared submission with its history."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Optional

from sqlalchemy import (
    JSON, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lga.accounts.models import User
from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db


class WorkGroup(db.Model):
    __tablename__ = "work_group"
    __table_args__ = (Index("ix_work_group_workshop_position", "workshop_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list["GroupMember"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="raise")


class GroupMember(db.Model):
    """A person in a group; a person is in at most one group of a workshop."""

    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("workshop_id", "user_id", name="one_group_per_person"),)

    group_id: Mapped[int] = mapped_column(ForeignKey("work_group.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    # The group's workshop, repeated so that the database itself keeps one group per person.
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))

    group: Mapped[WorkGroup] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="raise")


class GroupTask(db.Model):
    __tablename__ = "group_task"
    __table_args__ = (CheckConstraint("max_mark IS NULL OR max_mark > 0", name="positive_max_mark"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[Optional[str]] = mapped_column(Text)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    max_mark: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 2))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupSubmission(db.Model):
    """A group's one shared answer to a task: its current text and version, and the feedback."""

    __tablename__ = "group_submission"
    __table_args__ = (
        UniqueConstraint("task_id", "group_id", name="one_submission_per_group"),
        CheckConstraint("version >= 1", name="positive_version"),
        CheckConstraint("mark IS NULL OR mark >= 0", name="mark_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("group_task.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("work_group.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    text: Mapped[Optional[str]] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    feedback: Mapped[Optional[str]] = mapped_column(Text)
    mark: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 2))
    feedback_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    feedback_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    updated_by: Mapped[Optional[User]] = relationship(foreign_keys=[updated_by_id], lazy="raise")
    feedback_by: Mapped[Optional[User]] = relationship(foreign_keys=[feedback_by_id], lazy="raise")


class SubmissionVersion(db.Model):
    """One saved state of a submission: who saved it, when, its text, and what changed."""

    __tablename__ = "submission_version"
    __table_args__ = (UniqueConstraint("submission_id", "number", name="one_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("group_submission.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[Optional[str]] = mapped_column(Text)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {"text": changed?, "added": [file names], "removed": [file names]}
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    author: Mapped[Optional[User]] = relationship(lazy="raise")


class SubmissionFile(db.Model):
    """A file of a submission, part of the versions from ``added_in`` until ``removed_in`` (kept
    in storage while the submission exists, so that every version stays whole)."""

    __tablename__ = "submission_file"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        CheckConstraint("removed_in IS NULL OR removed_in > added_in", name="removed_after_added"),
        Index("ix_submission_file_current", "submission_id", "removed_in"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("group_submission.id", ondelete="CASCADE"))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    added_in: Mapped[int] = mapped_column(Integer)
    removed_in: Mapped[Optional[int]] = mapped_column(Integer)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
