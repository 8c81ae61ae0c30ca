"""Workshop materials: files, links and notes the trainers share with a workshop's participants."""
from flask import Blueprint

bp = Blueprint("materials", __name__)

from lga.materials import views  # noqa: E402,F401
