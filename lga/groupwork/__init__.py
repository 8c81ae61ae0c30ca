"""Group work: a workshop's participants in groups, group tasks, one shared submission per group
(every version kept), and the trainer's feedback and mark."""
from flask import Blueprint

bp = Blueprint("groupwork", __name__)

from lga.groupwork import views  # noqa: E402,F401
