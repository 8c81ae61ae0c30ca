"""Enrolment: places in workshops, approval, waitlists, staff-list imports and personal calendars."""
from flask import Blueprint

bp = Blueprint("enrolment", __name__)

from lga.enrolment import views  # noqa: E402,F401
from lga.enrolment import views_import  # noqa: E402,F401
