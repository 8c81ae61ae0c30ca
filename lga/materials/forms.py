"""The material form: one form for the three kinds; the fields of other kinds are left out."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from lga.forms import optional_int, text_length

KIND_FIELDS = {"file": "file", "link": "url", "note": "body"}


class MaterialForm(FlaskForm):
    title = StringField(_l("Title"), validators=[text_length(200)],
                        description=_l("For a file, empty takes the file's name."))
    description = TextAreaField(_l("Description"), validators=[Optional()],
                                description=_l("Optional. Markdown: **bold**, *italic*, lists, links."))
    file = FileField(_l("File"))
    url = StringField(_l("Web address (http:// or https://)"), render_kw={"type": "url", "inputmode": "url"})
    body = TextAreaField(_l("Note (Markdown)"), render_kw={"rows": 12})
    session_id = SelectField(_l("For"), coerce=optional_int, validate_choice=False)
    is_visible = BooleanField(_l("Participants can see it"), default=True)
    visible_from = DateTimeLocalField(_l("Visible from (Kosovo time)"), validators=[Optional()],
                                      description=_l("Empty: at once."))
    submit = SubmitField(_l("Save the material"))

    def fields_for(self, kind: str, *, replacing: bool = False) -> list[str]:
        own = KIND_FIELDS[kind]
        fields = ["title", own, "description", "session_id", "is_visible", "visible_from"]
        if kind == "file" and replacing:
            self.file.label.text = _l("Replace the file (optional)")
        return fields
