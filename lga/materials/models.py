"""A workshop's materials: uploaded files (stored outside the database), links and notes."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lga.accounts.models import User, _in
from lga.catalogue.models import WorkshopSession
from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db

KINDS = ("file", "link", "note")
KIND_LABELS = {"file": _l("File"), "link": _l("Link"), "note": _l("Note")}


class Material(db.Model):
    __tablename__ = "material"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="known_kind"),
        CheckConstraint("kind != 'file' OR (storage_key IS NOT NULL AND filename IS NOT NULL)", name="file_stored"),
        CheckConstraint("kind != 'link' OR url IS NOT NULL", name="link_has_url"),
        CheckConstraint("kind != 'note' OR body IS NOT NULL", name="note_has_body"),
        CheckConstraint("size IS NULL OR size >= 0", name="size_not_negative"),
        # A workshop's list, in the trainer's order.
        Index("ix_material_workshop_position", "workshop_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    # Empty: for the workshop as a whole; a session's material falls back to that if the session goes.
    session_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workshop_session.id", ondelete="SET NULL"),
                                                      index=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[Optional[str]] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Participants see it when it is visible and (if set) from this moment on; staff always do.
    is_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    visible_from: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    url: Mapped[Optional[str]] = mapped_column(String(1000))
    body: Mapped[Optional[str]] = mapped_column(Text)
    storage_key: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    filename: Mapped[Optional[str]] = mapped_column(String(255))
    content_type: Mapped[Optional[str]] = mapped_column(String(120))
    size: Mapped[Optional[int]] = mapped_column(Integer)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    session: Mapped[Optional[WorkshopSession]] = relationship(lazy="raise")
    created_by: Mapped[Optional[User]] = relationship(lazy="raise")

    def shown_at(self, moment: datetime) -> bool:
        return self.is_visible and (self.visible_from is None or self.visible_from <= moment)
