"""Discussions: each workshop's board of threads and replies, for its participants and trainers."""
from flask import Blueprint

bp = Blueprint("discussions", __name__)

from lga.discussions import views  # noqa: E402,F401
