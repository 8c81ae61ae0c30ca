"""Study-visit pages: the plan (participants read it on a phone, trainers edit it), a
participant's visit report, and the trainer's review of the reports."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lga import access
from lga.accounts.models import Municipality
from lga.extensions import db
from lga.visits import bp
from lga.visits import services as visits
from lga.visits.models import REPORT_STATUS_LABELS, VisitReport
from lga.visits.services import StopInput, VisitError
from lga.web import paginate

BLANK_ROWS = 3  # empty itinerary rows offered for new stops


def _visit(session_id: int, *, staff: bool = False):
    session = visits.load_session(session_id)
    if session is None:
        abort(404)
    is_staff = visits.is_staff(session, current_user)
    if session.workshop.status == "draft" and not is_staff:
        abort(404)
    access.ensure(is_staff if staff else (is_staff or visits.holds_place(session.workshop_id, current_user.id)))
    return session, is_staff


def _render_plan(session, is_staff, *, error=None, draft=None, status=200):
    report = visits.report_of(session.id, current_user.id)
    allowed, reason = visits.may_report(session, current_user) if not is_staff else (False, None)
    return render_template(
        "visits/plan.html", session=session, workshop=session.workshop, plan=visits.plan_of(session.id),
        staff=is_staff, report=report, may_report=allowed, reason=reason, error=error,
        draft=draft or ({"observed": report.observed, "to_apply": report.to_apply} if report else {}),
        labels=REPORT_STATUS_LABELS, report_max=visits.REPORT_MAX), status


@bp.route("/sessions/<int:session_id>/visit")
@access.authenticated
def plan(session_id: int):
    session, is_staff = _visit(session_id)
    return _render_plan(session, is_staff)


@bp.route("/sessions/<int:session_id>/visit/report", methods=["POST"])
@access.authenticated
def report(session_id: int):
    session, is_staff = _visit(session_id)
    draft = {"observed": request.form.get("observed", ""), "to_apply": request.form.get("to_apply", "")}
    try:
        visits.submit_report(session, current_user, draft["observed"], draft["to_apply"])
        db.session.commit()
    except VisitError as exc:
        db.session.rollback()
        return _render_plan(session, is_staff, error=str(exc), draft=draft, status=400)
    flash(_("Your visit report is saved. The trainer will review it."), "success")
    return redirect(url_for("visits.plan", session_id=session.id) + "#report")


def _municipalities():
    return db.session.scalars(select(Municipality).where(Municipality.is_active.is_(True))
                              .order_by(Municipality.name_sq)).all()


def _stops_from_form() -> list[StopInput]:
    form = request.form
    count = min(form.get("rows", 0, type=int), visits.MAX_STOPS + BLANK_ROWS)
    return [StopInput(position=form.get(f"stop-{i}-position", ""), at=form.get(f"stop-{i}-at", ""),
                      place=form.get(f"stop-{i}-place", ""), address=form.get(f"stop-{i}-address", ""),
                      note=form.get(f"stop-{i}-note", ""), remove=bool(form.get(f"stop-{i}-remove")))
            for i in range(count)]


def _stops_from_plan(plan) -> list[StopInput]:
    from lga.catalogue.scheduling import to_local

    if plan is None:
        return []
    return [StopInput(position=str(i + 1), at=f"{to_local(s.at):%H:%M}", place=s.place, address=s.address or "",
                      note=s.note or "") for i, s in enumerate(plan.stops)]


PLAN_FIELDS = ("host_institution", "meeting_point", "meeting_time", "transport", "what_to_bring", "notes")


@bp.route("/sessions/<int:session_id>/visit/edit", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def edit(session_id: int):
    from lga.catalogue.scheduling import to_local

    session, _staff = _visit(session_id, staff=True)
    municipalities = _municipalities()
    plan = visits.plan_of(session.id)
    error = None
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in PLAN_FIELDS}
        values["host_municipality_id"] = request.form.get("host_municipality_id", type=int)
        stops = _stops_from_form()
        try:
            visits.save_plan(session, values, stops, actor=current_user,
                             municipality_ids={m.id for m in municipalities})
            db.session.commit()
        except VisitError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash(_("The visit plan is saved."), "success")
            return redirect(url_for("visits.plan", session_id=session.id))
    else:
        values = {key: (getattr(plan, key) or "") if plan else "" for key in PLAN_FIELDS if key != "meeting_time"}
        values["meeting_time"] = f"{to_local(plan.meeting_at):%H:%M}" if plan and plan.meeting_at else ""
        values["host_municipality_id"] = plan.host_municipality_id if plan else None
        stops = _stops_from_plan(plan)
    stops = [s for s in stops if not s.blank] + [StopInput() for _ in range(BLANK_ROWS)]
    return render_template("visits/edit.html", session=session, workshop=session.workshop, values=values,
                           stops=stops, municipalities=municipalities, error=error,
                           starts=to_local(session.starts_at), ends=to_local(session.ends_at)), 400 if error else 200


@bp.route("/sessions/<int:session_id>/visit/reports")
@access.roles(*access.STAFF)
def reports(session_id: int):
    session, _staff = _visit(session_id, staff=True)
    page = paginate(visits.reports_query(session.id))
    return render_template("visits/reports.html", session=session, workshop=session.workshop, page=page,
                           labels=REPORT_STATUS_LABELS)


@bp.route("/visit-reports/<int:report_id>/review", methods=["POST"])
@access.roles(*access.STAFF)
def review(report_id: int):
    found = db.session.get(VisitReport, report_id)
    if found is None:
        abort(404)
    session, _staff = _visit(found.session_id, staff=True)
    try:
        visits.review_report(found, request.form.get("decision", ""), request.form.get("comment"),
                             actor=current_user)
        db.session.commit()
    except VisitError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Your review is saved; the participant sees it on the visit page."), "success")
    return redirect(url_for("visits.reports", session_id=session.id, page=request.args.get("page", 1, type=int))
                    + f"#report-{report_id}")
