"""Forms for scheduling workshops and their sessions, and the calendar's filters.

Dates and times are entered in Kosovo's local time; ``local_values`` turns them into UTC.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, IntegerField, SelectField, StringField, SubmitField,
    TextAreaField, TimeField, URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, NumberRange, Optional, ValidationError

from lga.accounts.forms import REQUIRED, strip
from lga.catalogue.labels import FORMAT_LABELS, MODE_LABELS
from lga.catalogue.models import FORMATS, MODES
from lga.forms import MultiCheckboxField, QueryForm, choices, optional_int, text_length

DATE_INVALID = _l("Enter a date as shown (day, month, year).")
TIME_INVALID = _l("Enter a time such as 09:30.")
URL_INVALID = _l("Enter a full web address starting with https://")


def status_labels():
    return {"draft": _l("Draft (not visible to trainees)"), "published": _l("Published"),
            "cancelled": _l("Cancelled")}


def https_url(form, field):
    if field.data and not field.data.lower().startswith(("https://", "http://")):
        raise ValidationError(URL_INVALID)


class WorkshopForm(FlaskForm):
    module_id = SelectField(_l("Module"), coerce=optional_int, validators=[InputRequired(REQUIRED)])
    programme_id = SelectField(_l("Programme"), coerce=optional_int, validators=[InputRequired(REQUIRED)])
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(REQUIRED), text_length(200)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Optional(), text_length(5000)],
                                description=_l("What participants should know: audience, preparation, what to bring."))
    language = SelectField(_l("Language of the workshop"))
    mode = SelectField(_l("Mode"), choices=lambda: choices((m, MODE_LABELS[m]) for m in MODES))
    start_date = DateField(_l("First day"), validators=[InputRequired(DATE_INVALID)])
    end_date = DateField(_l("Last day"), validators=[InputRequired(DATE_INVALID)])
    venue = StringField(_l("Venue and address"), filters=[strip], validators=[Optional(), text_length(200)])
    municipality_id = SelectField(_l("Municipality"), coerce=optional_int, validators=[Optional()])
    meeting_url = URLField(_l("Meeting link (Zoom, Teams …)"), filters=[strip],
                           validators=[Optional(), URL(message=URL_INVALID), https_url, text_length(500)])
    capacity = IntegerField(_l("Places"), validators=[InputRequired(REQUIRED), NumberRange(
        min=1, max=1000, message=_l("Enter a number between %(min)s and %(max)s."))])
    trainer_ids = MultiCheckboxField(_l("Trainers"), coerce=int)
    target_institution_ids = MultiCheckboxField(_l("Target institutions"), coerce=int,
                                                description=_l("Leave empty if the workshop is open to all."))
    enrol_opens_at = DateTimeLocalField(_l("Enrolment opens"), validators=[Optional()],
                                        description=_l("Empty: open as soon as the workshop is published."))
    enrol_closes_at = DateTimeLocalField(_l("Enrolment closes"), validators=[Optional()],
                                         description=_l("Empty: when the first session starts."))
    requires_approval = BooleanField(_l("Requests need approval by a trainer or manager"))
    cancel_until = DateTimeLocalField(_l("Participants may cancel until"), validators=[Optional()],
                                      description=_l("Empty: until the first session starts."))
    online_share = IntegerField(_l("Minutes online that count as present (%)"), validators=[Optional(), NumberRange(
        min=1, max=100, message=_l("Enter a number between %(min)s and %(max)s."))],
        description=_l("For Zoom and Teams reports. Empty: 75%."))
    completion_share = IntegerField(_l("Sessions to attend to complete the workshop (%)"), validators=[
        Optional(), NumberRange(min=1, max=100, message=_l("Enter a number between %(min)s and %(max)s."))],
        description=_l("Present or late counts as attended. Empty: 80%."))
    evaluation_required = BooleanField(_l("Completing the workshop also needs the participant's evaluation"))
    status = SelectField(_l("Status"))
    notify = BooleanField(_l("Email the people enrolled if the dates or the place change"), default=True)
    submit = SubmitField(_l("Save workshop"))

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def validate_enrol_closes_at(self, field):
        if self.enrol_opens_at.data and field.data and field.data <= self.enrol_opens_at.data:
            raise ValidationError(_l("Enrolment must close after it opens."))


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(REQUIRED), text_length(200)])
    format = SelectField(_l("Format"), choices=lambda: choices((f, FORMAT_LABELS[f]) for f in FORMATS))
    day = DateField(_l("Day"), validators=[InputRequired(DATE_INVALID)])
    starts = TimeField(_l("Starts"), validators=[InputRequired(TIME_INVALID)])
    ends = TimeField(_l("Ends"), validators=[InputRequired(TIME_INVALID)])
    room = StringField(_l("Room"), filters=[strip], validators=[Optional(), text_length(200)])
    meeting_url = URLField(_l("Meeting link"), filters=[strip],
                           validators=[Optional(), URL(message=URL_INVALID), https_url, text_length(500)])
    trainer_id = SelectField(_l("Trainer"), coerce=optional_int, validators=[Optional()])
    notify = BooleanField(_l("Email the people enrolled the new timetable"), default=True)
    submit = SubmitField(_l("Save session"))

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data <= self.starts.data:
            raise ValidationError(_l("A session must end after it starts."))


class CopyForm(QueryForm):
    """Where a new workshop starts from: an earlier workshop or a module's session plan."""

    copy = IntegerField(validators=[Optional()])
    module = StringField(validators=[Optional()])
    start = DateField(validators=[Optional()])


