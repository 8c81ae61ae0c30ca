"""Programmes, modules (from modules/), workshops and their sessions."""
from flask import Blueprint

bp = Blueprint("catalogue", __name__)

from lga.catalogue import views  # noqa: E402,F401
