from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db


class OutgoingEmail(db.Model):
    """An email written in the same transaction as the change it reports (a transactional outbox).

    Small batches go out right after the commit; big ones (a staff-list import invites
    thousands) and anything the mail server refused are sent by ``flask lga send-mail``.
    Nothing is told of a change that rolled back, and no email is lost when SMTP is down.
    Once sent, the message body is cleared (it may hold an invitation link); the row itself is
    deleted after a while by ``purge_sent``.
    """

    __tablename__ = "outgoing_email"
    __table_args__ = (Index("ix_outgoing_email_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sender: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[list] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(300))
    message: Mapped[bytes] = mapped_column(LargeBinary)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[Optional[str]] = mapped_column(String(200))
    # Which sender took it (with next_attempt_at as its lease), so two senders never send it twice.
    claim: Mapped[Optional[str]] = mapped_column(String(32))
