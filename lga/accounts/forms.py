from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _pl
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Optional

from lga.access import ROLES
from lga.accounts.models import COMMUNITIES, SEXES
from lga.forms import MultiCheckboxField, choices, PasswordStrength, QueryForm, optional_int, text_length


def sex_choices():
    labels = {"female": _l("Female"), "male": _l("Male"), "undisclosed": _l("Prefer not to say")}
    return choices((s, labels[s]) for s in SEXES)


def community_choices():
    # The context keeps "Albanian" the community apart from "Albanian" the language.
    labels = {
        "albanian": _pl("community", "Albanian"), "serb": _pl("community", "Serb"),
        "bosniak": _pl("community", "Bosniak"), "turkish": _pl("community", "Turkish"),
        "roma": _pl("community", "Roma"), "ashkali": _pl("community", "Ashkali"),
        "egyptian": _pl("community", "Egyptian"), "gorani": _pl("community", "Gorani"),
        "montenegrin": _pl("community", "Montenegrin"), "croat": _pl("community", "Croat"),
        "other": _pl("community", "Other"), "undisclosed": _l("Prefer not to say"),
    }
    return choices([("", _l("— not given —"))] + [(k, labels[k]) for k in COMMUNITIES])


def role_labels():
    return {"trainee": _l("Trainee"), "trainer": _l("Trainer"), "manager": _l("Programme manager"),
            "donor": _l("Donor (read-only reports)"), "admin": _l("Administrator")}


def language_choices():
    from lga.i18n import LANGUAGE_NAMES

    return choices(LANGUAGE_NAMES.items())


REQUIRED = _l("This field is required.")


def strip(value):
    return value.strip() if isinstance(value, str) else value

EMAIL_INVALID = _l("Enter a valid email address.")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(REQUIRED), Email(EMAIL_INVALID)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ProfileFields(FlaskForm):
    """The fields a person keeps about themselves; shared by registration and profile."""

    given_name = StringField(_l("Given name"), validators=[DataRequired(REQUIRED), text_length(80)],
                             render_kw={"autocomplete": "given-name"})
    family_name = StringField(_l("Family name"), validators=[DataRequired(REQUIRED), text_length(80)],
                              render_kw={"autocomplete": "family-name"})
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(REQUIRED), Email(EMAIL_INVALID), text_length(254)],
                       render_kw={"autocomplete": "email"})
    municipality_id = SelectField(_l("Municipality"), coerce=optional_int,
                                  validators=[InputRequired(REQUIRED)])
    institution_type_id = SelectField(_l("Institution"), coerce=optional_int,
                                      validators=[InputRequired(REQUIRED)])
    institution_name = StringField(_l("Name of your institution or unit"),
                                   validators=[Optional(), text_length(160)],
                                   description=_l("For example: QPS Prizren, DSHMS Gjilan."))
    position = StringField(_l("Position"), validators=[DataRequired(REQUIRED), text_length(120)],
                           render_kw={"autocomplete": "organization-title"})
    sex = RadioField(_l("Sex"), choices=sex_choices(), validators=[InputRequired(REQUIRED)])
    community = SelectField(
        _l("Community (optional)"), choices=community_choices(), validators=[Optional()],
        description=_l("Optional. KLGI and its donors report how many people of each community "
                       "took part, only as totals, to show that trainings reach all communities. "
                       "You may leave this empty or choose “Prefer not to say”."),
    )

    def set_choices(self, municipalities, institution_types, language: str) -> None:
        self.municipality_id.choices = choices([("", _l("— choose —"))] + [
            (m.id, m.name(language)) for m in municipalities
        ])
        self.institution_type_id.choices = choices([("", _l("— choose —"))] + [
            (t.id, t.label(language)) for t in institution_types
        ])

    def profile_values(self) -> dict:
        return {
            "given_name": self.given_name.data.strip(),
            "family_name": self.family_name.data.strip(),
            "municipality_id": self.municipality_id.data,
            "institution_type_id": self.institution_type_id.data,
            "institution_name": (self.institution_name.data or "").strip() or None,
            "position": self.position.data.strip(),
            "sex": self.sex.data,
            "community": self.community.data or None,
        }


class RegistrationForm(ProfileFields):
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), PasswordStrength()],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("At least 10 characters. A few words make a good password."))
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create my account"))


class ProfileForm(ProfileFields):
    locale = SelectField(_l("Language"), choices=language_choices(), validators=[DataRequired(REQUIRED)])
    submit = SubmitField(_l("Save"))


class NewPasswordFields(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED), PasswordStrength(None)],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordFields):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)],
                                     render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(REQUIRED), Email(EMAIL_INVALID)],
                       render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(NewPasswordFields):
    submit = SubmitField(_l("Set password"))


class UserAdminForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), choices=[])
    active = BooleanField(_l("Account active"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = role_labels()
        self.roles.choices = choices((r, labels[r]) for r in ROLES)


class PeopleFilterForm(QueryForm):
    q = StringField(_l("Name or email"), validators=[Optional(), text_length(100)])
    role = SelectField(_l("Role"), validators=[Optional()])
    municipality = SelectField(_l("Municipality"), coerce=optional_int, validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=choices([("", _l("All")), ("active", _l("Active")), ("inactive", _l("Deactivated"))]))
    submit = SubmitField(_l("Search"))

    def __init__(self, *args, municipalities=(), language="sq", **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices([("", _l("All roles"))] + list(role_labels().items()))
        self.municipality.choices = choices([("", _l("All municipalities"))] + [
            (m.id, m.name(language)) for m in municipalities
        ])
