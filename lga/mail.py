"""Email in the recipient's language, sent over SMTP with Flask-Mail.

Templates live in ``templates/email/<name>.txt`` (and optionally ``.html``); the subject is
a translatable string. Development without an SMTP server writes messages to
``instance/outbox/`` instead (see config ``MAIL_SUPPRESS_SEND``).
"""
from __future__ import annotations

import smtplib
from datetime import datetime, timezone
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
    """Send ``message`` once the current transaction commits; drop it if it rolls back.

    Services queue the email that goes with a change, so nobody is told of a change that did
    not happen, and a mail server that is down never undoes a change that did.
    """
    from lga.extensions import db

    db.session.info.setdefault(_QUEUE, []).append(message)


_QUEUE = "lga_outgoing_mail"


def send_many(messages: list[Message]) -> int:
    """Send over one SMTP connection (a staff-list import invites thousands); returns how many
    went out. A refused message is logged and skipped; a lost connection ends the batch."""
    if len(messages) == 1:
        try:
            send(messages[0])
            return 1
        except MailError:
            return 0  # logged by send()
    sent = 0
    try:
        with mail.connect() as connection:
            for message in messages:
                try:
                    connection.send(message)
                    sent += 1
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                    current_app.logger.warning("could not send email %r: %s", message.subject, type(exc).__name__)
    except (smtplib.SMTPException, OSError) as exc:
        current_app.logger.warning("mail server failed after %d of %d emails: %s", sent, len(messages),
                                   type(exc).__name__)
    return sent


def _send_queued(session) -> None:
    messages = session.info.pop(_QUEUE, None)
    if messages:
        send_many(messages)  # the change itself stands whatever the mail server does


def _drop_unsent(session, transaction) -> None:
    if transaction.parent is None:  # the outer transaction ended without a commit
        session.info.pop(_QUEUE, None)


def _write_to_outbox(app, message: Message) -> None:
    if not app.config.get("MAIL_SUPPRESS_SEND") or app.testing:
        return
    outbox = Path(app.config["LGA_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    (outbox / f"{stamp}.eml").write_bytes(message.as_bytes())
    app.logger.info("email %r written to %s (no SMTP server configured)", message.subject, outbox)


def init_app(app) -> None:
    email_dispatched.connect(_write_to_outbox, app, weak=False)
    if not event.contains(Session, "after_commit", _send_queued):
        event.listen(Session, "after_commit", _send_queued)
        event.listen(Session, "after_transaction_end", _drop_unsent)
