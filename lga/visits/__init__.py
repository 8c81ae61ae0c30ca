"""Study visits: the plan of a study-visit session (host, itinerary, logistics) and the
participants' visit reports with the trainer's review."""
from flask import Blueprint

bp = Blueprint("visits", __name__)

from lga.visits import views  # noqa: E402,F401
