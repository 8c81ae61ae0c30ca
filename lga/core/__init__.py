"""Home page, health check, language choice and error pages."""
from flask import Blueprint

bp = Blueprint("core", __name__)

from lga.core import views  # noqa: E402,F401
