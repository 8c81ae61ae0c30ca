"""Small helpers shared by the views of every domain."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from flask import abort, current_app, has_request_context, request, url_for
from flask_sqlalchemy.pagination import SelectPagination
import sqlalchemy as sa
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


class _RowPagination(SelectPagination):
    """Pages of rows (entity plus computed columns), where ``db.paginate`` gives entities only."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).tuples())

    def _query_count(self) -> int:
        # Count the rows by their first column only: computed columns need not run for a count.
        select = self._query_args["select"]
        rows = select.with_only_columns(*select.selected_columns[:1], maintain_column_froms=True).order_by(None)
        return self._query_args["session"].execute(sa.select(sa.func.count()).select_from(rows.subquery())).scalar()


def paginate_rows(stmt: Select, per_page: int | None = None):
    per_page = per_page or current_app.config["LGA_PAGE_SIZE"]
    return _RowPagination(select=stmt, session=db.session(), per_page=per_page, max_per_page=100,
                          error_out=True, count=True)


def upload_limit(default: int, setting: str | None = "LGA_IMPORT_MAX_BYTES") -> int:
    """The largest upload an import takes: its own setting (else ``default``), and never more than
    the request limit (MAX_CONTENT_LENGTH)."""
    limits = [(current_app.config.get(setting) if setting else None) or default,
              current_app.config.get("MAX_CONTENT_LENGTH")]
    return min(limit for limit in limits if limit)


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def external_url(endpoint: str, **values) -> str:
    """An absolute URL, also outside a request (CLI chores use LGA_BASE_URL)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["LGA_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
