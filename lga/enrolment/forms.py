"""Forms of the enrolment pages (enrol and cancel are bare POSTs: a button and a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email

from lga.accounts.forms import EMAIL_INVALID, REQUIRED, strip
from lga.forms import text_length


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the person will read it)"), filters=[strip],
                           validators=[DataRequired(REQUIRED), text_length(1000)])
    submit = SubmitField(_l("Decline"))


class DirectEnrolForm(FlaskForm):
    email = EmailField(_l("Email of the person"), filters=[strip],
                       validators=[DataRequired(REQUIRED), Email(EMAIL_INVALID)])
    submit = SubmitField(_l("Enrol this person"))
