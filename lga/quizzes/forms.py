"""The settings of a workshop's own quiz and the questions it asks."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from lga.forms import MultiCheckboxField, choices, text_length
from lga.quizzes.models import GRADING_LABELS, KIND_LABELS, REVIEW_LABELS

BETWEEN = _l("Enter a number between %(min)s and %(max)s.")


class QuizForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    title_sq = StringField(_l("Title in Albanian"), validators=[InputRequired(_l("Give the quiz a title.")),
                                                                 text_length(200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), text_length(200)])
    opens_at = DateTimeLocalField(_l("Opens"), validators=[Optional()],
                                  description=_l("Empty: a pre-test is open until the first session ends, a "
                                                 "post-test from the last session until two weeks after it."))
    closes_at = DateTimeLocalField(_l("Closes"), validators=[Optional()])
    time_limit_minutes = IntegerField(_l("Time limit (minutes)"), validators=[
        Optional(), NumberRange(min=1, max=600, message=BETWEEN)], description=_l("Empty: no time limit."))
    attempts_allowed = IntegerField(_l("Attempts allowed"), default=1, validators=[
        InputRequired(BETWEEN), NumberRange(min=0, max=100, message=BETWEEN)], description=_l("0: unlimited."))
    grading_method = SelectField(_l("With several attempts, the grade is"), choices=choices(GRADING_LABELS.items()))
    pass_mark = IntegerField(_l("Pass mark (%)"), default=60, validators=[
        InputRequired(BETWEEN), NumberRange(min=0, max=100, message=BETWEEN)])
    review = SelectField(_l("Participants see the right answers and the feedback"),
                         choices=choices(REVIEW_LABELS.items()), default="after_close")
    shuffle_questions = BooleanField(_l("Shuffle the questions"), default=True)
    shuffle_choices = BooleanField(_l("Shuffle the answers"), default=True)
    is_published = BooleanField(_l("Participants can see the quiz"), default=True)
    question_ids = MultiCheckboxField(_l("Questions"), coerce=int)
    submit = SubmitField(_l("Save the quiz"))

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The quiz must close after it opens."))

    def validate_question_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one question."))
