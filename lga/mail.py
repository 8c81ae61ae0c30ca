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
