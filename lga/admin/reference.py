"""Editable reference tables described as data, so one set of views serves them all."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp

from lga.accounts.models import InstitutionType, Municipality
from lga.catalogue.models import Programme
from lga.forms import text_length

REQUIRED = _l("This field is required.")
LANG_LABELS = {"sq": _l("Albanian"), "en": _l("English"), "sr": _l("Serbian")}


@dataclass(frozen=True)
class RefKind:
    slug: str
    title: Callable[[], str]
    model: type
    form: type
    order_by: str
    plain_fields: tuple[str, ...]
    # JSON columns holding {language: text}: column -> languages required
    text_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    columns: tuple[tuple[Callable[[], str], Callable], ...] = ()

    def form_data(self, obj) -> dict:
        data = {name: getattr(obj, name) for name in self.plain_fields}
        for column in self.text_fields:
            for lang, text in (getattr(obj, column) or {}).items():
                data[f"{column}_{lang}"] = text
        return data

    def values(self, form) -> dict:
        values = {}
        for name in self.plain_fields:
            data = getattr(form, name).data
            values[name] = data.strip() if isinstance(data, str) else data
        for column in self.text_fields:
            texts = {}
            for lang in ("sq", "en", "sr"):
                f = getattr(form, f"{column}_{lang}", None)
                if f is not None and f.data and f.data.strip():
                    texts[lang] = f.data.strip()
            values[column] = texts
        return values


CODE = StringField(_l("Code"), validators=[DataRequired(REQUIRED), text_length(40),
                                           Regexp(r"^[A-Za-z0-9-]+$", message=_l("Use letters, digits and hyphens only."))],
                   description=_l("A short, stable identifier. It cannot be changed later."))


def _text(label, lang, required=False, area=False, maximum=200):
    cls = TextAreaField if area else StringField
    validators = [DataRequired(REQUIRED)] if required else [Optional()]
    return cls(_l("%(field)s (%(language)s)", field=label, language=LANG_LABELS[lang]),
               validators=validators + [text_length(maximum if not area else 2000)])


class MunicipalityForm(FlaskForm):
    code = CODE
    name_sq = StringField(_l("Albanian name"), validators=[DataRequired(REQUIRED), text_length(80)])
    name_sr = StringField(_l("Serbian name"), validators=[DataRequired(REQUIRED), text_length(80)])
    is_active = BooleanField(_l("In use"))
    submit = SubmitField(_l("Save"))


class InstitutionTypeForm(FlaskForm):
    code = CODE
    name_sq = _text(_l("Name"), "sq", required=True)
    name_en = _text(_l("Name"), "en", required=True)
    name_sr = _text(_l("Name"), "sr")
    position = IntegerField(_l("Order in lists"), default=0, validators=[Optional(), NumberRange(0, 999)])
    is_active = BooleanField(_l("In use"))
    submit = SubmitField(_l("Save"))


class ProgrammeForm(InstitutionTypeForm):
    """A programme is named like an institution type, plus its donor and a description."""

    donor_sq = _text(_l("Donor"), "sq", required=True)
    donor_en = _text(_l("Donor"), "en", required=True)
    donor_sr = _text(_l("Donor"), "sr")
    description_sq = _text(_l("Description"), "sq", area=True)
    description_en = _text(_l("Description"), "en", area=True)
    description_sr = _text(_l("Description"), "sr", area=True)




KINDS: dict[str, RefKind] = {
    kind.slug: kind for kind in (
        RefKind("municipalities", lambda: _l("Municipalities"), Municipality, MunicipalityForm, "name_sq",
                ("code", "name_sq", "name_sr", "is_active"),
                columns=((lambda: _l("Albanian name"), lambda o: o.name_sq),
                         (lambda: _l("Serbian name"), lambda o: o.name_sr))),
        RefKind("institution-types", lambda: _l("Institution types"), InstitutionType, InstitutionTypeForm,
                "position", ("code", "position", "is_active"), {"name": ("sq", "en")},
                columns=((lambda: _l("Name"), lambda o: o.label()),)),
        RefKind("programmes", lambda: _l("Programmes"), Programme, ProgrammeForm, "position",
                ("code", "position", "is_active"), {"name": ("sq", "en"), "donor": ("sq", "en"),
                                                    "description": ()},
                columns=((lambda: _l("Name"), lambda o: o.label()),
                         (lambda: _l("Donor"), lambda o: o.donor_label()))),
    )
}
