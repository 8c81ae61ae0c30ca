"""Small helpers shared by the views of every domain."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from flask import abort, current_app, request
from sqlalchemy import Select

from lga.extensions import db


def safe_next(target: str | None, default: str) -> str:
    """Only follow ``next`` to a path on this site (no open redirects)."""
    if not target:
        return default
    host_url = urlsplit(request.host_url)
    test = urlsplit(urljoin(request.host_url, target))
    if test.scheme in ("http", "https") and test.netloc == host_url.netloc and target.startswith("/") \
            and not target.startswith("//") and "\\" not in target:
        return target
    return default


def paginate(stmt: Select, per_page: int | None = None):
    """Paginate a select; bad page numbers give 404, as for any URL that does not exist."""
    per_page = per_page or current_app.config["LGA_PAGE_SIZE"]
    return db.paginate(stmt, per_page=per_page, max_per_page=100, error_out=True, count=True)


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj
