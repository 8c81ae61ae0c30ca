"""Online attendance from the web: upload a Zoom or Teams report, check the matches, match the
rest by hand, save.

The report waits in the database (``AttendanceUpload``) between the preview and the saving, so
whichever app server gets the confirmation can write it. Only its uploader sees it, and only for a
session of a workshop they may edit. Choices made by hand travel with each form post and are
checked again (people holding a place, rows of the report) before anything is written; saving is
one transaction.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import delete, select

from lga import access
from lga.attendance import bp, online_import
from lga.attendance.views import staff_session
from lga.attendance.models import STATUS_LABELS, AttendanceUpload
from lga.attendance.online_report import ReportError, read_report
from lga.catalogue.models import WorkshopSession
from lga.db_types import utcnow
from lga.extensions import db
from lga.web import upload_limit

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
KEEP_UNCONFIRMED = timedelta(days=1)
MATCHED_BY = {"email": _l("email"), "name": _l("name"), "manual": _l("by hand")}


class ReportUploadForm(FlaskForm):
    file = FileField(_l("Meeting report (Zoom CSV or Teams attendance report)"),
                     validators=[FileRequired(_l("Choose a file."))],
                     render_kw={"accept": ".csv,.txt,.tsv,text/csv,text/plain,text/tab-separated-values"})


def _max_bytes() -> int:
    return upload_limit(DEFAULT_MAX_BYTES)


def _pending(token: str) -> AttendanceUpload | None:
    """The current user's waiting report; someone else's is as unknown as a made-up token."""
    return db.session.scalar(select(AttendanceUpload).where(AttendanceUpload.token == token,
                                                            AttendanceUpload.created_by_id == current_user.id))


def _report_error(exc: ReportError) -> str:
    if exc.line:
        return _("Line %(line)d: %(message)s", line=exc.line, message=exc.message)
    return str(exc.message)


@bp.route("/sessions/<int:session_id>/attendance-import", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def report_upload(session_id: int):
    session = staff_session(session_id)
    form = ReportUploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read(_max_bytes() + 1)
        filename = (upload.filename or "report.csv").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
        if len(content) > _max_bytes():
            form.file.errors.append(_("The file is too large: at most %(mb).1f MB.", mb=_max_bytes() / 1048576))
        else:
            try:
                online_import.plan(read_report(filename, content), session)
            except ReportError as exc:
                form.file.errors.append(_report_error(exc))
            except online_import.MatchError as exc:
                form.file.errors.append(str(exc))
        if not form.file.errors:
            db.session.execute(delete(AttendanceUpload).where(
                AttendanceUpload.created_by_id == current_user.id,
                AttendanceUpload.created_at < utcnow() - KEEP_UNCONFIRMED))
            pending = AttendanceUpload(token=secrets.token_urlsafe(32), created_by_id=current_user.id,
                                       session_id=session.id, filename=filename, content=content)
            db.session.add(pending)
            db.session.commit()
            return redirect(url_for("attendance.report_preview", token=pending.token))
    return render_template("attendance/report_upload.html", form=form, session=session, workshop=session.workshop,
                           max_mb=_max_bytes() / 1048576), 400 if form.errors else 200


def _gone():
    """A stale link (saved, cancelled, or not yours): say so and list what is still waiting."""
    flash(_("This report is no longer waiting: it was saved or cancelled, or it is not yours. "
            "Upload it again if you need to."), "error")
    return _waiting_page(status=400)


def _waiting_page(status: int = 200):
    waiting = db.session.execute(
        select(AttendanceUpload.token, AttendanceUpload.filename, AttendanceUpload.created_at,
               WorkshopSession.title, WorkshopSession.starts_at)
        .join(WorkshopSession, WorkshopSession.id == AttendanceUpload.session_id)
        .where(AttendanceUpload.created_by_id == current_user.id)
        .order_by(AttendanceUpload.created_at.desc()).limit(50)).all()
    return render_template("attendance/report_waiting.html", waiting=waiting), status


def _manual_choices(count: int) -> dict[int, int]:
    """{row of the report: user id} from the form's ``match-<row>`` selects; junk is a 400."""
    manual = {}
    for key, value in request.form.items():
        if not key.startswith("match-") or not value:
            continue
        index, user_id = key.removeprefix("match-"), value
        if not (index.isdigit() and user_id.isdigit()) or int(index) >= count:
            abort(400)
        manual[int(index)] = int(user_id)
    return manual


def _render(pending, session, result, manual, status=200):
    matched_ids = {m.user.id for m in result.matched}
    return render_template(
        "attendance/report_preview.html", pending=pending, session=session, workshop=session.workshop,
        result=result, manual=manual, people=result.people, matched_ids=matched_ids, labels=STATUS_LABELS,
        matched_by=MATCHED_BY, existing=online_import.existing(session, matched_ids),
    ), status


@bp.route("/attendance-imports/<token>", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def report_preview(token: str):
    pending = _pending(token)
    if pending is None:
        return _gone()
    session = staff_session(pending.session_id)
    try:
        report = read_report(pending.filename, pending.content)
    except ReportError as exc:  # the reader changed since the upload: say so, keep nothing
        db.session.delete(pending)
        db.session.commit()
        flash(_report_error(exc), "error")
        return redirect(url_for("attendance.report_upload", session_id=session.id))
    manual = _manual_choices(len(report.participants)) if request.method == "POST" else {}
    try:
        result = online_import.plan(report, session, manual=manual)
    except online_import.MatchError as exc:
        flash(str(exc), "error")
        if not manual:  # the session's time changed since the upload: the report no longer fits
            db.session.delete(pending)
            db.session.commit()
            return redirect(url_for("attendance.report_upload", session_id=session.id))
        return _render(pending, session, online_import.plan(report, session), {}, status=400)
    if request.method == "GET" or request.form.get("action") != "save":
        return _render(pending, session, result, manual)
    changed = online_import.apply(result, actor=current_user._get_current_object())
    db.session.delete(pending)
    db.session.commit()
    left = sum(1 for m in result.unmatched if m.by != "duplicate")
    message = _("Attendance saved from the %(platform)s report: %(changed)d records changed.",
                platform=result.platform.title(), changed=changed)
    if left:
        message += " " + ngettext("%(num)d person in the report was left unmatched.",
                                  "%(num)d people in the report were left unmatched.", left)
    flash(message, "success")
    return redirect(url_for("attendance.roll_call", session_id=session.id))


@bp.route("/attendance-imports/<token>/cancel", methods=["POST"])
@access.roles(*access.STAFF)
def report_cancel(token: str):
    pending = _pending(token)
    if pending is None:
        return _gone()
    session_id = pending.session_id
    db.session.delete(pending)
    db.session.commit()
    flash(_("The report was discarded; nothing was written."), "info")
    return redirect(url_for("attendance.roll_call", session_id=session_id))


@bp.route("/attendance-imports")
@access.roles(*access.STAFF)
def reports_waiting():
    """The meeting reports the current user uploaded and has not saved or cancelled yet."""
    return _waiting_page()
