"""A workshop's discussion board: threads, their posts, who follows what and how.

A thread's first post is its opening message; the rest are replies. ``post_count`` and
``last_post_at`` are kept on the thread so that the board lists threads without counting.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lga.accounts.models import User, _in
from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db

MODES = ("immediate", "digest")
MODE_LABELS = {"immediate": _l("An email for every new post"), "digest": _l("One email a day (daily digest)")}


class DiscussionThread(db.Model):
    __tablename__ = "discussion_thread"
    __table_args__ = (
        CheckConstraint("post_count >= 0", name="post_count_not_negative"),
        # The board: pinned first, then the latest activity.
        Index("ix_discussion_thread_board", "workshop_id", "pinned", "last_post_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Optional[User]] = relationship(lazy="raise")

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)


class DiscussionPost(db.Model):
    __tablename__ = "discussion_post"
    # A thread's page: its posts in order.
    __table_args__ = (Index("ix_discussion_post_thread", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("discussion_thread.id", ondelete="CASCADE"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    thread: Mapped[DiscussionThread] = relationship(lazy="raise")
    author: Mapped[Optional[User]] = relationship(lazy="raise", foreign_keys=[author_id])


class BoardSubscription(db.Model):
    """Follows every new post of a workshop's board."""

    __tablename__ = "discussion_board_subscription"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThreadSubscription(db.Model):
    """Follows the replies of one thread (its author does from the start)."""

    __tablename__ = "discussion_thread_subscription"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("discussion_thread.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DiscussionPreference(db.Model):
    """How a person wants to hear of new posts: at once, or in one email a day. No row: at once."""

    __tablename__ = "discussion_preference"
    __table_args__ = (CheckConstraint(_in("mode", MODES), name="known_mode"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(10), default="immediate")


class DigestItem(db.Model):
    """A post waiting for a person's next daily digest; removed when the digest is queued, in the
    same transaction, so that each post goes into one digest once."""

    __tablename__ = "discussion_digest_item"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("discussion_post.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
