"""Reports: outreach figures for KLGI and the donors, computed in SQL. Reads every domain; no
domain imports reports."""
from flask import Blueprint

bp = Blueprint("reports", __name__)

from lga.reports import views  # noqa: E402,F401
from lga.reports import api  # noqa: E402,F401
