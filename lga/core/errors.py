"""Error pages in the user's language (HTML) or JSON for API-style requests."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from lga.extensions import db


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please check what you sent.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("The page you asked for does not exist or has moved.")),
        405: (_("Not allowed"), _("This action is not allowed here.")),
        413: (_("File too large"), _("The file you sent is too large.")),
        429: (_("Too many attempts"), _("Too many attempts in a short time. Please wait a little and try again.")),
        500: (_("Something went wrong"), _("An unexpected error happened on our side. It has been logged; please try again later.")),
        503: (_("Service unavailable"), _("The service is temporarily unavailable. Please try again later.")),
    }


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, (_("Error"), _("Something went wrong.")))
    if detail:
        message = detail
    if _wants_json():
        return jsonify(error=code, title=title, message=message), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def handle_http(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    return render_error(exc.code)


def handle_csrf(exc: CSRFError):
    return render_error(400, _("The form has expired or was not sent from this site. Please reload the page and try again."))


def handle_unexpected(exc: Exception):
    db.session.rollback()
    return render_error(500)


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, lambda e: handle_unexpected(e))
