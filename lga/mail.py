"""Email in the recipient's language, sent over SMTP with Flask-Mail.

Templates live in ``templates/email/<name>.txt`` (and optionally ``.html``); the subject is
a translatable string. Development without an SMTP server writes messages to
``instance/outbox/`` instead (see config ``MAIL_SUPPRESS_SEND``).
"""
from __future__ import annotations

import smtplib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Attachment, Message, email_dispatched
from jinja2 import TemplateNotFound
from sqlalchemy import event
from sqlalchemy.orm import Session

from lga.extensions import mail
from lga.i18n import babel_locale_for


class MailError(Exception):
    pass


def build_message(to: str, language: str, subject: Callable[[], str], template: str,
                  attachments: Iterable[Attachment] = (), **context) -> Message:
    """Render a message inside the recipient's locale. ``subject`` is called in that locale."""
    with force_locale(babel_locale_for(language)):
        context.setdefault("language", language)
        body = render_template(f"email/{template}.txt", **context)
        try:
            html = render_template(f"email/{template}.html", **context)
        except TemplateNotFound:
            html = None
        msg = Message(subject=str(subject()), recipients=[to], body=body, html=html)
    for attachment in attachments:
        msg.attachments.append(attachment)
    return msg


def send(msg: Message) -> None:
    """Send now; raise MailError (without the address, which is personal data) on failure."""
    try:
        mail.send(msg)
    except (smtplib.SMTPException, OSError) as exc:
        current_app.logger.warning("could not send email %r: %s", msg.subject, type(exc).__name__)
        raise MailError(str(exc)) from exc


def send_to_user(user, subject: Callable[[], str], template: str, **context) -> None:
    send(build_message(user.email, user.locale, subject, template, user=user, **context))


def queue(message: Message) -> None:
    """Send ``message`` once the current transaction commits; never if it rolls back.

    The message is stored in the outbox table as part of the transaction (see
    ``lga.core.models.OutgoingEmail``). Right after the commit, a small batch is sent at once;
    bigger ones are left to ``flask lga send-mail`` so that a request never waits for thousands
    of emails. A mail server that is down delays emails, it never loses them or undoes a change.
    """
    from lga.core.models import OutgoingEmail
    from lga.extensions import db

    message.sender = message.sender or current_app.config["MAIL_DEFAULT_SENDER"]
    row = OutgoingEmail(sender=_address(message.sender), recipients=[_address(r) for r in message.send_to],
                        subject=(message.subject or "")[:300], message=message.as_bytes())
    db.session.add(row)
    db.session.info.setdefault(_QUEUE, []).append(row)


_QUEUE = "lga_outgoing_mail"
RETRY_MINUTES = (1, 5, 30, 120, 720)  # then it stays unsent, with its last error, for an admin to see


def _address(value) -> str:
    from flask_mail import sanitize_address

    return sanitize_address(value)


def _send_queued(session) -> None:
    rows = session.info.pop(_QUEUE, None)
    if not rows or len(rows) > current_app.config["LGA_MAIL_INLINE_MAX"]:
        return  # nothing, or a big batch for `flask lga send-mail`
    from sqlalchemy import inspect

    deliver([inspect(row).identity[0] for row in rows])  # expired rows: read the key, not the row


def _drop_unsent(session, transaction) -> None:
    if transaction.parent is None:  # the outer transaction ended without a commit
        session.info.pop(_QUEUE, None)


