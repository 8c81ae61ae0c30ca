"""Administration: reference data and the audit trail (people are in accounts)."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from lga.admin import views  # noqa: E402,F401
