"""The evaluation form (a participant, once, on a phone) and its results (the workshop's staff:
aggregates and comments, never who said what)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from lga import access
from lga.catalogue import scheduling
from lga.catalogue.views_manage import editable_workshop
from lga.db_types import utcnow
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.evaluation import bp
from lga.evaluation import services as evaluation
from lga.evaluation.models import (
    DIMENSION_LABELS, SCALE, SCALE_LABELS, Evaluation, EvaluationResponse, EvaluationTemplate,
)
from lga.evaluation.services import EvaluationError
from lga.extensions import db


@bp.route("/workshops/<int:workshop_id>/evaluation", methods=["GET", "POST"])
@access.authenticated
def form(workshop_id: int):
    workshop = scheduling.load_for_editing(workshop_id)
    if workshop is None:
        abort(404)
    participant = db.session.scalar(select(Enrolment.id).where(
        Enrolment.workshop_id == workshop.id, Enrolment.user_id == current_user.id,
        Enrolment.status.in_(HOLDS_PLACE))) is not None
    if not participant:
        if scheduling.may_edit(workshop, current_user):
            return redirect(url_for("evaluation.results", workshop_id=workshop.id))
        access.ensure(False)
    if evaluation.has_submitted(workshop.id, current_user.id):
        return render_template("evaluation/thanks.html", workshop=workshop)
    template = evaluation.template_for(workshop.id)
    if template is None:
        abort(404)
    items = evaluation.items_of(template)
    span = evaluation.window(workshop, evaluation.evaluation_of(workshop.id))
    now = utcnow()
    error, given = None, {}
    if request.method == "POST":
        given = {item.id: request.form.get(f"item-{item.id}", "") for item in items}
        try:
            evaluation.submit(workshop, current_user, given)
            db.session.commit()
        except EvaluationError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash(_("Thank you: your evaluation was received."), "success")
            return render_template("evaluation/thanks.html", workshop=workshop)
    return render_template("evaluation/form.html", workshop=workshop, template=template, form_items=items, window=span,
                           is_open=span.is_open(now), now=now, error=error, given=given, scale=SCALE,
                           scale_labels=SCALE_LABELS), 400 if error else 200


@bp.route("/workshops/<int:workshop_id>/evaluation/results")
@access.roles(*access.STAFF)
def results(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    outcome = evaluation.results(workshop)
    templates = db.session.scalars(select(EvaluationTemplate).where(EvaluationTemplate.is_active.is_(True))
                                  .order_by(EvaluationTemplate.id)).all()
    return render_template("evaluation/results.html", workshop=workshop, outcome=outcome, scale=SCALE,
                           scale_labels=SCALE_LABELS, dimensions=DIMENSION_LABELS, templates=templates,
                           minimum=evaluation.MIN_RESPONSES,
                           window=evaluation.window(workshop, outcome.evaluation))


@bp.route("/workshops/<int:workshop_id>/evaluation/template", methods=["POST"])
@access.roles(*access.STAFF)
def choose_template(workshop_id: int):
    """Choose the form before anyone has answered (afterwards answers would not match it)."""
    workshop = editable_workshop(workshop_id)
    template = db.session.get(EvaluationTemplate, request.form.get("template_id", type=int) or 0)
    if template is None or not template.is_active:
        abort(400)
    current = evaluation.evaluation_of(workshop.id)
    if current is not None and db.session.scalar(select(func.count()).select_from(EvaluationResponse).where(
            EvaluationResponse.evaluation_id == current.id)):
        flash(_("People have already answered: the form can no longer change."), "error")
    else:
        if current is None:
            db.session.add(Evaluation(workshop_id=workshop.id, template_id=template.id))
        else:
            current.template_id = template.id
        db.session.commit()
        flash(_("The evaluation form is chosen."), "success")
    return redirect(url_for("evaluation.results", workshop_id=workshop.id))
