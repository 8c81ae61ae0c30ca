"""Evaluations: participants rate a workshop (Likert items and comments) once each, anonymously."""
from flask import Blueprint

bp = Blueprint("evaluation", __name__)

from lga.evaluation import views  # noqa: E402,F401
from lga.evaluation import views_templates  # noqa: E402,F401
