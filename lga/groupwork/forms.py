"""Forms of group work: forming groups and setting a task."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, DecimalField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from lga.forms import choices, text_length

METHOD_LABELS = {"random": _l("At random"),
                 "mix": _l("Mixed: spread each municipality or institution evenly over the groups"),
                 "match": _l("Matched: people of the same municipality or institution together")}
TRAIT_LABELS = {"municipality": _l("By municipality"), "institution": _l("By institution")}
SPLIT_LABELS = {"count": _l("Number of groups"), "size": _l("People per group")}


class GenerateForm(FlaskForm):
    method = RadioField(_l("How"), choices=choices(METHOD_LABELS.items()), default="random")
    trait = RadioField(_l("Mix or match"), choices=choices(TRAIT_LABELS.items()), default="municipality")
    split = RadioField(_l("Size"), choices=choices(SPLIT_LABELS.items()), default="count")
    number = IntegerField(_l("Number"), validators=[Optional(), NumberRange(min=1, max=500)],
                          description=_l("Matched groups: empty gives one group per municipality or institution."))
    submit = SubmitField(_l("Form the groups"))


class TaskForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(_l("Give the task a title.")), text_length(200)])
    instructions = TextAreaField(_l("Instructions (Markdown)"), render_kw={"rows": 10})
    deadline = DateTimeLocalField(_l("Deadline (Kosovo time)"), validators=[InputRequired(_l("Give the deadline."))])
    max_mark = DecimalField(_l("Highest mark"), places=2, validators=[
        Optional(), NumberRange(min=0.01, max=9999, message=_l("Enter a number between %(min)s and %(max)s."))],
        description=_l("Optional. Empty: feedback without a mark."))
    submit = SubmitField(_l("Save the task"))
