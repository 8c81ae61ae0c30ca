"""The evaluation template editor (managers and admins).

Templates are shared by every workshop of every programme, so they are edited by programme
managers and admins; trainers choose among the active ones for their workshops (``results``).
Every change is one transaction: a broken rule rolls it back and the page says why.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lga import access
from lga.evaluation import bp
from lga.evaluation import editing
from lga.evaluation.editing import TemplateError
from lga.evaluation.models import (
    DIMENSION_LABELS, DIMENSIONS, KIND_LABELS, SCALE, SCALE_LABELS, EvaluationItem, EvaluationTemplate,
)
from lga.evaluation.services import items_of
from lga.extensions import db
from lga.i18n import LANGUAGE_CODES
from lga.web import get_or_404, paginate

EDITORS = (access.MANAGER, access.ADMIN)


def _actor():
    return current_user._get_current_object()


def _template(template_id: int) -> EvaluationTemplate:
    return get_or_404(EvaluationTemplate, template_id)


def _item(template: EvaluationTemplate, item_id: int) -> EvaluationItem:
    item = db.session.get(EvaluationItem, item_id)
    if item is None or item.template_id != template.id:  # another template's item: not found here
        abort(404)
    return item


def _moves(items: list[EvaluationItem]) -> dict[int, tuple[str | None, str | None]]:
    """For each item, the whole order after moving it up and after moving it down (None at an end)."""
    ids = [str(item.id) for item in items]
    moves = {}
    for index, item in enumerate(items):
        up = down = None
        if index > 0:
            order = ids[:]
            order[index - 1], order[index] = order[index], order[index - 1]
            up = ",".join(order)
        if index < len(ids) - 1:
            order = ids[:]
            order[index], order[index + 1] = order[index + 1], order[index]
            down = ",".join(order)
        moves[item.id] = (up, down)
    return moves


def _editor_page(template: EvaluationTemplate, *, error: str | None = None, field: str | None = None,
                 given: dict | None = None):
    state = editing.editor(template)
    title = given if given is not None else {f"title_{lang}": text for lang, text in template.title.items()}
    return render_template("evaluation/template_edit.html", editor=state, template=template, error=error,
                           field=field, given=title, languages=LANGUAGE_CODES, kinds=KIND_LABELS,
                           dimensions=DIMENSION_LABELS, moves=_moves(state.items)), 400 if error else 200


def _refused(exc: Exception):
    """Undo the transaction; the message of a broken rule, or of a change made meanwhile."""
    db.session.rollback()
    if isinstance(exc, TemplateError):
        return str(exc), exc.field
    return str(editing.CONFLICT), None


@bp.route("/evaluation-forms")
@access.roles(*EDITORS)
def templates():
    page = paginate(select(EvaluationTemplate).order_by(EvaluationTemplate.is_active.desc(),
                                                        EvaluationTemplate.code), per_page=50)
    return render_template("evaluation/templates.html", page=page, rows=editing.rows(page.items))


@bp.route("/evaluation-forms/new", methods=["GET", "POST"])
@access.roles(*EDITORS)
def template_new():
    error = field = None
    if request.method == "POST":
        try:
            template = editing.create(request.form, actor=_actor())
            db.session.commit()
        except (TemplateError, IntegrityError) as exc:
            error, field = _refused(exc)
        else:
            flash(_("The form is created. Add its statements and questions, then activate it."), "success")
            return redirect(url_for("evaluation.template_edit", template_id=template.id))
    return render_template("evaluation/template_new.html", error=error, field=field, given=request.form,
                           languages=LANGUAGE_CODES), 400 if error else 200


@bp.route("/evaluation-forms/<int:template_id>", methods=["GET", "POST"])
@access.roles(*EDITORS)
def template_edit(template_id: int):
    """The editor; a POST saves the title."""
    template = _template(template_id)
    if request.method == "POST":
        try:
            changed = editing.rename(template, request.form, actor=_actor())
            db.session.commit()
        except TemplateError as exc:
            error, field = _refused(exc)
            return _editor_page(_template(template_id), error=error, field=field, given=request.form)
        flash(_("The title is saved.") if changed else _("Nothing has changed."), "success")
        return redirect(url_for("evaluation.template_edit", template_id=template.id))
    return _editor_page(template)


@bp.route("/evaluation-forms/<int:template_id>/preview")
@access.roles(*EDITORS)
def template_preview(template_id: int):
    template = _template(template_id)
    return render_template("evaluation/preview.html", template=template, form_items=items_of(template),
                           scale=SCALE, scale_labels=SCALE_LABELS)


@bp.route("/evaluation-forms/<int:template_id>/copy", methods=["POST"])
@access.roles(*EDITORS)
def template_copy(template_id: int):
    template = _template(template_id)
    try:
        new = editing.copy(template, actor=_actor())
        db.session.commit()
    except IntegrityError as exc:  # the same code taken a moment ago
        error, _field = _refused(exc)
        return _editor_page(_template(template_id), error=error)
    flash(_("This is the new version (%(code)s). Change its items, then activate it.", code=new.code), "success")
    return redirect(url_for("evaluation.template_edit", template_id=new.id))


@bp.route("/evaluation-forms/<int:template_id>/active", methods=["POST"])
@access.roles(*EDITORS)
def template_active(template_id: int):
    template = _template(template_id)
    active = request.form.get("active") == "1"
    try:
        editing.set_active(template, active, actor=_actor())
        db.session.commit()
    except TemplateError as exc:
        error, _field = _refused(exc)
        return _editor_page(_template(template_id), error=error)
    flash(_("The form is active: workshops can use it.") if active
          else _("The form is inactive: new evaluations cannot use it; those that do go on."), "success")
    return redirect(url_for("evaluation.template_edit", template_id=template.id))


def _item_page(template: EvaluationTemplate, item: EvaluationItem | None, *, error=None, field=None):
    if item is not None and request.method == "GET":
        given = {"kind": item.kind, "dimension": item.dimension or "", "required": "1" if item.required else "",
                 **{f"text_{lang}": text for lang, text in item.text.items()}}
    elif request.method == "GET":
        given = {"kind": "likert", "required": "1"}
    else:
        given = request.form
    return render_template("evaluation/item_form.html", template=template, item=item, error=error, field=field,
                           given=given, languages=LANGUAGE_CODES, kinds=KIND_LABELS, dimensions=DIMENSIONS,
                           dimension_labels=DIMENSION_LABELS), 400 if error else 200


def _save_item(template: EvaluationTemplate, item: EvaluationItem | None):
    template_id, item_id = template.id, item.id if item is not None else None
    if request.method == "GET":
        if editing.is_answered(template):
            flash(str(editing.ANSWERED), "error")
            return redirect(url_for("evaluation.template_edit", template_id=template.id))
        return _item_page(template, item)
    try:
        if item is None:
            editing.add_item(template, request.form, actor=_actor())
        else:
            editing.update_item(template, item, request.form, actor=_actor())
        db.session.commit()
    except (TemplateError, IntegrityError) as exc:
        error, field = _refused(exc)
        template = _template(template_id)
        return _item_page(template, _item(template, item_id) if item_id is not None else None, error=error,
                          field=field)
    flash(_("The item is saved."), "success")
    return redirect(url_for("evaluation.template_edit", template_id=template.id) + "#items")


@bp.route("/evaluation-forms/<int:template_id>/items/new", methods=["GET", "POST"])
@access.roles(*EDITORS)
def item_new(template_id: int):
    return _save_item(_template(template_id), None)


@bp.route("/evaluation-forms/<int:template_id>/items/<int:item_id>", methods=["GET", "POST"])
@access.roles(*EDITORS)
def item_edit(template_id: int, item_id: int):
    template = _template(template_id)
    return _save_item(template, _item(template, item_id))


@bp.route("/evaluation-forms/<int:template_id>/items/<int:item_id>/remove", methods=["POST"])
@access.roles(*EDITORS)
def item_remove(template_id: int, item_id: int):
    template = _template(template_id)
    try:
        editing.remove_item(template, editing.item_of(template, item_id), actor=_actor())
        db.session.commit()
    except (TemplateError, IntegrityError) as exc:
        error, _field = _refused(exc)
        return _editor_page(_template(template_id), error=error)
    flash(_("The item is removed."), "success")
    return redirect(url_for("evaluation.template_edit", template_id=template.id) + "#items")


@bp.route("/evaluation-forms/<int:template_id>/order", methods=["POST"])
@access.roles(*EDITORS)
def item_reorder(template_id: int):
    """The whole new order, as the page drew it: a list that no longer matches moves nothing."""
    template = _template(template_id)
    order = [part.strip() for part in (request.form.get("order") or "").split(",") if part.strip()]
    try:
        editing.reorder(template, order, actor=_actor())
        db.session.commit()
    except (TemplateError, IntegrityError) as exc:
        error, _field = _refused(exc)
        return _editor_page(_template(template_id), error=error)
    flash(_("The order is saved."), "success")
    return redirect(url_for("evaluation.template_edit", template_id=template.id) + "#items")
