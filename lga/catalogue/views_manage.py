"""Scheduling pages: create, copy and edit workshops, their sessions, and cancel them."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from lga import access
from lga.accounts.models import InstitutionType, Municipality, User, UserRole
from lga.catalogue import bp, scheduling
from lga.catalogue import services as catalogue
from lga.catalogue.forms import (
    CancelWorkshopForm, CopyForm, SessionForm, WorkshopForm, fill_session_form, session_values,
    status_labels, utc_to_local_naive, workshop_values,
)
from lga.catalogue.models import Module, Programme, Workshop, WorkshopSession, workshop_trainer
from lga.catalogue.scheduling import SchedulingError
from lga.extensions import db
from lga.forms import choices
from lga.i18n import LANGUAGE_NAMES

SCHEDULERS = (access.TRAINER, access.MANAGER, access.ADMIN)


def _trainers() -> list[User]:
    return db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == access.TRAINER, User.active.is_(True))
        .order_by(User.family_name, User.given_name)
    ).all()


def _setup(form: WorkshopForm, trainers: list[User]) -> None:
    modules = db.session.scalars(select(Module).where(Module.is_active.is_(True)).order_by(Module.code)).all()
    programmes = db.session.scalars(select(Programme).where(Programme.is_active.is_(True))
                                    .order_by(Programme.position)).all()
    municipalities = db.session.scalars(select(Municipality).where(Municipality.is_active.is_(True))
                                        .order_by(Municipality.name_sq)).all()
    institutions = db.session.scalars(select(InstitutionType).where(InstitutionType.is_active.is_(True))
                                      .order_by(InstitutionType.position)).all()
    form.module_id.choices = choices((m.id, m.label()) for m in modules)
    form.programme_id.choices = choices((p.id, p.label()) for p in programmes)
    form.municipality_id.choices = choices([("", _("— none —"))] + [(m.id, m.name()) for m in municipalities])
    form.language.choices = choices(LANGUAGE_NAMES.items())
    form.trainer_ids.choices = choices((t.id, t.full_name) for t in trainers)
    form.target_institution_ids.choices = choices((i.id, i.label()) for i in institutions)
    form.status.choices = choices(list(status_labels().items())[:2])  # cancelling has its own page


def _selected(form: WorkshopForm, trainers: list[User]):
    chosen = set(form.trainer_ids.data or ())
    targets = set(form.target_institution_ids.data or ())
    institutions = db.session.scalars(select(InstitutionType).where(InstitutionType.id.in_(targets))).all() \
        if targets else []
    return [t for t in trainers if t.id in chosen], institutions


def editable_workshop(workshop_id: int) -> Workshop:
    """The workshop behind a staff page, if this person may manage it (404 or 403 otherwise).
    Shared by the scheduling, roster and attendance pages."""
    workshop = scheduling.load_for_editing(workshop_id)
    if workshop is None:
        abort(404)
    access.ensure(scheduling.may_edit(workshop, current_user))
    return workshop


def _field_error(form, exc: SchedulingError) -> None:
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = list(target.errors) + [str(exc)]
    else:
        flash(str(exc), "error")


@bp.route("/manage/workshops/new", methods=["GET", "POST"])
@access.roles(*SCHEDULERS)
def workshop_new():
    """A new workshop, blank, from a module's session plan (?module=code) or copied (?copy=id)."""
    trainers = _trainers()
    form = WorkshopForm()
    _setup(form, trainers)
    source = CopyForm(request.args)
    source.validate()
    original = scheduling.load_for_editing(source.copy.data) if source.copy.data else None
    if original is not None and not scheduling.may_edit(original, current_user) and original.status != "published":
        original = None
    module = None
    if original is None and source.module.data:
        module = catalogue.module_detail(source.module.data)
    if request.method == "GET":
        if original is not None:
            start = source.start.data or original.start_date
            form.process(data=scheduling.copy_values(original, start))
            form.trainer_ids.data = [t.id for t in original.trainers]
            form.target_institution_ids.data = [i.id for i in original.target_institutions]
        elif module is not None:
            form.module_id.data, form.programme_id.data = module.id, module.programme_id
            form.title.data = module.label()
            if source.start.data:
                form.start_date.data = source.start.data
                form.end_date.data = source.start.data + timedelta(days=scheduling.plan_days(module) - 1)
        if current_user.has_role(access.TRAINER) and not form.trainer_ids.data:
            form.trainer_ids.data = [current_user.id]
        form.status.data = form.status.data or "draft"
    if form.validate_on_submit():
        chosen, targets = _selected(form, trainers)
        values = workshop_values(form)
        sessions = []
        if original is not None:
            sessions = scheduling.copy_sessions(original, values["start_date"])
        elif module is not None and module.id == values["module_id"]:
            sessions = scheduling.sessions_from_plan(module, values["start_date"],
                                                     trainer_id=chosen[0].id if chosen else None)
        try:
            workshop = scheduling.create_workshop(values, trainers=chosen, targets=targets, actor=current_user,
                                                  sessions=sessions)
            created = len(sessions)
            db.session.commit()
        except SchedulingError as exc:
            db.session.rollback()
            _setup(form, _trainers())
            _field_error(form, exc)
        else:
            flash(_("The workshop was created with %(n)d sessions.", n=created), "success")
            return redirect(url_for("catalogue.workshop_sessions", workshop_id=workshop.id))
    recent_stmt = select(Workshop).where(Workshop.status != "cancelled").order_by(Workshop.start_date.desc()).limit(30)
    if not current_user.has_role(access.MANAGER, access.ADMIN):  # others' drafts stay private
        trained = select(workshop_trainer.c.workshop_id).where(workshop_trainer.c.user_id == current_user.id)
        recent_stmt = recent_stmt.where(or_(Workshop.status == "published", Workshop.created_by_id == current_user.id,
                                            Workshop.id.in_(trained)))
    recent = db.session.scalars(recent_stmt).all()
    modules = [(m.code, m.label()) for m in db.session.scalars(
        select(Module).where(Module.is_active.is_(True)).order_by(Module.code))]
    return render_template("catalogue/workshop_form.html", form=form, workshop=None, original=original,
                           module=module, recent=recent, modules=modules)


