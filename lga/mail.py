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
_READY = "lga_outgoing_mail_ready"
RETRY_MINUTES = (1, 5, 30, 120, 720)  # then it stays unsent, with its last error, for an admin to see


def _address(value) -> str:
    from flask_mail import sanitize_address

    return sanitize_address(value)


def _committed(session) -> None:
    """The emails' transaction committed: note which to send once its connection is returned."""
    from sqlalchemy import inspect

    rows = session.info.pop(_QUEUE, None)
    if rows and len(rows) <= current_app.config["LGA_MAIL_INLINE_MAX"]:  # bigger batches: `send-mail`
        session.info[_READY] = [inspect(row).identity[0] for row in rows]  # expired rows: read the key


def _transaction_ended(session, transaction) -> None:
    """Send what committed (or forget what rolled back) once the outer transaction has ended.

    Not in ``after_commit``: there the session still holds its connection, and sending would
    take a second one from the pool per request, which can exhaust it under load.
    """
    if transaction.parent is not None:
        return
    session.info.pop(_QUEUE, None)
    ready = session.info.pop(_READY, None)
    if ready:
        try:
            deliver(ready)
        except Exception:  # noqa: BLE001 - the change is committed; send-mail retries the emails
            current_app.logger.exception("sending %d emails after commit failed; send-mail will retry", len(ready))


LEASE = timedelta(minutes=10)  # a sender that died mid-batch gives its emails back after this


def deliver(ids: list[int] | None = None, *, batch: int = 200, now: datetime | None = None) -> int:
    """Send waiting emails (these ``ids``, or all that are due) and record the outcome.

    Each batch is first claimed in one UPDATE (a claim token plus a lease in next_attempt_at),
    so two senders (the request that just committed, a ``send-mail`` run, another server)
    never send one email twice; SMTP then runs outside any database transaction. Uses its own
    connections, never the session's. Returns how many were sent.
    """
    import secrets

    from sqlalchemy import and_, select, update

    from lga.core.models import OutgoingEmail
    from lga.extensions import db

    table = OutgoingEmail.__table__
    now = now or datetime.now(timezone.utc)
    due = and_(table.c.sent_at.is_(None), table.c.next_attempt_at <= now, table.c.attempts < len(RETRY_MINUTES))
    if ids is not None:
        due = and_(due, table.c.id.in_(ids))
    sent_total = 0
    while True:
        token = secrets.token_hex(16)
        with db.engine.begin() as conn:
            chosen = select(table.c.id).where(due).order_by(table.c.id).limit(batch).scalar_subquery()
            conn.execute(update(table).where(table.c.id.in_(chosen), due)
                         .values(claim=token, next_attempt_at=now + LEASE))
        with db.engine.connect() as conn:
            rows = conn.execute(select(table.c.id, table.c.sender, table.c.recipients, table.c.subject,
                                       table.c.message, table.c.attempts)
                                .where(table.c.claim == token, table.c.sent_at.is_(None))).all()
        if not rows:
            return sent_total
        sent, failed = _transmit(rows)
        stamp = datetime.now(timezone.utc)
        with db.engine.begin() as conn:
            if sent:
                conn.execute(update(table).where(table.c.id.in_(sent)).values(
                    sent_at=stamp, attempts=table.c.attempts + 1, message=b"", claim=None))
            for row_id, attempts, error in failed:
                delay = RETRY_MINUTES[min(attempts, len(RETRY_MINUTES) - 1)]
                conn.execute(update(table).where(table.c.id == row_id).values(
                    attempts=attempts + 1, last_error=error[:200], claim=None,
                    next_attempt_at=stamp + timedelta(minutes=delay)))
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
    """Delete emails older than ``days`` that were sent or given up on: they hold personal data
    and served their purpose (or never will)."""
    from sqlalchemy import and_, delete, or_

    from lga.core.models import OutgoingEmail
    from lga.extensions import db

    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    with db.engine.begin() as conn:
        table = OutgoingEmail.__table__
        gone = or_(table.c.sent_at < cutoff,
                   and_(table.c.sent_at.is_(None), table.c.attempts >= len(RETRY_MINUTES), table.c.created_at < cutoff))
        return conn.execute(delete(table).where(gone)).rowcount


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
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_transaction_end", _transaction_ended)
