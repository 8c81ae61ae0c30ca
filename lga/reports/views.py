"""The outreach dashboard and its downloads.

Managers and admins see every figure; the donor role sees aggregates only, with counts from 1 to
4 shown as "<5" so that nobody can be singled out, and downloads the report so too. The list of
participants (personal data) is for managers and admins only. Every download is audited."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.validators import Optional as OptionalValue

from lga import access
from lga.accounts.models import COMMUNITIES, InstitutionType, Municipality
from lga.catalogue.labels import MODE_LABELS
from lga.catalogue.models import Module, ModuleTopic, Programme
from lga.catalogue.scheduling import local_today
from lga.extensions import db
from lga.forms import QueryForm, choices, optional_int
from lga.reports import bp, export, participants
from lga.reports.outreach import SEX_LABELS, SMALL, Filters, masked, outreach, sees_small_counts



class OutreachForm(QueryForm):
    date_from = DateField(_l("From"), validators=[OptionalValue()])
    date_to = DateField(_l("To"), validators=[OptionalValue()])
    programme = SelectField(_l("Programme / donor"), default="")
    module = SelectField(_l("Module"), default="")
    topic = SelectField(_l("Topic"), default="")
    mode = SelectField(_l("Mode"), default="")
    municipality = SelectField(_l("Participants' municipality"), coerce=optional_int)
    institution = SelectField(_l("Institution"), coerce=optional_int)
    sex = SelectField(_l("Sex"), default="")
    community = SelectField(_l("Community"), default="")


def _form() -> OutreachForm:
    form = OutreachForm(request.args)
    every = ("", _("All"))
    form.programme.choices = choices([every] + [(p.code, f"{p.code} — {p.label()}") for p in db.session.scalars(
        select(Programme).order_by(Programme.code))])
    form.module.choices = choices([every] + [(m.code, m.label()) for m in db.session.scalars(
        select(Module).where(Module.is_active.is_(True)).order_by(Module.code))])
    topics = {}
    for topic in db.session.scalars(select(ModuleTopic).order_by(ModuleTopic.module_id, ModuleTopic.position)):
        topics.setdefault(topic.code, topic.label())
    form.topic.choices = choices([every] + sorted(topics.items(), key=lambda item: item[1]))
    form.mode.choices = choices([every] + list(MODE_LABELS.items()))
    form.municipality.choices = choices([every] + [(m.id, m.name()) for m in db.session.scalars(
        select(Municipality).where(Municipality.is_active.is_(True)).order_by(Municipality.name_sq))])
    form.institution.choices = choices([every] + [(t.id, t.label()) for t in db.session.scalars(
        select(InstitutionType).order_by(InstitutionType.id))])
    form.sex.choices = choices([every] + list(SEX_LABELS.items()))
    form.community.choices = choices([every] + [(c, c) for c in COMMUNITIES])
    return form


def _filters(form: OutreachForm) -> Filters:
    today = local_today()
    start = form.date_from.data or date(today.year, 1, 1)
    end = form.date_to.data or date(today.year, 12, 31)
    if end < start:
        start, end = end, start
    return Filters(date_from=start, date_to=end, programme=form.programme.data or None,
                   module=form.module.data or None, topic=form.topic.data or None, mode=form.mode.data or None,
                   municipality_id=form.municipality.data, institution_type_id=form.institution.data,
                   sex=form.sex.data or None, community=form.community.data or None)


@bp.route("/reports/outreach")
@access.roles(*access.REPORT_READERS)
def outreach_page():
    form = _form()
    form.validate()
    report = outreach(_filters(form))
    return render_template("reports/outreach.html", form=form, report=report, masked=not sees_small_counts(current_user),
                           small=SMALL, sex_labels=SEX_LABELS, query=request.query_string.decode())


@bp.route("/reports/outreach.<fmt>")
@access.roles(*access.REPORT_READERS)
def outreach_download(fmt: str):
    """The donor report; readers who see small counts as "<5" (donors) download it so too."""
    if fmt not in ("xlsx", "csv", "json"):
        abort(404)
    form = _form()
    form.validate()
    report = outreach(_filters(form))
    if not sees_small_counts(current_user):
        report = masked(report)
    export.audit("outreach", fmt, report.filters, actor=current_user, masked=report.masked)
    db.session.commit()
    name = f"outreach-{report.filters.date_from.isoformat()}-{report.filters.date_to.isoformat()}"
    if fmt == "xlsx":
        return Response(export.xlsx(report), headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if fmt == "csv":
        return Response(stream_with_context(export.csv_text(report)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "json":
        return Response(export.json_text(report), mimetype="application/json")
    return Response(status=404)


@bp.route("/reports/participants.<fmt>")
@access.roles(access.MANAGER, access.ADMIN)
def participants_download(fmt: str):
    """The people behind the figures (personal data): streamed, whatever their number; with
    ``places=all``, everyone who asked for a place, cancelled and waitlisted people too."""
    if fmt not in ("xlsx", "csv"):
        abort(404)
    form = _form()
    form.validate()
    filters = _filters(form)
    everyone = request.args.get("places") == "all"
    export.audit("participants", fmt, filters, actor=current_user, everyone=everyone)
    db.session.commit()
    name = f"participants-{filters.date_from.isoformat()}-{filters.date_to.isoformat()}"
    if fmt == "csv":
        return Response(stream_with_context(participants.csv_stream(db.session, filters, everyone=everyone)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return send_file(participants.xlsx_file(db.session, filters, everyone=everyone), as_attachment=True, download_name=f"{name}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
