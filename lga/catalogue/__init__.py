"""Programmes, modules (from modules/), workshops and their sessions."""
from flask import Blueprint

bp = Blueprint("catalogue", __name__)

from lga.catalogue import views, views_manage  # noqa: E402,F401
