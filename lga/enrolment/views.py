"""Enrolment pages: enrol and cancel, "My trainings", rosters, the managers' overview, feeds."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lga import access
from lga.accounts import services as accounts
from lga.attendance import completion
from lga.catalogue import ical, scheduling
from lga.catalogue.views_manage import editable_workshop
from lga.enrolment import bp
from lga.enrolment import services as enrolment
from lga.enrolment.forms import DirectEnrolForm, RejectForm
from lga.enrolment.models import Enrolment
from lga.enrolment.services import EnrolmentError
from lga.extensions import db
from lga.i18n import babel_locale_for
from lga.web import get_or_404, paginate, paginate_rows, safe_next

STAFF = access.STAFF


def _back_to_workshop(workshop_id: int):
    return redirect(safe_next(request.form.get("next"), url_for("catalogue.workshop", workshop_id=workshop_id)))


@bp.route("/workshops/<int:workshop_id>/enrol", methods=["POST"])
@access.authenticated
def enrol(workshop_id: int):
    try:
        mine = enrolment.enrol(workshop_id, current_user)
        db.session.commit()
    except EnrolmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back_to_workshop(workshop_id)
    flash({
        "enrolled": _("You are enrolled. We have sent you a confirmation with a calendar entry."),
        "requested": _("Your request was sent. You will get an email when it has been decided."),
        "waitlisted": _("The workshop is full: you are on the waitlist, number %(n)d. We will email you if a place "
                        "opens up.", n=enrolment.waitlist_position(mine) or 0),
    }[mine.status], "success")
    return _back_to_workshop(workshop_id)


def _managed_enrolment(enrolment_id: int) -> Enrolment:
    row = db.session.scalar(select(Enrolment).where(Enrolment.id == enrolment_id)
                            .options(selectinload(Enrolment.user)))
    if row is None:
        abort(404)
    workshop = scheduling.load_for_editing(row.workshop_id)
    access.ensure(scheduling.may_edit(workshop, current_user))
    return row


@bp.route("/enrolments/<int:enrolment_id>/cancel", methods=["POST"])
@access.authenticated
def cancel(enrolment_id: int):
    row = get_or_404(Enrolment, enrolment_id)
    if row.user_id != current_user.id:
        access.ensure(scheduling.may_edit(scheduling.load_for_editing(row.workshop_id), current_user))
    workshop_id = row.workshop_id
    try:
        enrolment.cancel(row, actor=current_user)
        db.session.commit()
    except EnrolmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("The enrolment was cancelled.") if row.user_id != current_user.id
              else _("Your enrolment was cancelled. We have sent you a confirmation."), "success")
    return _back_to_workshop(workshop_id)


@bp.route("/enrolments/<int:enrolment_id>/approve", methods=["POST"])
@access.roles(*STAFF)
def approve(enrolment_id: int):
    row = _managed_enrolment(enrolment_id)
    name, workshop_id = row.user.full_name, row.workshop_id
    try:
        status = enrolment.approve(row, actor=current_user).status
        db.session.commit()
    except EnrolmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Approved: %(name)s is enrolled.", name=name) if status == "enrolled"
              else _("Approved, but the workshop is full: %(name)s is on the waitlist.", name=name), "success")
    return redirect(safe_next(request.form.get("next"),
                              url_for("enrolment.roster", workshop_id=workshop_id, tab="requested")))


@bp.route("/enrolments/<int:enrolment_id>/reject", methods=["POST"])
@access.roles(*STAFF)
def reject(enrolment_id: int):
    row = _managed_enrolment(enrolment_id)
    name, workshop_id = row.user.full_name, row.workshop_id
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason: the person will read it."), "error")
    else:
        try:
            enrolment.reject(row, form.reason.data, actor=current_user)
            db.session.commit()
        except EnrolmentError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Declined; %(name)s has been told why.", name=name), "success")
    return redirect(safe_next(request.form.get("next"),
                              url_for("enrolment.roster", workshop_id=workshop_id, tab="requested")))


@bp.route("/workshops/<int:workshop_id>/roster")
@access.roles(*STAFF)
def roster(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    tab = request.args.get("tab", "enrolled")
    if tab not in enrolment.ROSTER_TABS:
        abort(404)
    counts = enrolment.counts(workshop.id)
    page = paginate(enrolment.roster_query(workshop.id, tab), per_page=50)
    progress = completion.progress([(workshop.id, e.user_id) for e in page.items]) if tab == "enrolled" else {}
    return render_template("enrolment/roster.html", workshop=workshop, tab=tab, page=page, counts=counts,
                           progress=progress,
                           add_form=DirectEnrolForm(), reject_form=RejectForm(),
                           tab_counts={t: sum(counts.get(s, 0) for s in statuses)
                                       for t, statuses in enrolment.ROSTER_TABS.items()})


@bp.route("/workshops/<int:workshop_id>/roster/add", methods=["POST"])
@access.roles(*STAFF)
def roster_add(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    form = DirectEnrolForm()
    if not form.validate_on_submit():
        flash(_("Enter the email address of a person with an account."), "error")
        return redirect(url_for("enrolment.roster", workshop_id=workshop.id))
    person = accounts.find_by_email(form.email.data)
    if person is None or not person.active:
        flash(_("Nobody with an active account has this email address. Import a staff list to invite new people."),
              "error")
        return redirect(url_for("enrolment.roster", workshop_id=workshop.id))
    try:
        row = enrolment.enrol_direct(workshop, person, actor=current_user)
        db.session.commit()
    except EnrolmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("%(name)s is enrolled.", name=person.full_name) if row.status == "enrolled"
              else _("The workshop is full: %(name)s is on the waitlist.", name=person.full_name), "success")
    return redirect(url_for("enrolment.roster", workshop_id=workshop.id))


@bp.route("/my/trainings")
@access.authenticated
def my_trainings():
    upcoming = db.session.scalars(enrolment.my_trainings_query(current_user.id, upcoming=True).limit(100)).all()
    past = paginate(enrolment.my_trainings_query(current_user.id, upcoming=False))
    progress = completion.progress([(e.workshop_id, current_user.id) for e in [*upcoming, *past.items]
                                    if e.status in ("enrolled", "completed")])
    return render_template("enrolment/my_trainings.html", upcoming=upcoming, past=past, progress=progress)


@bp.route("/manage/workshops")
@access.roles(*STAFF)
def overview():
    scope = "past" if request.args.get("scope") == "past" else "upcoming"
    page = paginate_rows(enrolment.overview_query(current_user, scope=scope))
    pending = paginate(enrolment.pending_requests_query(current_user), per_page=20) if scope == "upcoming" else None
    return render_template("enrolment/overview.html", page=page, pending=pending, scope=scope,
                           reject_form=RejectForm())


@bp.route("/my/calendar")
@access.authenticated
def calendar_feed():
    token = enrolment.feed_token(current_user)
    db.session.commit()
    return render_template("enrolment/calendar_feed.html",
                           feed_url=url_for("enrolment.feed", token=token, _external=True))


@bp.route("/my/calendar/renew", methods=["POST"])
@access.authenticated
def calendar_feed_renew():
    enrolment.feed_token(current_user, renew=True)
    db.session.commit()
    flash(_("Your calendar address was replaced. The old one no longer works; subscribe again with the new one."),
          "success")
    return redirect(url_for("enrolment.calendar_feed"))


@bp.route("/calendar/feed/<token>.ics")
@access.public
def feed(token: str):
    """A person's calendar, for calendar apps that subscribe to it: the token is the secret."""
    owner = enrolment.feed_owner(token)
    if owner is None:
        abort(404)
    with force_locale(babel_locale_for(owner.locale)):
        data = ical.calendar_bytes(enrolment.feed_workshops(owner), name=_("LGA trainings"))
    return Response(data, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=900"})

