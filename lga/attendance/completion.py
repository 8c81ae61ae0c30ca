"""Completion: whether a participant met the workshop's rules, recomputed whenever attendance or
the rules change.

The rule: a share of the workshop's sessions attended (present or late; 80% unless the workshop
says otherwise) and, where the workshop has a post-test (its own or its module's), a passing
grade in it; where the workshop asks for it, the participant's evaluation submitted. Completion is the enrolment's status: "completed" when the rule holds,
back to "enrolled" when a correction means it no longer does.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from lga.attendance import certificates
from lga.attendance.models import ATTENDED, Attendance, Certificate
from lga.audit.services import record
from lga.catalogue import scheduling
from lga.catalogue.models import Workshop, WorkshopSession
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.extensions import db

DEFAULT_SHARE = 80


def required_sessions(workshop: Workshop, total: int) -> int:
    """How many sessions make the workshop complete (at least one when it has any)."""
    return _needed(workshop.completion_share, total)


def _needed(share: int | None, total: int) -> int:
    share = share or DEFAULT_SHARE
    return max(1, -(-share * total // 100)) if total else 0  # ceiling


def attended_counts(workshop_id: int, user_ids: list[int] | None = None) -> dict[int, int]:
    """{user id: sessions attended} counted in SQL."""
    stmt = (select(Attendance.user_id, func.count())
            .join(WorkshopSession, WorkshopSession.id == Attendance.session_id)
            .where(WorkshopSession.workshop_id == workshop_id, Attendance.status.in_(ATTENDED))
            .group_by(Attendance.user_id))
    if user_ids is not None:
        stmt = stmt.where(Attendance.user_id.in_(user_ids))
    return dict(db.session.execute(stmt).tuples().all())


def recompute(workshop_id: int, user_ids: list[int] | None = None, *, actor=None) -> int:
    """Bring the enrolments' completion in line with the rules; returns how many changed."""
    workshop = db.session.get(Workshop, workshop_id)
    total = db.session.scalar(select(func.count()).select_from(WorkshopSession)
                              .where(WorkshopSession.workshop_id == workshop_id)) or 0
    needed = required_sessions(workshop, total)
    attended = attended_counts(workshop_id, user_ids)
    stmt = select(Enrolment).where(Enrolment.workshop_id == workshop_id, Enrolment.status.in_(HOLDS_PLACE))
    if user_ids is not None:
        stmt = stmt.where(Enrolment.user_id.in_(user_ids))
    post_test = post_tests([workshop]).get(workshop_id)
    passed = passed_post_test({workshop_id: post_test}, user_ids) if post_test else set()
    evaluated = _evaluated([workshop_id], user_ids) if workshop.evaluation_required else set()
    changed = 0
    for enrolment in db.session.scalars(stmt):
        done = total > 0 and attended.get(enrolment.user_id, 0) >= needed
        if post_test is not None:
            done = done and (workshop_id, enrolment.user_id) in passed
        if workshop.evaluation_required:
            done = done and (workshop_id, enrolment.user_id) in evaluated
        status = "completed" if done else "enrolled"
        if enrolment.status != status:
            record("enrolment.completion", enrolment, actor=actor, changes={
                "status": (enrolment.status, status), "attended": (None, attended.get(enrolment.user_id, 0)),
                "required": (None, needed)})
            enrolment.status = status
            certificates.completion_changed(enrolment, actor=actor)
            changed += 1
    return changed


def _evaluated(workshop_ids: list[int], user_ids: list[int] | None) -> set[tuple[int, int]]:
    from lga.evaluation.services import submitted

    return submitted(workshop_ids, user_ids)


def post_tests(workshops) -> dict[int, int]:
    """{workshop id: the post-test that counts for completion}: the workshop's own published
    post-test with questions, else its module's."""
    from lga.quizzes.models import Quiz, QuizQuestion

    if not workshops:
        return {}
    by_module = {w.module_id for w in workshops}
    has_questions = select(QuizQuestion.quiz_id)
    rows = db.session.execute(select(Quiz.id, Quiz.workshop_id, Quiz.module_id, Quiz.applies_from).where(
        Quiz.kind == "post_test", Quiz.is_published.is_(True), Quiz.id.in_(has_questions),
        (Quiz.workshop_id.in_([w.id for w in workshops])) | (Quiz.module_id.in_(by_module)))
        .order_by(Quiz.id)).all()
    own = {r.workshop_id: r.id for r in reversed(rows) if r.workshop_id is not None}
    result = {}
    for w in workshops:
        quiz = own.get(w.id) or next((r.id for r in rows if r.module_id == w.module_id and (
            r.applies_from is None or r.applies_from <= w.start_date)), None)
        if quiz is not None:
            result[w.id] = quiz
    return result


