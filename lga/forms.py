"""Form pieces shared by every domain."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, ValidationError, widgets
from wtforms.validators import Length


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class QueryForm(FlaskForm):
    """A GET form for filters: no CSRF token (it changes nothing), no prefix in the URL."""

    class Meta:
        csrf = False


def optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class PasswordStrength:
    """Length and a few obvious mistakes; long passphrases are welcome (NIST SP 800-63B)."""

    def __init__(self, email_field: str | None = "email"):
        self.email_field = email_field

    def __call__(self, form, field):
        from lga.accounts.passwords import MAX_LENGTH, MIN_LENGTH

        value = field.data or ""
        if len(value) < MIN_LENGTH:
            raise ValidationError(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
        if len(value) > MAX_LENGTH:
            raise ValidationError(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
        if len(set(value)) < 4:
            raise ValidationError(_l("This password is too easy to guess."))
        email_field = getattr(form, self.email_field, None) if self.email_field else None
        email = (email_field.data if email_field else "") or ""
        if email and value.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
            raise ValidationError(_l("The password must not be your email address."))


def text_length(maximum: int, minimum: int = 0):
    return Length(min=minimum, max=maximum,
                  message=_l("Use between %(min)d and %(max)d characters.", min=minimum, max=maximum)
                  if minimum else _l("Use at most %(max)d characters.", max=maximum))
