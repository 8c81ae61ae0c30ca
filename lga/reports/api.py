"""The read-only JSON API of the aggregate figures (``/api/v1/…``), described in openapi.yaml.

A personal token (``Authorization: Bearer …``, made on /account/api-tokens) or a logged-in
session; the donor role gets counts from 1 to 4 as "<5", as on the dashboard."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lga import access
from lga.accounts import tokens
from lga.accounts.models import COMMUNITIES, SEXES, ApiToken
from lga.catalogue.labels import MODE_LABELS
from lga.catalogue.models import Module, Programme
from lga.extensions import db
from lga.reports import bp
from lga.reports.outreach import Filters, masked, outreach, sees_small_counts

OPENAPI = Path(__file__).with_name("openapi.yaml")


class BadQuery(Exception):
    pass


def _filters() -> Filters:
    args = request.args

    def day(name: str) -> date:
        try:
            return date.fromisoformat(args.get(name, ""))
        except ValueError:
            raise BadQuery(f"'{name}' must be a date like 2021-01-31") from None

    def number(name: str) -> int | None:
        value = args.get(name)
        if value in (None, ""):
            return None
        if not value.isdigit():
            raise BadQuery(f"'{name}' must be a number")
        return int(value)

    def one_of(name: str, allowed) -> str | None:
        value = args.get(name) or None
        if value is not None and value not in allowed:
            raise BadQuery(f"'{name}' must be one of: {', '.join(sorted(allowed))}")
        return value

    start, end = day("from"), day("to")
    if end < start:
        raise BadQuery("'to' is before 'from'")
    programmes = set(db.session.scalars(select(Programme.code)))
    modules = set(db.session.scalars(select(Module.code)))
    return Filters(date_from=start, date_to=end, programme=one_of("programme", programmes),
                   module=one_of("module", modules), mode=one_of("mode", set(MODE_LABELS)),
                   municipality_id=number("municipality"), institution_type_id=number("institution"),
                   sex=one_of("sex", set(SEXES)), community=one_of("community", set(COMMUNITIES)))


@bp.route("/api/v1/outreach")
@access.roles(*access.REPORT_READERS)
def api_outreach():
    try:
        filters = _filters()
    except BadQuery as exc:
        return jsonify(error="bad_request", message=str(exc)), 400
    report = outreach(filters)
    return jsonify((report if sees_small_counts(current_user) else masked(report)).as_dict())


@bp.route("/api/v1/openapi.yaml")
@access.public
def api_description():
    return Response(OPENAPI.read_text(encoding="utf-8"), mimetype="application/yaml")


# --- Personal tokens ---------------------------------------------------------------------------

@bp.route("/account/api-tokens", methods=["GET", "POST"])
@access.roles(*access.REPORT_READERS)
def api_tokens():
    made = None
    if request.method == "POST":
        if len(tokens.active_tokens(current_user)) >= tokens.MAX_PER_PERSON:
            flash(_("You have %(n)d tokens already: revoke one you no longer use first.", n=tokens.MAX_PER_PERSON),
                  "error")
        else:
            _row, made = tokens.create(current_user, request.form.get("name", ""))
            db.session.commit()
    return render_template("reports/api_tokens.html", tokens=tokens.active_tokens(current_user), made=made,
                           api_url=url_for("reports.api_outreach", _external=True),
                           spec_url=url_for("reports.api_description", _external=True))


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@access.roles(*access.REPORT_READERS)
def api_token_revoke(token_id: int):
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:  # someone else's is as unknown as a made-up one
        abort(404)
    tokens.revoke(row, actor=current_user)
    db.session.commit()
    flash(_("The token is revoked: it no longer opens the API."), "success")
    return redirect(url_for("reports.api_tokens"))
