"""Materials of a workshop: the list (participants and staff), a note, a file's download, and
the staff's pages to add, change, order and remove them."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lga import access
from lga.catalogue import scheduling
from lga.catalogue.forms import local_to_utc, utc_to_local_naive
from lga.catalogue.views_manage import editable_workshop
from lga.db_types import utcnow
from lga.extensions import db
from lga.forms import choices
from lga.materials import bp
from lga.materials import services as materials
from lga.materials.files import accept_attribute, download_response, max_bytes, read_upload
from lga.materials.forms import MaterialForm
from lga.materials.models import KIND_LABELS, KINDS, Material
from lga.materials.services import MaterialError
from lga.storage import StorageError, storage
from lga.web import paginate


def _workshop_for_reading(workshop_id: int):
    """The workshop, if this person is on its staff or holds a place in it (404, 403 otherwise)."""
    workshop = scheduling.load_for_editing(workshop_id)
    if workshop is None:
        abort(404)
    staff = materials.is_staff(workshop, current_user)
    access.ensure(staff or materials.holds_place(workshop.id, current_user.id))
    return workshop, staff


def _material_in(workshop, material_id: int, *, staff: bool) -> Material:
    material = db.session.get(Material, material_id)
    if material is None or material.workshop_id != workshop.id or not (staff or material.shown_at(utcnow())):
        abort(404)
    return material


@bp.route("/workshops/<int:workshop_id>/materials")
@access.authenticated
def workshop_materials(workshop_id: int):
    workshop, staff = _workshop_for_reading(workshop_id)
    now = utcnow()
    page = paginate(materials.materials_query(workshop.id, staff=staff, now=now), per_page=25)
    return render_template("materials/list.html", workshop=workshop, page=page, staff=staff, now=now,
                           kinds=KIND_LABELS)


@bp.route("/workshops/<int:workshop_id>/materials/<int:material_id>")
@access.authenticated
def material(workshop_id: int, material_id: int):
    workshop, staff = _workshop_for_reading(workshop_id)
    item = _material_in(workshop, material_id, staff=staff)
    if item.kind == "file":
        return redirect(url_for("materials.download", workshop_id=workshop.id, material_id=item.id))
    return render_template("materials/material.html", workshop=workshop, material=item, staff=staff,
                           kinds=KIND_LABELS)


@bp.route("/workshops/<int:workshop_id>/materials/<int:material_id>/download")
@access.authenticated
def download(workshop_id: int, material_id: int):
    workshop, staff = _workshop_for_reading(workshop_id)
    item = _material_in(workshop, material_id, staff=staff)
    if item.kind != "file":
        abort(404)
    try:
        stream = storage().open(item.storage_key)
    except StorageError:
        abort(404)
    return download_response(stream, filename=item.filename, content_type=item.content_type, size=item.size)


def _form(workshop, item: Material | None = None) -> MaterialForm:
    form = MaterialForm(obj=item)
    form.session_id.choices = choices([(None, _("The whole workshop"))] + [
        (s.id, f"{s.title} · {scheduling.to_local(s.starts_at):%d.%m.%Y %H:%M}") for s in workshop.sessions])
    if item is not None and request.method == "GET":
        form.visible_from.data = utc_to_local_naive(item.visible_from)
    return form


def _values(form: MaterialForm) -> dict:
    return {"title": form.title.data, "description": form.description.data, "session_id": form.session_id.data,
            "is_visible": form.is_visible.data, "visible_from": local_to_utc(form.visible_from.data),
            "url": form.url.data, "body": form.body.data}


def _upload(form: MaterialForm):
    data = form.file.data
    if data is None or not getattr(data, "filename", None):
        return None
    return read_upload(data)


def _show_error(form: MaterialForm, exc: MaterialError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*target.errors, str(exc)] if isinstance(target.errors, list) else [str(exc)]
    else:
        flash(str(exc), "error")


def _render_form(workshop, form, kind, item=None, status=200):
    return render_template("materials/form.html", workshop=workshop, form=form, kind=kind, material=item,
                           fields=form.fields_for(kind, replacing=item is not None), kinds=KIND_LABELS,
                           accept=accept_attribute(), max_mb=max_bytes() / 1048576), status


@bp.route("/workshops/<int:workshop_id>/materials/new", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def material_new(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    kind = request.args.get("kind", "file")
    if kind not in KINDS:
        abort(404)
    form = _form(workshop)
    if form.validate_on_submit():
        try:
            item = materials.add(workshop, kind, _values(form), upload=_upload(form), actor=current_user)
            db.session.commit()
        except MaterialError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            flash(_('"%(title)s" was added to the materials.', title=item.title), "success")
            return redirect(url_for("materials.workshop_materials", workshop_id=workshop.id))
    return _render_form(workshop, form, kind, status=400 if request.method == "POST" else 200)


@bp.route("/workshops/<int:workshop_id>/materials/<int:material_id>/edit", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def material_edit(workshop_id: int, material_id: int):
    workshop = editable_workshop(workshop_id)
    item = _material_in(workshop, material_id, staff=True)
    form = _form(workshop, item)
    if form.validate_on_submit():
        try:
            materials.update_material(item, workshop, _values(form), upload=_upload(form), actor=current_user)
            db.session.commit()
        except MaterialError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            flash(_("The material was saved."), "success")
            return redirect(url_for("materials.workshop_materials", workshop_id=workshop.id))
    return _render_form(workshop, form, item.kind, item, status=400 if request.method == "POST" else 200)


@bp.route("/workshops/<int:workshop_id>/materials/<int:material_id>/delete", methods=["POST"])
@access.roles(*access.STAFF)
def material_delete(workshop_id: int, material_id: int):
    workshop = editable_workshop(workshop_id)
    item = _material_in(workshop, material_id, staff=True)
    title = item.title
    materials.delete(item, actor=current_user)
    db.session.commit()
    flash(_('"%(title)s" was removed.', title=title), "success")
    return redirect(url_for("materials.workshop_materials", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/materials/<int:material_id>/move", methods=["POST"])
@access.roles(*access.STAFF)
def material_move(workshop_id: int, material_id: int):
    workshop = editable_workshop(workshop_id)
    item = _material_in(workshop, material_id, staff=True)
    materials.move(item, -1 if request.form.get("direction") == "up" else 1, actor=current_user)
    db.session.commit()
    return redirect(url_for("materials.workshop_materials", workshop_id=workshop.id,
                            page=request.form.get("page", type=int) or None) + f"#material-{item.id}")
