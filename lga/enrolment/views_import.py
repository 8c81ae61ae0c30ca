"""Bulk enrolment from a staff list: upload, preview, confirm or cancel.

The uploaded file waits in the database (``StaffImport``) between preview and confirmation, so
whichever app server gets the confirmation can write it. Only its uploader sees it; a trainer
imports only into workshops they run.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import SelectField, SubmitField

from lga import access
from lga.accounts.models import InstitutionType, Municipality
from lga.catalogue.models import Workshop, workshop_trainer
from lga.catalogue.scheduling import local_today, may_edit
from lga.db_types import utcnow
from lga.enrolment import bp
from lga.enrolment import imports
from lga.enrolment.models import HOLDS_PLACE, OPEN_STATUSES, STATUS_LABELS, StaffImport
from lga.enrolment.services import EnrolmentError
from lga.enrolment.staff_file import FIELD_LABELS, StaffFileError
from lga.extensions import db
from lga.web import upload_limit
from lga.forms import optional_int

IMPORTERS = (access.TRAINER, access.MANAGER, access.ADMIN)
SHOW = 100  # rows listed per table on the preview; the rest are counted
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Uploads nobody confirmed or cancelled are removed when their owner uploads again after this.
KEEP_UNCONFIRMED = timedelta(days=1)
# Workshops offered for an import: not cancelled and not ended longer ago than this.
RECENT = timedelta(days=90)


class ImportUploadForm(FlaskForm):
    file = FileField(_l("Staff list (CSV or XLSX)"), validators=[FileRequired(_l("Choose a file."))],
                     render_kw={"accept": ".csv,.xlsx,.txt,text/csv,"
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    workshop_id = SelectField(_l("Enrol them in the workshop"), coerce=optional_int)
    submit = SubmitField(_l("Check the file"))


def _is_manager() -> bool:
    return current_user.has_role(access.MANAGER, access.ADMIN)


def _max_bytes() -> int:
    return upload_limit(DEFAULT_MAX_BYTES)


def _workshop_choices() -> list[tuple]:
    stmt = (select(Workshop.id, Workshop.title, Workshop.start_date)
            .where(Workshop.status == "published", Workshop.end_date >= local_today() - RECENT)
            .order_by(Workshop.start_date, Workshop.title))
    if not _is_manager():
        stmt = stmt.where(or_(
            Workshop.id.in_(select(workshop_trainer.c.workshop_id).where(workshop_trainer.c.user_id == current_user.id)),
            Workshop.created_by_id == current_user.id,
        ))
    options = [(w.id, f"{w.title} ({w.start_date.isoformat()})") for w in db.session.execute(stmt)]
    if _is_manager():
        options.insert(0, ("", _("— none: only create the accounts —")))
    return options


def _workshop(workshop_id: int | None) -> Workshop | None:
    """The workshop of an import, after checking that the current user may import into it."""
    if workshop_id is None:
        access.ensure(_is_manager())  # trainers import only into their workshops
        return None
    workshop = db.session.scalar(select(Workshop).where(Workshop.id == workshop_id)
                                 .options(selectinload(Workshop.trainers)))
    if workshop is None:
        abort(404)
    access.ensure(may_edit(workshop, current_user))
    return workshop


def _pending(token: str) -> StaffImport | None:
    """The current user's waiting upload; someone else's is as unknown as a made-up token."""
    return db.session.scalar(select(StaffImport).where(StaffImport.token == token,
                                                       StaffImport.created_by_id == current_user.id))


def _gone():
    """A stale link (the import was confirmed or cancelled, or is not yours): say so, offer the form."""
    flash(_("This import is no longer waiting: it was confirmed or cancelled, or it is not yours. "
            "Upload the file again if you need to."), "error")
    return _upload_page(ImportUploadForm(formdata=None), status=400)


def _upload_page(form: ImportUploadForm, status: int = 200):
    if form.workshop_id.choices is None:
        form.workshop_id.choices = _workshop_choices()
    return render_template("enrolment/import_upload.html", form=form, max_mb=_max_bytes() / 1048576,
                           max_rows=current_app.config["LGA_IMPORT_MAX_ROWS"]), status


@bp.route("/manage/import", methods=["GET", "POST"])
@access.roles(*IMPORTERS)
def import_upload():
    form = ImportUploadForm()
    form.workshop_id.choices = _workshop_choices()
    if not form.workshop_id.choices:
        flash(_("You have no workshops to import people into."), "info")
    if request.method == "GET":  # "Enrol a whole team" on a roster preselects its workshop
        form.workshop_id.data = optional_int(request.args.get("workshop"))
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read(_max_bytes() + 1)
        filename = (upload.filename or "staff.csv").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
        workshop = _workshop(form.workshop_id.data)
        if len(content) > _max_bytes():
            form.file.errors.append(_("The file is too large: at most %(mb).1f MB.", mb=_max_bytes() / 1048576))
        else:
            try:
                imports.read(filename, content, workshop=workshop)
            except StaffFileError as exc:
                form.file.errors.append(str(exc))
        if not form.file.errors:
            db.session.execute(delete(StaffImport).where(StaffImport.created_by_id == current_user.id,
                                                         StaffImport.created_at < utcnow() - KEEP_UNCONFIRMED))
            pending = StaffImport(token=secrets.token_urlsafe(32), created_by_id=current_user.id,
                                  workshop_id=workshop.id if workshop else None, filename=filename, content=content)
            db.session.add(pending)
            db.session.commit()
            return redirect(url_for("enrolment.import_preview", token=pending.token))
    return _upload_page(form, 400 if form.errors else 200)


def _render_preview(pending: StaffImport, workshop: Workshop | None, checked: imports.ImportPreview, status=200):
    municipalities = {m.id: m for m in db.session.scalars(select(Municipality))}
    institutions = {t.id: t for t in db.session.scalars(select(InstitutionType))}
    sexes = {"female": _("Female"), "male": _("Male"), "undisclosed": _("Prefer not to say")}
    return render_template(
        "enrolment/import_preview.html", pending=pending, workshop=workshop, checked=checked, show=SHOW,
        field_labels=FIELD_LABELS, municipalities=municipalities, institutions=institutions, sexes=sexes,
        status_labels=STATUS_LABELS, kept_statuses=set(OPEN_STATUSES) | set(HOLDS_PLACE),
    ), status


def _check(pending: StaffImport, workshop: Workshop | None) -> imports.ImportPreview | None:
    try:
        staff_file = imports.read(pending.filename, pending.content, workshop=workshop)
    except StaffFileError as exc:  # e.g. the row limit was lowered since the upload
        flash(str(exc), "error")
        return None
    return imports.preview(staff_file, workshop=workshop)


@bp.route("/manage/import/<token>")
@access.roles(*IMPORTERS)
def import_preview(token: str):
    pending = _pending(token)
    if pending is None:
        return _gone()
    workshop = _workshop(pending.workshop_id)
    checked = _check(pending, workshop)
    if checked is None:
        return redirect(url_for("enrolment.import_upload"))
    return _render_preview(pending, workshop, checked)


@bp.route("/manage/import/<token>/confirm", methods=["POST"])
@access.roles(*IMPORTERS)
def import_confirm(token: str):
    pending = _pending(token)
    if pending is None:
        return _gone()
    workshop = _workshop(pending.workshop_id)
    checked = _check(pending, workshop)
    if checked is None:
        return redirect(url_for("enrolment.import_upload"))
    try:
        result = imports.apply(checked, actor=current_user._get_current_object(), workshop=workshop)
        db.session.delete(pending)
        db.session.commit()
    except imports.ImportRefused as exc:
        db.session.rollback()
        flash(_("Nothing was imported: some rows have problems. Correct the file and upload it again."), "error")
        return _render_preview(pending, workshop, exc.preview, status=400)
    except (EnrolmentError, IntegrityError) as exc:
        db.session.rollback()
        flash(str(exc) if isinstance(exc, EnrolmentError) else
              _("Nothing was imported: the data changed while you were checking it. Please check it again."),
              "error")
        return redirect(url_for("enrolment.import_preview", token=token))
    message = _("Import done: %(created)d accounts created and invited, %(existing)d people already had one.",
                created=result.created, existing=result.existing)
    if workshop is not None:
        message += " " + _("Workshop: %(enrolled)d enrolled, %(waitlisted)d on the waitlist, "
                           "%(already)d were already on the list.", enrolled=result.enrolled,
                           waitlisted=result.waitlisted, already=result.already_enrolled)
    emails = result.created + (result.enrolled + result.waitlisted - result.created if workshop is not None else 0)
    if emails > current_app.config["LGA_MAIL_INLINE_MAX"]:
        message += " " + _("%(n)d emails are queued and go out within a few minutes.", n=emails)
    flash(message, "success")
    return redirect(url_for("enrolment.import_upload"))


@bp.route("/manage/import/<token>/cancel", methods=["POST"])
@access.roles(*IMPORTERS)
def import_cancel(token: str):
    pending = _pending(token)
    if pending is None:
        return _gone()
    db.session.delete(pending)
    db.session.commit()
    flash(_("The import was cancelled; nothing was written."), "info")
    return redirect(url_for("enrolment.import_upload"))