@bp.route("/manage/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@access.roles(*SCHEDULERS)
def workshop_edit(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    if workshop.status == "cancelled":
        flash(_("This workshop has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("catalogue.workshop", workshop_id=workshop.id))
    trainers = _trainers()
    form = WorkshopForm(obj=workshop)
    _setup(form, trainers)
    if request.method == "GET":
        form.trainer_ids.data = [t.id for t in workshop.trainers]
        form.target_institution_ids.data = [i.id for i in workshop.target_institutions]
        for name in ("enrol_opens_at", "enrol_closes_at", "cancel_until"):
            form[name].data = utc_to_local_naive(getattr(workshop, name))
    if form.validate_on_submit():
        chosen, targets = _selected(form, trainers)
        try:
            changes = scheduling.update_workshop(workshop, workshop_values(form), trainers=chosen, targets=targets,
                                                 actor=current_user, notify=form.notify.data)
            db.session.commit()
        except SchedulingError as exc:
            db.session.rollback()
            workshop = editable_workshop(workshop_id)
            _setup(form, _trainers())
            _field_error(form, exc)
        else:
            flash(_("Saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("catalogue.workshop_sessions", workshop_id=workshop.id))
    return render_template("catalogue/workshop_form.html", form=form, workshop=workshop, original=None,
                           module=None, recent=[], modules=[])


def _session_form(workshop: Workshop, form: SessionForm | None = None) -> SessionForm:
    form = form or SessionForm()
    trainers = workshop.trainers or _trainers()
    form.trainer_id.choices = choices([("", _("— none —"))] + [(t.id, t.full_name) for t in trainers])
    return form


@bp.route("/manage/workshops/<int:workshop_id>/sessions", methods=["GET", "POST"])
@access.roles(*SCHEDULERS)
def workshop_sessions(workshop_id: int):
    """The timetable of a workshop, with a form to add a session."""
    workshop = editable_workshop(workshop_id)
    form = _session_form(workshop)
    if request.method == "GET":
        form.day.data = workshop.start_date
        form.room.data = workshop.sessions[-1].room if workshop.sessions else None
        form.trainer_id.data = workshop.trainers[0].id if workshop.trainers else None
    if workshop.status != "cancelled" and form.validate_on_submit():
        try:
            scheduling.add_session(workshop, session_values(form), actor=current_user, notify=form.notify.data)
            db.session.commit()
        except SchedulingError as exc:
            db.session.rollback()
            workshop = editable_workshop(workshop_id)
            form = _session_form(workshop, form)
            _field_error(form, exc)
        else:
            flash(_("Session added."), "success")
            return redirect(url_for("catalogue.workshop_sessions", workshop_id=workshop.id))
    return render_template("catalogue/workshop_sessions.html", workshop=workshop, form=form,
                           days=catalogue.sessions_by_day(workshop), cancel_form=CancelWorkshopForm())


def _owned_session(workshop: Workshop, session_id: int) -> WorkshopSession:
    session = next((s for s in workshop.sessions if s.id == session_id), None)
    if session is None:
        abort(404)
    return session


@bp.route("/manage/workshops/<int:workshop_id>/sessions/<int:session_id>", methods=["GET", "POST"])
@access.roles(*SCHEDULERS)
def session_edit(workshop_id: int, session_id: int):
    workshop = editable_workshop(workshop_id)
    session = _owned_session(workshop, session_id)
    form = _session_form(workshop)
    if request.method == "GET":
        fill_session_form(form, session)
    if workshop.status != "cancelled" and form.validate_on_submit():
        try:
            scheduling.update_session(workshop, session, session_values(form), actor=current_user,
                                      notify=form.notify.data)
            db.session.commit()
        except SchedulingError as exc:
            db.session.rollback()
            workshop = editable_workshop(workshop_id)
            session = _owned_session(workshop, session_id)
            form = _session_form(workshop, form)
            _field_error(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("catalogue.workshop_sessions", workshop_id=workshop.id))
    return render_template("catalogue/session_form.html", workshop=workshop, session=session, form=form)


@bp.route("/manage/workshops/<int:workshop_id>/sessions/<int:session_id>/delete", methods=["POST"])
@access.roles(*SCHEDULERS)
def session_delete(workshop_id: int, session_id: int):
    workshop = editable_workshop(workshop_id)
    session = _owned_session(workshop, session_id)
    scheduling.delete_session(workshop, session, actor=current_user)
    db.session.commit()
    flash(_("Session removed."), "success")
    return redirect(url_for("catalogue.workshop_sessions", workshop_id=workshop.id))


@bp.route("/manage/workshops/<int:workshop_id>/cancel", methods=["POST"])
@access.roles(*SCHEDULERS)
def workshop_cancel(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    form = CancelWorkshopForm()
    if workshop.status == "cancelled":
        flash(_("This workshop has been cancelled and can no longer be changed."), "info")
        return redirect(url_for("catalogue.workshop", workshop_id=workshop.id))
    if not form.validate_on_submit():
        flash(_("Please give a reason: everyone enrolled will read it."), "error")
        return redirect(url_for("catalogue.workshop_sessions", workshop_id=workshop.id))
    scheduling.cancel_workshop(workshop, actor=current_user, reason=form.reason.data)
    db.session.commit()
    flash(_("The workshop was cancelled and everyone on its list was told."), "success")
    return redirect(url_for("catalogue.workshop", workshop_id=workshop.id))