def passed_post_test(tests: dict[int, int], user_ids: list[int] | None = None) -> set[tuple[int, int]]:
    """{(workshop id, user id)} of those whose grade passes the workshop's post-test."""
    from lga.quizzes.models import QuizGrade

    if not tests:
        return set()
    stmt = select(QuizGrade.workshop_id, QuizGrade.user_id, QuizGrade.quiz_id).where(
        QuizGrade.workshop_id.in_(list(tests)), QuizGrade.passed.is_(True))
    if user_ids is not None:
        stmt = stmt.where(QuizGrade.user_id.in_(user_ids))
    return {(w, u) for w, u, q in db.session.execute(stmt) if tests.get(w) == q}


@dataclass
class Progress:
    """Where one participant stands against a workshop's completion rule (shown to them and to the
    workshop's staff)."""

    attended: int  # sessions attended (present or late)
    total: int  # sessions the workshop has
    needed: int  # sessions that make it complete
    held: int = 0  # sessions that have started by now
    certificate: Certificate | None = None
    post_test: bool = False  # the workshop has a post-test that counts
    post_test_passed: bool = False
    evaluation: bool = False  # the workshop's rule needs the evaluation
    evaluated: bool = False

    @property
    def attendance_met(self) -> bool:
        return self.total > 0 and self.attended >= self.needed

    @property
    def complete(self) -> bool:
        return (self.attendance_met and (self.post_test_passed or not self.post_test)
                and (self.evaluated or not self.evaluation))

    @property
    def still_possible(self) -> bool:
        """Whether the sessions still to come could make it complete."""
        return self.attended + (self.total - self.held) >= self.needed


def progress(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Progress]:
    """{(workshop id, user id): Progress} for the given pairs, in at most six queries however many."""
    if not pairs:
        return {}
    from lga.db_types import utcnow

    workshop_ids = sorted({w for w, _u in pairs})
    user_ids = sorted({u for _w, u in pairs})
    now = utcnow()
    rows = db.session.execute(
        select(Workshop.id, Workshop.module_id, Workshop.start_date, Workshop.completion_share,
               Workshop.evaluation_required,
               func.count(WorkshopSession.id).label("total"),
               func.sum(case((WorkshopSession.starts_at <= now, 1), else_=0)).label("held"))
        .outerjoin(WorkshopSession, WorkshopSession.workshop_id == Workshop.id)
        .where(Workshop.id.in_(workshop_ids))
        .group_by(Workshop.id, Workshop.module_id, Workshop.start_date, Workshop.completion_share,
                  Workshop.evaluation_required)).all()
    rules = {row.id: (row.completion_share, row.total, row.held or 0) for row in rows}
    attended = {(row.workshop_id, row.user_id): row.n for row in db.session.execute(
        select(WorkshopSession.workshop_id, Attendance.user_id, func.count().label("n"))
        .join(WorkshopSession, WorkshopSession.id == Attendance.session_id)
        # Separate IN lists rather than (workshop, user) pairs: both can use an index, which a pair
        # list cannot on SQLite; the few extra pairs this finds are ignored.
        .where(WorkshopSession.workshop_id.in_(workshop_ids), Attendance.user_id.in_(user_ids),
               Attendance.status.in_(ATTENDED))
        .group_by(WorkshopSession.workshop_id, Attendance.user_id))}
    certificates = {(row.workshop_id, row.user_id): row.Certificate for row in db.session.execute(
        select(Certificate, Enrolment.workshop_id, Enrolment.user_id)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.workshop_id.in_(workshop_ids), Enrolment.user_id.in_(user_ids)))}
    tests = post_tests(rows)
    passed = passed_post_test(tests, user_ids) if tests else set()
    asking = [row.id for row in rows if row.evaluation_required]
    evaluated = _evaluated(asking, user_ids) if asking else set()
    result = {}
    for workshop_id, user_id in pairs:
        share, total, held = rules.get(workshop_id, (None, 0, 0))
        result[(workshop_id, user_id)] = Progress(
            attended=attended.get((workshop_id, user_id), 0), total=total, needed=_needed(share, total),
            held=held, certificate=certificates.get((workshop_id, user_id)),
            post_test=workshop_id in tests, post_test_passed=(workshop_id, user_id) in passed,
            evaluation=workshop_id in asking, evaluated=(workshop_id, user_id) in evaluated)
    return result


@scheduling.completion_rules_changed.connect
def _rules_changed(workshop: Workshop, *, actor=None, **_ignored) -> int:
    return recompute(workshop.id, actor=actor)
