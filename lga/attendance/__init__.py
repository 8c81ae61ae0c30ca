"""Attendance: roll call in the room, check-in, online-meeting reports, completion, certificates."""
from flask import Blueprint

bp = Blueprint("attendance", __name__)

from lga.attendance import participation, views, views_import  # noqa: E402,F401
