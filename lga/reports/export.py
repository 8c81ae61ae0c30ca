"""The donor report: the outreach figures as an XLSX workbook (summary, activities,
disaggregated participation, results), as CSV (UTF-8 with BOM, one long table) or as JSON."""
from __future__ import annotations

import json
from typing import Iterator

from flask_babel import gettext as _

from lga import spreadsheets
from lga.catalogue.labels import MODE_LABELS
from lga.reports.outreach import Activity, Outreach, activities, masked_activities


def audit(report: str, fmt: str, filters, *, actor, **details) -> None:
    """Record a download of a report (with its filters; never its content) in the audit trail."""
    from lga.audit.services import record

    changes = {"report": (None, report), "format": (None, fmt),
               **{name: (None, value) for name, value in details.items()},
               "filters": (None, {k: str(v) for k, v in filters.__dict__.items() if v is not None})}
    record("report.exported", None, actor=actor, entity_type="report", changes=changes)


def _activities(report: Outreach) -> list[Activity]:
    items = activities(report.filters)
    return masked_activities(items) if report.masked else items


def summary_rows(report: Outreach) -> Iterator[list]:
    f = report.filters
    yield [_("Outreach report"), f"{f.date_from.isoformat()} – {f.date_to.isoformat()}"]
    if f.programme:
        yield [_("Programme"), f.programme]
    if report.masked:
        yield [_("Counts from 1 to 4 are shown as <5 so that nobody can be singled out.")]
    yield []
    yield [_("Figure"), _("Value")]
    yield from (
        [_("Workshops"), report.workshops], [_("Sessions"), report.sessions],
        [_("Training hours"), report.training_hours], [_("Participants (distinct people)"), report.participants],
        [_("Participant-days"), report.participant_days], [_("Person-hours"), report.person_hours],
        [_("Completion rate (%)"), report.completion_rate], [_("Certificates"), report.certificates],
        [_("Pre-test mean (%)"), report.pre_mean], [_("Post-test mean (%)"), report.post_mean],
        [_("Normalised learning gain"), report.learning_gain],
        [_("Satisfaction, overall (1-5)"), report.satisfaction_overall],
        [_("Evaluations received"), report.evaluations],
    )


def activity_rows(items: list[Activity]) -> Iterator[list]:
    yield [_("Workshop"), _("Programme"), _("Module"), _("Mode"), _("Municipality"), _("First day"), _("Last day"),
           _("Sessions in the period"), _("Hours in the period"), _("Participants")]
    for a in items:
        yield [a.title, a.programme, a.module, str(MODE_LABELS.get(a.mode, a.mode)), a.municipality,
               a.start_date.isoformat(), a.end_date.isoformat(), a.sessions, a.hours, a.participants]


def _breakdowns(report: Outreach):
    return ((_("Municipality"), report.by_municipality), (_("Sex"), report.by_sex),
            (_("Institution"), report.by_institution), (_("Community"), report.by_community))


def participation_rows(report: Outreach) -> Iterator[list]:
    for title, rows in _breakdowns(report):
        yield [title, _("Participants"), _("Participations"), _("Person-hours")]
        for b in rows:
            yield [b.label, b.participants, b.participations, b.person_hours]
        yield []
    yield [_("Month"), _("Sessions"), _("Participants"), _("Participations")]
    for m in report.monthly:
        yield [m["month"], m["sessions"], m["participants"], m["participations"]]


def results_rows(report: Outreach) -> Iterator[list]:
    yield [_("Result"), _("Value")]
    yield [_("Places in workshops that ended in the period"), report.places_ended]
    yield [_("Completed"), report.completed]
    yield [_("Completion rate (%)"), report.completion_rate]
    yield [_("Valid certificates"), report.certificates]
    yield [_("People with both tests"), report.tested_both]
    yield [_("Pre-test mean (%)"), report.pre_mean]
    yield [_("Post-test mean (%)"), report.post_mean]
    yield [_("Normalised learning gain"), report.learning_gain]
    yield [_("Satisfaction, overall (1-5)"), report.satisfaction_overall]
    yield [_("Satisfaction, all statements (1-5)"), report.satisfaction_all]


def xlsx(report: Outreach) -> bytes:
    return spreadsheets.xlsx_book([
        (_("Summary"), summary_rows(report)),
        (_("Activities"), activity_rows(_activities(report))),
        (_("Participation"), participation_rows(report)),
        (_("Results"), results_rows(report)),
    ])


def csv_text(report: Outreach) -> Iterator[str]:
    def rows():
        for section, source in ((_("Summary"), summary_rows(report)), (_("Participation"), participation_rows(report)),
                                (_("Results"), results_rows(report))):
            for row in source:
                if row:
                    yield [section, *row]
        for row in activity_rows(_activities(report)):
            yield [_("Activities"), *row]
    return spreadsheets.csv_lines(rows())


def json_text(report: Outreach) -> str:
    data = report.as_dict()
    data["activities"] = [dict(a.__dict__, start_date=a.start_date.isoformat(), end_date=a.end_date.isoformat())
                          for a in _activities(report)]
    return json.dumps(data, ensure_ascii=False, indent=2)
