"""Quizzes: the question bank, pre/post tests, timed attempts graded on the server, GIFT interchange."""
from flask import Blueprint

bp = Blueprint("quizzes", __name__)

from lga.quizzes import views  # noqa: E402,F401
from lga.quizzes import views_manage  # noqa: E402,F401
from lga.quizzes import content  # noqa: E402,F401  (loads question banks and quizzes with the modules)
