"""Outreach: who was trained, where, in what, with what result, for a period and filters.

Definitions (the test suite recomputes each of them from the rows):

* **Period**: local dates ``date_from``..``date_to`` (inclusive). A session belongs to it when it
  starts inside it; a workshop that spans the period's edge counts by its sessions inside.
* **Activities**: published workshops matching the workshop filters (programme, module, topic,
  mode) with at least one session in the period; their sessions in the period; training hours are
  those sessions' lengths. Person filters do not change activities.
* **Participation**: an attendance record, present, late or partial, of a session in the period,
  by a person who holds a place in the workshop (enrolled or completed: cancelled, waitlisted,
  requested and declined enrolments never count), matching the person filters (municipality,
  institution type, sex, community). Read from the participation summary
  (``lga.attendance.participation``), which sums them per person, workshop and day in Kosovo.
* **Participants**: distinct people with a participation. **Participant-days**: distinct (person,
  day in Kosovo) pairs. **Person-hours**: the hours of the participations: a whole session when present or
  late; for partial, the minutes online recorded (at most the session), else none.
* **Completion**: of the place holders of the workshops that ended in the period, the share
  completed; **certificates**: their valid certificates.
* **Learning gain**: over the people of those workshops with both a pre-test and a post-test
  grade, the means and the normalised gain of the means, (post - pre) / (100 - pre).
* **Satisfaction**: the mean of the evaluations' "overall" statement (1-5) and of all statements,
  for the workshops of the period (anonymous answers: person filters cannot apply).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, cast, distinct, func, literal, select, union_all

from lga.accounts.models import COMMUNITIES, SEXES, InstitutionType, Municipality, User
from lga.attendance.models import Certificate, ParticipationDay
from lga.catalogue.models import Module, ModuleTopic, Programme, Workshop, WorkshopSession
from lga.catalogue.scheduling import local_midnight
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.extensions import db
from lga.reports.sql import minutes_between, month_label, month_of, utc_month

SEX_LABELS = {"female": _l("Women"), "male": _l("Men"), "undisclosed": _l("Not stated")}
# Counts below this (but above 0) are shown to donors as "<5": nobody can be singled out.
SMALL = 5


def sees_small_counts(user) -> bool:
    """Managers and admins see every count; other readers (donors) see small ones as "<5"."""
    return user.has_role("manager", "admin")


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    programme: str | None = None  # programme code (LGA, DEM, SSSM)
    module: str | None = None  # module code
    topic: str | None = None  # a topic code of the module
    mode: str | None = None  # in_person | virtual | hybrid
    municipality_id: int | None = None  # the participant's
    institution_type_id: int | None = None
    sex: str | None = None
    community: str | None = None

    @property
    def person_filtered(self) -> bool:
        return any(v is not None for v in (self.municipality_id, self.institution_type_id, self.sex,
                                           self.community))


@dataclass
class Breakdown:
    key: str | None
    label: str
    participants: int = 0
    participations: int = 0
    person_hours: float = 0.0


@dataclass
class Outreach:
    filters: Filters
    workshops: int = 0
    sessions: int = 0
    training_hours: float = 0.0
    participants: int = 0
    participations: int = 0
    participant_days: int = 0
    person_hours: float = 0.0
    places_ended: int = 0  # place holders of the workshops that ended in the period
    completed: int = 0
    certificates: int = 0
    pre_mean: float | None = None
    post_mean: float | None = None
    tested_both: int = 0
    satisfaction_overall: float | None = None
    satisfaction_all: float | None = None
    evaluations: int = 0
    by_municipality: list[Breakdown] = field(default_factory=list)
    by_sex: list[Breakdown] = field(default_factory=list)
    by_institution: list[Breakdown] = field(default_factory=list)
    by_community: list[Breakdown] = field(default_factory=list)
    monthly: list[dict] = field(default_factory=list)

    masked: bool = False  # a copy for readers who see small counts as "<5" (see masked())

    @property
    def completion_rate(self) -> float | None:
        if self.masked and (_hidden(self.places_ended) or _hidden(self.completed)):
            return None
        return round(100.0 * self.completed / self.places_ended, 1) if self.places_ended else None

    @property
    def learning_gain(self) -> float | None:
        if self.pre_mean is None or self.post_mean is None or self.pre_mean >= 100:
            return None
        return round((self.post_mean - self.pre_mean) / (100.0 - self.pre_mean), 3)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["filters"] = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data["filters"].items()}
        data["completion_rate"], data["learning_gain"] = self.completion_rate, self.learning_gain
        del data["masked"]
        return data


# --- what donors see: counts from 1 to 4 as "<5", and whatever could give them away --------------

COUNTS = ("participants", "participations", "participant_days", "places_ended", "completed", "certificates",
          "tested_both", "evaluations")


def _hidden(value) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and 0 < value < SMALL)


def mask(value):
    """A count from 1 to 4 as "<5"; anything else as it is."""
    return f"<{SMALL}" if isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALL else value


def masked(report: Outreach) -> Outreach:
    """A copy of the report for readers who must not be able to single anyone out (the donor
    role): counts from 1 to 4 become "<5", and the hours of so few people, their test means,
    their completion rate and the satisfaction of so few answers are left out."""
    copy = replace(report, masked=True, **{name: mask(getattr(report, name)) for name in COUNTS})
    if _hidden(report.participants):
        copy.person_hours = None
    if _hidden(report.tested_both):
        copy.pre_mean = copy.post_mean = None
    if _hidden(report.evaluations):
        copy.satisfaction_overall = copy.satisfaction_all = None
    for name in ("by_municipality", "by_sex", "by_institution", "by_community"):
        setattr(copy, name, [replace(b, participants=mask(b.participants), participations=mask(b.participations),
                                     person_hours=None if _hidden(b.participants) else b.person_hours)
                             for b in getattr(report, name)])
    copy.monthly = [dict(m, participants=mask(m["participants"]), participations=mask(m["participations"]))
                    for m in report.monthly]
    return copy


def masked_activities(items: list["Activity"]) -> list["Activity"]:
    return [replace(a, participants=mask(a.participants)) for a in items]


def _workshops(f: Filters):
    """Published workshops matching the workshop filters (a subquery of ids)."""
    return select(Workshop.id).where(*workshop_conditions(f))


def in_period(f: Filters):
    starts, ends = local_midnight(f.date_from), local_midnight(f.date_to + timedelta(days=1))
    return and_(WorkshopSession.starts_at >= starts, WorkshopSession.starts_at < ends)


def of_people(stmt, f: Filters):
    if f.municipality_id is not None:
        stmt = stmt.where(User.municipality_id == f.municipality_id)
    if f.institution_type_id is not None:
        stmt = stmt.where(User.institution_type_id == f.institution_type_id)
    if f.sex is not None:
        stmt = stmt.where(User.sex == f.sex)
    if f.community is not None:
        stmt = stmt.where(func.coalesce(User.community, "undisclosed") == f.community)
    return stmt


def workshop_conditions(f: Filters) -> list:
    """The workshop filters as conditions on ``Workshop`` (for a query that joins it)."""
    conditions = [Workshop.status == "published"]
    if f.programme:
        conditions.append(Workshop.programme_id.in_(select(Programme.id).where(Programme.code == f.programme)))
    if f.module:
        conditions.append(Workshop.module_id.in_(select(Module.id).where(Module.code == f.module)))
    if f.topic:
        conditions.append(Workshop.module_id.in_(select(ModuleTopic.module_id).where(ModuleTopic.code == f.topic)))
    if f.mode:
        conditions.append(Workshop.mode == f.mode)
    return conditions


def outreach(f: Filters) -> Outreach:
    """Every figure and breakdown for the filters, in a fixed number of queries."""
    result = Outreach(filters=f)
    workshops = _workshops(f)
    # 1. Activities.
    row = db.session.execute(
        select(func.count(distinct(WorkshopSession.workshop_id)), func.count(WorkshopSession.id),
               func.coalesce(func.sum(minutes_between(WorkshopSession.starts_at, WorkshopSession.ends_at)), 0))
        .where(in_period(f), WorkshopSession.workshop_id.in_(workshops))).one()
    result.workshops, result.sessions, result.training_hours = row[0], row[1], round(float(row[2]) / 60.0, 2)
    # 2. Participation: totals, breakdowns and months in one pass over the attendance (below).
    groups = _participation_groups(f)
    total = groups.get(("total", None), (0, 0, 0.0, 0))
    result.participants, result.participations, result.person_hours, result.participant_days = (
        total[0], total[1], round(total[2], 2), total[3])
    # 3. Completion and certificates: the workshops of the period that have ended in it.
    ended = (select(Workshop.id).where(Workshop.id.in_(workshops), Workshop.end_date <= f.date_to,
                                       Workshop.id.in_(select(WorkshopSession.workshop_id).where(in_period(f)))))
    places = (select(func.count(Enrolment.id), func.sum(case((Enrolment.status == "completed", 1), else_=0)),
                     func.count(Certificate.id))
              .select_from(Enrolment)
              .outerjoin(Certificate, and_(Certificate.enrolment_id == Enrolment.id, Certificate.revoked_at.is_(None),
                                           Enrolment.status == "completed"))
              .where(Enrolment.workshop_id.in_(ended), Enrolment.status.in_(HOLDS_PLACE)))
    if f.person_filtered:
        places = of_people(places.join(User, User.id == Enrolment.user_id), f)
    row = db.session.execute(places).one()
    result.places_ended, result.completed, result.certificates = row[0], int(row[1] or 0), row[2]
    # 4. Learning gain: people of those workshops with both tests.
    result.pre_mean, result.post_mean, result.tested_both = _gain(f, ended)
    # 5. Satisfaction.
    result.satisfaction_overall, result.satisfaction_all, result.evaluations = _satisfaction(f)
    # 6. Breakdowns (every value listed, zeros included) and the monthly trend.
    result.by_municipality = _breakdown(groups, "municipality", [
        (m.id, m.name()) for m in db.session.scalars(select(Municipality).where(Municipality.is_active.is_(True))
                                                     .order_by(Municipality.name_sq))])
    result.by_sex = _breakdown(groups, "sex", [(s, s) for s in SEXES])
    result.by_institution = _breakdown(groups, "institution", [
        (t.id, t.label()) for t in db.session.scalars(select(InstitutionType).order_by(InstitutionType.id))])
    result.by_community = _breakdown(groups, "community", [(c, c) for c in COMMUNITIES])
    result.monthly = _monthly(f, groups)
    return result


GROUPINGS = ("municipality", "sex", "institution", "community")


def _summary(f: Filters, *columns):
    """SELECT columns FROM the participation summary of the period and the workshop filters."""
    return (select(*columns).select_from(ParticipationDay)
            .join(Workshop, Workshop.id == ParticipationDay.workshop_id)
            .where(ParticipationDay.day >= f.date_from, ParticipationDay.day <= f.date_to,
                   *workshop_conditions(f)))


def _participation_groups(f: Filters) -> dict[tuple[str, str | None], tuple[int, int, float, int]]:
    """{(grouping, value): (participants, participations, person-hours, participant-days)} for the
    totals ("total", None), each person dimension and each month, from one statement over the
    participation summary (``ParticipationDay``, one row per person, workshop and day): summed
    once per person and day, per person and month, then per person (CTEs the database computes once), then
    grouped every way. Each row of a CTE is one person, so counting rows counts people."""
    per_day = (_summary(f, ParticipationDay.user_id.label("user_id"), ParticipationDay.day.label("day"),
                        func.sum(ParticipationDay.participations).label("participations"),
                        func.sum(ParticipationDay.minutes).label("minutes"))
               .group_by(ParticipationDay.user_id, ParticipationDay.day).cte("per_day"))
    month = month_of(per_day.c.day)
    per_month = (select(per_day.c.user_id, month.label("month"),
                        func.sum(per_day.c.participations).label("participations"),
                        func.sum(per_day.c.minutes).label("minutes"), func.count().label("days"))
                 .group_by(per_day.c.user_id, month).cte("per_month").prefix_with("MATERIALIZED"))
    community = func.coalesce(User.community, "undisclosed")
    per_person = (of_people(select(User.id.label("user_id"), User.municipality_id.label("municipality"),
                                 User.sex.label("sex"), User.institution_type_id.label("institution"),
                                 community.label("community"),
                                 func.sum(per_month.c.participations).label("participations"),
                                 func.sum(per_month.c.minutes).label("minutes"),
                                 func.sum(per_month.c.days).label("days"))
                          .select_from(per_month).join(User, User.id == per_month.c.user_id), f)
                  .group_by(User.id, User.municipality_id, User.sex, User.institution_type_id, community)
                  .cte("per_person").prefix_with("MATERIALIZED"))

    def sums(source):
        return (func.count(), func.sum(source.c.participations), func.sum(source.c.minutes) / 60.0,
                func.sum(source.c.days))

    def grouped(name):
        if name == "total":
            return select(literal(name, String), literal(None, String), *sums(per_person))
        column = per_person.c[name]
        return select(literal(name, String), cast(column, String), *sums(per_person)).group_by(column)

    months = (of_people(select(literal("month", String), month_label(per_month.c.month), *sums(per_month))
                      .select_from(per_month).join(User, User.id == per_month.c.user_id), f)
              .group_by(per_month.c.month))
    statement = union_all(grouped("total"), *(grouped(name) for name in GROUPINGS), months)
    return {(row[0], row[1]): (row[2], int(row[3] or 0), float(row[4] or 0), int(row[5] or 0))
            for row in db.session.execute(statement)}


def _breakdown(groups: dict, grouping: str, keys: list[tuple]) -> list[Breakdown]:
    """Participants, participations and person-hours per value of a grouping; every value
    listed, zeros included, then any value outside the list (e.g. no municipality)."""
    counted = {value: hit for (name, value), hit in groups.items() if name == grouping}
    rows = []
    for key, label in keys:
        hit = counted.pop(str(key), None)
        rows.append(Breakdown(key=str(key), label=str(label), participants=hit[0] if hit else 0,
                              participations=hit[1] if hit else 0, person_hours=round(hit[2], 2) if hit else 0.0))
    for key, hit in counted.items():
        rows.append(Breakdown(key=key, label="—", participants=hit[0], participations=hit[1],
                              person_hours=round(hit[2], 2)))
    return rows


def _monthly(f: Filters, groups: dict) -> list[dict]:
    month = utc_month(WorkshopSession.starts_at)
    sessions = dict(db.session.execute(
        select(month, func.count(WorkshopSession.id))
        .where(in_period(f), WorkshopSession.workshop_id.in_(_workshops(f))).group_by(month)).tuples().all())
    people = {value: (hit[0], hit[1]) for (name, value), hit in groups.items() if name == "month"}
    months, day = [], f.date_from.replace(day=1)
    while day <= f.date_to:
        key = day.strftime("%Y-%m")
        months.append({"month": key, "sessions": sessions.get(key, 0), "participants": people.get(key, (0, 0))[0],
                       "participations": people.get(key, (0, 0))[1]})
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _gain(f: Filters, ended) -> tuple[float | None, float | None, int]:
    from lga.quizzes.models import Quiz, QuizGrade

    pre, post = QuizGrade.__table__.alias("pre"), QuizGrade.__table__.alias("post")
    pre_quiz, post_quiz = Quiz.__table__.alias("pre_quiz"), Quiz.__table__.alias("post_quiz")
    stmt = (select(func.avg(pre.c.percent), func.avg(post.c.percent), func.count())
            .select_from(pre)
            .join(pre_quiz, and_(pre_quiz.c.id == pre.c.quiz_id, pre_quiz.c.kind == "pre_test"))
            .join(post, and_(post.c.workshop_id == pre.c.workshop_id, post.c.user_id == pre.c.user_id))
            .join(post_quiz, and_(post_quiz.c.id == post.c.quiz_id, post_quiz.c.kind == "post_test"))
            .join(Enrolment, and_(Enrolment.workshop_id == pre.c.workshop_id, Enrolment.user_id == pre.c.user_id))
            .where(pre.c.workshop_id.in_(ended), Enrolment.status.in_(HOLDS_PLACE)))
    if f.person_filtered:
        stmt = of_people(stmt.join(User, User.id == pre.c.user_id), f)
    row = db.session.execute(stmt).one()
    if not row[2]:
        return None, None, 0
    return round(float(row[0]), 1), round(float(row[1]), 1), row[2]


def _satisfaction(f: Filters) -> tuple[float | None, float | None, int]:
    from lga.evaluation.models import Evaluation, EvaluationAnswer, EvaluationItem, EvaluationResponse

    of_period = select(WorkshopSession.workshop_id).where(in_period(f), WorkshopSession.workshop_id.in_(_workshops(f)))
    row = db.session.execute(
        select(func.avg(case((EvaluationItem.dimension == "overall", EvaluationAnswer.value))),
               func.avg(EvaluationAnswer.value), func.count(distinct(EvaluationResponse.id)))
        .select_from(EvaluationAnswer)
        .join(EvaluationItem, EvaluationItem.id == EvaluationAnswer.item_id)
        .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
        .join(Evaluation, Evaluation.id == EvaluationResponse.evaluation_id)
        .where(Evaluation.workshop_id.in_(of_period), EvaluationAnswer.value.is_not(None))).one()
    return (round(float(row[0]), 2) if row[0] is not None else None,
            round(float(row[1]), 2) if row[1] is not None else None, row[2])



@dataclass
class Activity:
    workshop_id: int
    title: str
    programme: str
    module: str
    mode: str
    municipality: str
    start_date: date
    end_date: date
    sessions: int
    hours: float
    participants: int


def activities(f: Filters) -> list[Activity]:
    """The workshops of the period with their sessions, hours and participants inside it (two
    queries)."""
    minutes = func.sum(minutes_between(WorkshopSession.starts_at, WorkshopSession.ends_at))
    rows = db.session.execute(
        select(Workshop.id, Workshop.title, Programme.code, Module.code, Workshop.mode, Municipality.name_sq,
               Workshop.start_date, Workshop.end_date, func.count(WorkshopSession.id), minutes)
        .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
        .join(Programme, Programme.id == Workshop.programme_id)
        .join(Module, Module.id == Workshop.module_id)
        .outerjoin(Municipality, Municipality.id == Workshop.municipality_id)
        .where(in_period(f), WorkshopSession.workshop_id.in_(_workshops(f)))
        .group_by(Workshop.id, Workshop.title, Programme.code, Module.code, Workshop.mode, Municipality.name_sq,
                  Workshop.start_date, Workshop.end_date)
        .order_by(Workshop.start_date, Workshop.id)).all()
    people = dict(db.session.execute(
        of_people(_summary(f, ParticipationDay.workshop_id, func.count(distinct(ParticipationDay.user_id)))
                .join(User, User.id == ParticipationDay.user_id), f)
        .group_by(ParticipationDay.workshop_id)).tuples().all())
    return [Activity(workshop_id=r[0], title=r[1], programme=r[2], module=r[3], mode=r[4], municipality=r[5] or "",
                     start_date=r[6], end_date=r[7], sessions=r[8], hours=round(float(r[9] or 0) / 60, 2),
                     participants=people.get(r[0], 0)) for r in rows]
