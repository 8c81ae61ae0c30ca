from __future__ import annotations

from datetime import date, timedelta

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lga import access
from lga.catalogue import bp, ical, scheduling
from lga.catalogue import services as catalogue
from lga.catalogue.forms import CalendarFilterForm
from lga.catalogue.labels import MODE_LABELS
from lga.catalogue.models import MODES, ModuleReading
from lga.catalogue.scheduling import local_today
from lga.catalogue.services import CalendarFilters
from lga.db_types import utcnow
from lga.forms import choices
from lga.web import paginate


@bp.route("/programmes")
@access.public
def programmes():
    return render_template("catalogue/programmes.html", rows=catalogue.programmes_with_counts())


@bp.route("/programmes/<code>")
@access.public
def programme(code: str):
    programme = catalogue.programme_by_code(code)
    if programme is None:
        abort(404)
    page = paginate(catalogue.modules_query(programme.id))
    return render_template("catalogue/programme.html", programme=programme, page=page)


@bp.route("/modules")
@access.public
def modules():
    page = paginate(catalogue.modules_query())
    return render_template("catalogue/modules.html", page=page)


@bp.route("/modules/<code>")
@access.public
def module(code: str):
    module = catalogue.module_detail(code)
    if module is None:
        abort(404)
    return render_template(
        "catalogue/module.html", module=module, plan_days=catalogue.plan_by_day(module),
        upcoming=catalogue.upcoming_workshops(module.id), past=catalogue.past_workshops(module.id),
    )


@bp.route("/modules/<code>/readings/<slug>")
@access.public
def reading(code: str, slug: str):
    module = catalogue.module_detail(code)
    if module is None:
        abort(404)
    found: ModuleReading | None = next((r for r in module.readings if r.slug == slug), None)
    if found is None:
        abort(404)
    return render_template("catalogue/reading.html", module=module, reading=found)


# --- Workshops and the calendar -----------------------------------------------------------------

def _filters(form: CalendarFilterForm) -> CalendarFilters:
    options = catalogue.filter_choices()
    form.programme.choices = choices([("", _("All programmes"))] + options["programme"])
    form.module.choices = choices([("", _("All modules"))] + options["module"])
    form.mode.choices = choices([("", _("All modes"))] + [(m, MODE_LABELS[m]) for m in MODES])
    form.municipality.choices = choices([("", _("All municipalities"))] + options["municipality"])
    if not form.validate():  # an unknown value in the URL: ignore that filter, as links go stale
        for field in (form.programme, form.module, form.mode, form.municipality):
            if field.errors:
                field.data = ""
    return CalendarFilters(programme=form.programme.data or None, module=form.module.data or None,
                           mode=form.mode.data or None, municipality=form.municipality.data or None)


FILTER_KEYS = ("programme", "module", "mode", "municipality")


def _filter_args() -> dict[str, str]:
    """The calendar filters of this request, to carry over to other views and months."""
    return {key: request.args[key] for key in FILTER_KEYS if request.args.get(key)}


@bp.route("/calendar")
@access.public
def calendar():
    form = CalendarFilterForm(request.args)
    filters = _filters(form)
    page = paginate(catalogue.calendar_query(filters))
    today = local_today()
    return render_template("catalogue/calendar.html", form=form, page=page, today=today, filter_args=_filter_args())


@bp.route("/calendar/month")
@access.public
def calendar_month_now():
    today = local_today()
    return redirect(url_for("catalogue.calendar_month", year=today.year, month=today.month, **_filter_args()))


@bp.route("/calendar/month/<int:year>/<int:month>")
@access.public
def calendar_month(year: int, month: int):
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        abort(404)
    form = CalendarFilterForm(request.args)
    filters = _filters(form)
    weeks = catalogue.month_grid(year, month)
    workshops = catalogue.month_workshops(year, month, filters)
    previous = date(year, month, 1) - timedelta(days=1)
    following = date(year, month, 28) + timedelta(days=7)
    return render_template(
        "catalogue/calendar_month.html", form=form, weeks=weeks, year=year, month=month,
        days=catalogue.workshops_by_day(workshops, weeks), workshops=workshops, today=local_today(),
        previous=previous.replace(day=1), following=following.replace(day=1), first=date(year, month, 1),
        filter_args=_filter_args(),
    )


def _visible_workshop(workshop_id: int):
    workshop = catalogue.workshop_detail(workshop_id)
    if workshop is None:
        abort(404)
    if workshop.status == "draft" and not (current_user.is_authenticated and scheduling.may_edit(workshop, current_user)):
        abort(404)
    return workshop


@bp.route("/workshops/<int:workshop_id>")
@access.public
def workshop(workshop_id: int):
    from lga.enrolment import services as enrolment

    workshop = _visible_workshop(workshop_id)
    counts = enrolment.counts(workshop.id)
    mine = enrolment.enrolment_of(workshop.id, current_user.id) if current_user.is_authenticated else None
    cancel_until = enrolment.cancellation_deadline(workshop)
    return render_template(
        "catalogue/workshop.html", workshop=workshop, days=catalogue.sessions_by_day(workshop), counts=counts,
        availability=enrolment.availability(workshop, taken=counts.get("enrolled", 0) + counts.get("completed", 0)),
        mine=mine, position=enrolment.waitlist_position(mine) if mine else None,
        cancel_until=cancel_until, cancel_until_passed=utcnow() >= cancel_until, closes_at=enrolment.enrolment_closes_at(workshop),
        may_edit=current_user.is_authenticated and scheduling.may_edit(workshop, current_user),
    )


@bp.route("/workshops/<int:workshop_id>.ics")
@access.public
def workshop_ics(workshop_id: int):
    workshop = _visible_workshop(workshop_id)
    data = ical.calendar_bytes([workshop], name=workshop.title, method="PUBLISH")
    return Response(data, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="workshop-{workshop.id}.ics"'})
