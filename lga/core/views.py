from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lga import access
from lga.catalogue import services as catalogue
from lga.core import bp
from lga.extensions import db
from lga.i18n import LANG_COOKIE, normalise_language
from lga.web import safe_next


@bp.route("/")
@access.public
def index():
    return render_template("core/index.html", programmes=catalogue.programmes_with_counts(),
                           upcoming=catalogue.upcoming_workshops(limit=6))


@bp.route("/health")
@access.public
def health():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("health check: database unreachable")
        database = "error"
    status = "ok" if database == "ok" else "error"
    return jsonify(status=status, database=database), 200 if status == "ok" else 503


@bp.route("/language", methods=["POST"])
@access.public
def set_language():
    form = FlaskForm()  # CSRF only
    language = normalise_language(request.form.get("language"))
    target = safe_next(request.form.get("next"), url_for("core.index"))
    if not form.validate_on_submit() or language is None:
        return redirect(target)
    if current_user.is_authenticated and current_user.locale != language:
        from lga.accounts.services import update_profile

        update_profile(current_user._get_current_object(), {"locale": language})
        db.session.commit()
    response = redirect(target)
    response.set_cookie(LANG_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True)
    return response