class CancelWorkshopForm(FlaskForm):
    reason = TextAreaField(_l("Reason (sent to everyone enrolled)"), filters=[strip],
                           validators=[DataRequired(REQUIRED), text_length(1000)])
    submit = SubmitField(_l("Cancel the workshop"))


class CalendarFilterForm(QueryForm):
    programme = SelectField(_l("Programme"), validators=[Optional()])
    module = SelectField(_l("Module"), validators=[Optional()])
    mode = SelectField(_l("Mode"), validators=[Optional()])
    municipality = SelectField(_l("Municipality"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive local datetime from a form as aware UTC."""
    from lga.catalogue.scheduling import to_utc

    return None if value is None else to_utc(value.date(), value.time())


def utc_to_local_naive(value: datetime | None) -> datetime | None:
    from lga.catalogue.scheduling import to_local

    return None if value is None else to_local(value).replace(tzinfo=None)


def workshop_values(form: WorkshopForm) -> dict:
    values = {name: form[name].data for name in (
        "module_id", "programme_id", "title", "description", "language", "mode", "start_date", "end_date",
        "venue", "municipality_id", "meeting_url", "capacity", "requires_approval", "status", "online_share",
        "completion_share", "evaluation_required")}
    for name in ("enrol_opens_at", "enrol_closes_at", "cancel_until"):
        values[name] = local_to_utc(form[name].data)
    for name in ("description", "venue", "meeting_url"):
        values[name] = values[name] or None
    return values


def session_values(form: SessionForm) -> dict:
    from lga.catalogue.scheduling import to_utc

    return {
        "title": form.title.data, "format": form.format.data,
        "starts_at": to_utc(form.day.data, form.starts.data), "ends_at": to_utc(form.day.data, form.ends.data),
        "room": form.room.data or None, "meeting_url": form.meeting_url.data or None,
        "trainer_id": form.trainer_id.data,
    }


def fill_session_form(form: SessionForm, session) -> None:
    from lga.catalogue.scheduling import to_local

    start, end = to_local(session.starts_at), to_local(session.ends_at)
    form.title.data, form.format.data = session.title, session.format
    form.day.data, form.starts.data, form.ends.data = start.date(), start.time(), end.time()
    form.room.data, form.meeting_url.data, form.trainer_id.data = session.room, session.meeting_url, session.trainer_id

