"""People, roles, municipalities and institutions; login, registration and account pages."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)

from lga.accounts import views, views_admin  # noqa: E402,F401