def deliver(ids: list[int] | None = None, *, batch: int = 200, now: datetime | None = None) -> int:
    """Send waiting emails (these ``ids``, or all that are due) and record the outcome.

    Works on its own connection, outside any request's session: safe to call right after a
    commit. On PostgreSQL rows are claimed with SKIP LOCKED, so several senders never send one
    email twice. Returns how many were sent.
    """
    from sqlalchemy import select, update

    from lga.core.models import OutgoingEmail
    from lga.extensions import db

    table = OutgoingEmail.__table__
    now = now or datetime.now(timezone.utc)
    sent_total = 0
    while True:
        with db.engine.begin() as conn:
            stmt = (select(table.c.id, table.c.sender, table.c.recipients, table.c.subject, table.c.message,
                           table.c.attempts)
                    .where(table.c.sent_at.is_(None)).order_by(table.c.id).limit(batch))
            if ids is not None:
                stmt = stmt.where(table.c.id.in_(ids))
            else:
                stmt = stmt.where(table.c.next_attempt_at <= now, table.c.attempts < len(RETRY_MINUTES))
            if conn.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = conn.execute(stmt).all()
            if not rows:
                return sent_total
            sent, failed = _transmit(rows)
            stamp = datetime.now(timezone.utc)
            if sent:
                conn.execute(update(table).where(table.c.id.in_(sent))
                             .values(sent_at=stamp, attempts=table.c.attempts + 1))
            for row_id, attempts, error in failed:
                delay = RETRY_MINUTES[min(attempts, len(RETRY_MINUTES) - 1)]
                conn.execute(update(table).where(table.c.id == row_id).values(
                    attempts=attempts + 1, last_error=error[:200], next_attempt_at=stamp + timedelta(minutes=delay)))
        sent_total += len(sent)
        if ids is not None or len(rows) < batch:
            return sent_total


def _transmit(rows) -> tuple[list[int], list[tuple[int, int, str]]]:
    """Hand stored messages to the SMTP server over one connection (or to the development outbox)."""
    app = current_app._get_current_object()
    sent: list[int] = []
    failed: list[tuple[int, int, str]] = []
    if app.config.get("MAIL_SUPPRESS_SEND"):
        for row in rows:
            _write_raw_to_outbox(app, row.message)
            sent.append(row.id)
        return sent, failed
    try:
        with mail.connect() as connection:
            for row in rows:
                try:
                    connection.host.sendmail(row.sender, list(row.recipients), row.message)
                    sent.append(row.id)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                    app.logger.warning("could not send email %r: %s", row.subject, type(exc).__name__)
                    failed.append((row.id, row.attempts, type(exc).__name__))
    except (smtplib.SMTPException, OSError) as exc:
        app.logger.warning("mail server failed after %d of %d emails: %s", len(sent), len(rows), type(exc).__name__)
        done = set(sent) | {f[0] for f in failed}
        failed += [(row.id, row.attempts, type(exc).__name__) for row in rows if row.id not in done]
    return sent, failed


def pending_count() -> int:
    from sqlalchemy import func, select

    from lga.core.models import OutgoingEmail
    from lga.extensions import db

    return db.session.scalar(select(func.count()).select_from(OutgoingEmail).where(OutgoingEmail.sent_at.is_(None)))


def purge_sent(days: int = 30) -> int:
    """Delete sent emails older than ``days``: they hold personal data and served their purpose."""
    from sqlalchemy import delete

    from lga.core.models import OutgoingEmail
    from lga.extensions import db

    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    with db.engine.begin() as conn:
        return conn.execute(delete(OutgoingEmail.__table__).where(OutgoingEmail.sent_at < cutoff)).rowcount


def _write_raw_to_outbox(app, raw: bytes) -> None:
    if app.testing:
        return
    outbox = Path(app.config["LGA_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    (outbox / f"{stamp}.eml").write_bytes(raw)
    app.logger.info("email written to %s (no SMTP server configured)", outbox)


def _write_to_outbox(app, message: Message) -> None:
    if app.config.get("MAIL_SUPPRESS_SEND"):
        _write_raw_to_outbox(app, message.as_bytes())


def init_app(app) -> None:
    email_dispatched.connect(_write_to_outbox, app, weak=False)
    if not event.contains(Session, "after_commit", _send_queued):
        event.listen(Session, "after_commit", _send_queued)
        event.listen(Session, "after_transaction_end", _drop_unsent)
