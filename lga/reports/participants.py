"""The list of participants behind the outreach figures: personal data, for managers and admins.

One row per place holder (enrolled or completed; with ``everyone``, every enrolment: requested,
waitlisted, declined and cancelled too) of the workshops of the period (those with a session in
it, as on the dashboard), matching the filters, with what they took part in during
the period (from the participation summary), their certificate and their test results. It is
written as it is read: the rows stream from a server-side cursor in batches, to a CSV response
line by line or to an XLSX workbook in write-only mode through a temporary file, so memory stays
bounded whatever the number of rows (see ``make bench``: 200,000 rows).
"""
from __future__ import annotations

import tempfile
from typing import IO, Iterator

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from lga import spreadsheets
from lga.accounts.models import InstitutionType, Municipality, User
from lga.attendance.models import Certificate, ParticipationDay
from lga.catalogue.models import Module, Programme, Workshop, WorkshopSession
from lga.enrolment.models import HOLDS_PLACE, STATUS_LABELS, Enrolment
from lga.reports.outreach import SEX_LABELS, Filters, in_period, of_people, workshop_conditions

BATCH = 1000


def _grades(kind: str):
    from lga.quizzes.models import Quiz, QuizGrade

    return (select(QuizGrade.workshop_id, QuizGrade.user_id, func.max(QuizGrade.percent).label("percent"))
            .join(Quiz, Quiz.id == QuizGrade.quiz_id).where(Quiz.kind == kind)
            .group_by(QuizGrade.workshop_id, QuizGrade.user_id).subquery(kind))


def statement(f: Filters, *, everyone: bool = False):
    """The rows, in one statement (ordered by workshop, then name)."""
    taken = (select(ParticipationDay.workshop_id, ParticipationDay.user_id,
                    func.sum(ParticipationDay.participations).label("participations"),
                    func.sum(ParticipationDay.minutes).label("minutes"),
                    func.count(ParticipationDay.day).label("days"))
             .where(ParticipationDay.day >= f.date_from, ParticipationDay.day <= f.date_to)
             .group_by(ParticipationDay.workshop_id, ParticipationDay.user_id).subquery("taken"))
    pre, post = _grades("pre_test"), _grades("post_test")
    of_period = select(WorkshopSession.workshop_id).where(in_period(f))
    stmt = (select(Workshop.id, Workshop.title, Programme.code, Module.code, Workshop.start_date, Workshop.end_date,
                   User.given_name, User.family_name, User.email, User.sex, Municipality.name_sq,
                   Municipality.name_sr, InstitutionType.name, User.institution_name, User.position, User.community,
                   Enrolment.status, taken.c.participations, taken.c.minutes, taken.c.days, Certificate.code,
                   pre.c.percent, post.c.percent)
            .select_from(Enrolment)
            .join(Workshop, Workshop.id == Enrolment.workshop_id)
            .join(Programme, Programme.id == Workshop.programme_id)
            .join(Module, Module.id == Workshop.module_id)
            .join(User, User.id == Enrolment.user_id)
            .outerjoin(Municipality, Municipality.id == User.municipality_id)
            .outerjoin(InstitutionType, InstitutionType.id == User.institution_type_id)
            .outerjoin(taken, and_(taken.c.workshop_id == Enrolment.workshop_id, taken.c.user_id == Enrolment.user_id))
            .outerjoin(Certificate, and_(Certificate.enrolment_id == Enrolment.id, Certificate.revoked_at.is_(None)))
            .outerjoin(pre, and_(pre.c.workshop_id == Enrolment.workshop_id, pre.c.user_id == Enrolment.user_id))
            .outerjoin(post, and_(post.c.workshop_id == Enrolment.workshop_id, post.c.user_id == Enrolment.user_id))
            .where(Enrolment.workshop_id.in_(of_period), *workshop_conditions(f))
            .order_by(Workshop.start_date, Workshop.id, User.family_name, User.given_name, User.id))
    if not everyone:
        stmt = stmt.where(Enrolment.status.in_(HOLDS_PLACE))
    return of_people(stmt, f)


def header() -> list:
    return [_("Workshop"), _("Programme"), _("Module"), _("First day"), _("Last day"), _("Given name"),
            _("Family name"), _("Email"), _("Sex"), _("Municipality"), _("Institution"), _("Institution name"),
            _("Position"), _("Community"), _("Place"), _("Participations in the period"),
            _("Hours in the period"), _("Days in the period"), _("Certificate"), _("Pre-test (%)"),
            _("Post-test (%)")]


def rows(session, f: Filters, *, everyone: bool = False, language: str | None = None) -> Iterator[list]:
    """The header, then one list per row, read from the database in batches of ``BATCH``."""
    from lga.i18n import current_language, localized

    serbian = (language or current_language()) == "sr"
    yield header()
    result = session.execute(statement(f, everyone=everyone).execution_options(yield_per=BATCH))
    for (_id, title, programme, module, first, last, given, family, email, sex, municipality_sq, municipality_sr,
         institution, institution_name, position, community, place, participations, minutes, days, certificate,
         pre, post) in result:
        yield [title, programme, module, first.isoformat(), last.isoformat(), given, family, email,
               str(SEX_LABELS.get(sex, sex)), (municipality_sr if serbian else municipality_sq) or "",
               localized(institution, language) if institution else "", institution_name or "", position or "",
               community or "", str(STATUS_LABELS.get(place, place)), participations or 0,
               round((minutes or 0) / 60.0, 2), days or 0, certificate or "",
               round(pre, 1) if pre is not None else "", round(post, 1) if post is not None else ""]


def csv_stream(session, f: Filters, *, everyone: bool = False) -> Iterator[str]:
    return spreadsheets.csv_lines(rows(session, f, everyone=everyone))


def xlsx_file(session, f: Filters, *, everyone: bool = False) -> IO[bytes]:
    """The workbook in an anonymous temporary file (gone once closed), at its start."""
    out = tempfile.TemporaryFile()
    spreadsheets.xlsx_write(out, [(_("Participants"), rows(session, f, everyone=everyone))])
    out.seek(0)
    return out
