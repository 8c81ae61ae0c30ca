"""Item analysis and learning gain, computed in SQL over the graded attempt of each person (the
one their grade comes from, by the quiz's grading method).

* Facility index: the mean score of a question (0-100%); unanswered counts as 0.
* Discrimination index: the correlation (Pearson, -1..1) between the score of the question and
  the rest of the quiz; below about 0.2 a question tells strong and weak participants apart badly.
* Picks: how often each choice was picked, and the most frequent typed answers.
* Learning gain: per person the post-test and pre-test grades and the normalised gain
  (post - pre) / (100 - pre); for the workshop the means and the gain of the means.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select

from lga.accounts.models import User
from lga.extensions import db
from lga.quizzes.models import AnswerChoice, Attempt, AttemptAnswer, Question, Quiz, QuizGrade, QuizQuestion

TOP_TYPED = 5


@dataclass
class ItemStats:
    question: Question
    position: int
    points: float
    n: int
    facility: float | None  # percent
    discrimination: float | None
    picks: dict[int, int] = field(default_factory=dict)  # choice id -> times picked
    typed: list[tuple[str, int]] = field(default_factory=list)  # most frequent typed answers


def _population(quiz_id: int, workshop_id: int | None):
    """The graded attempts: one per person (and workshop)."""
    stmt = select(QuizGrade.attempt_id).where(QuizGrade.quiz_id == quiz_id)
    if workshop_id is not None:
        stmt = stmt.where(QuizGrade.workshop_id == workshop_id)
    return stmt


def items(quiz: Quiz, workshop_id: int | None = None) -> tuple[int, list[ItemStats]]:
    """(number of people, per-question statistics) in four queries whatever the numbers."""
    population = _population(quiz.id, workshop_id)
    score = func.coalesce(func.coalesce(AttemptAnswer.override_fraction, AttemptAnswer.fraction), 0.0)
    rest_max = Attempt.max_points - QuizQuestion.points
    rest = case((rest_max > 0, (func.coalesce(Attempt.points, 0.0) - score * QuizQuestion.points) / rest_max),
                else_=0.0)
    rows = db.session.execute(
        select(QuizQuestion.question_id, func.count().label("n"), func.sum(score).label("sx"),
               func.sum(score * score).label("sxx"), func.sum(score * rest).label("sxy"),
               func.sum(rest).label("sy"), func.sum(rest * rest).label("syy"))
        .select_from(Attempt)
        .join(QuizQuestion, QuizQuestion.quiz_id == Attempt.quiz_id)
        .outerjoin(AttemptAnswer, and_(AttemptAnswer.attempt_id == Attempt.id,
                                       AttemptAnswer.question_id == QuizQuestion.question_id))
        .where(Attempt.id.in_(population))
        .group_by(QuizQuestion.question_id)).all()
    sums = {r.question_id: r for r in rows}
    picks: dict[int, dict[int, int]] = {}
    for question_id, choice_id, count in db.session.execute(
            select(AnswerChoice.question_id, AnswerChoice.choice_id, func.count())
            .join(AttemptAnswer, AttemptAnswer.id == AnswerChoice.answer_id)
            .where(AttemptAnswer.attempt_id.in_(population))
            .group_by(AnswerChoice.question_id, AnswerChoice.choice_id)):
        picks.setdefault(question_id, {})[choice_id] = count
    typed: dict[int, list[tuple[str, int]]] = {}
    for question_id, text, count in db.session.execute(
            select(AttemptAnswer.question_id, AttemptAnswer.response_text, func.count().label("n"))
            .where(AttemptAnswer.attempt_id.in_(population), AttemptAnswer.response_text.is_not(None))
            .group_by(AttemptAnswer.question_id, AttemptAnswer.response_text)
            .order_by(AttemptAnswer.question_id, func.count().desc(), AttemptAnswer.response_text)):
        if len(typed.setdefault(question_id, [])) < TOP_TYPED:
            typed[question_id].append((text, count))
    slots = db.session.execute(select(QuizQuestion, Question).join(Question, Question.id == QuizQuestion.question_id)
                               .where(QuizQuestion.quiz_id == quiz.id).order_by(QuizQuestion.position)).all()
    people = max((r.n for r in rows), default=0)
    result = []
    for slot, question in slots:
        row = sums.get(question.id)
        n = row.n if row else 0
        result.append(ItemStats(
            question=question, position=slot.position, points=slot.points, n=n,
            facility=round(100.0 * row.sx / n, 1) if n else None,
            discrimination=_correlation(row) if row else None,
            picks=picks.get(question.id, {}), typed=typed.get(question.id, [])))
    return people, result


def _correlation(row) -> float | None:
    n = row.n
    if n < 3:
        return None
    spread_x = n * row.sxx - row.sx * row.sx
    spread_y = n * row.syy - row.sy * row.sy
    if spread_x <= 1e-12 or spread_y <= 1e-12:
        return None  # everyone scored alike: the question cannot discriminate
    return round((n * row.sxy - row.sx * row.sy) / math.sqrt(spread_x * spread_y), 3)


@dataclass
class Gain:
    user: User
    pre: float | None
    post: float | None

    @property
    def gain(self) -> float | None:
        if self.pre is None or self.post is None or self.pre >= 100:
            return None
        return round((self.post - self.pre) / (100.0 - self.pre), 3)


@dataclass
class GainSummary:
    pre_quiz: Quiz | None
    post_quiz: Quiz | None
    people: list[Gain]
    pre_mean: float | None
    post_mean: float | None
    both: int  # people with both tests
    mean_of_gains: float | None

    @property
    def gain_of_means(self) -> float | None:
        """The class's normalised gain, (mean post - mean pre) / (100 - mean pre), over the people
        who took both tests."""
        if self.pre_both is None or self.post_both is None or self.pre_both >= 100:
            return None
        return round((self.post_both - self.pre_both) / (100.0 - self.pre_both), 3)

    pre_both: float | None = None
    post_both: float | None = None


def learning_gain(workshop, quizzes: list[Quiz]) -> GainSummary:
    """Pre-test and post-test grades of the workshop's participants and their gains."""
    pre = next((q for q in quizzes if q.kind == "pre_test"), None)
    post = next((q for q in quizzes if q.kind == "post_test"), None)
    ids = [q.id for q in (pre, post) if q is not None]
    if not ids:
        return GainSummary(pre, post, [], None, None, 0, None)
    grades = db.session.execute(
        select(QuizGrade.user_id, QuizGrade.quiz_id, QuizGrade.percent)
        .where(QuizGrade.workshop_id == workshop.id, QuizGrade.quiz_id.in_(ids))).all()
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({g.user_id for g in grades}))
                                                  .order_by(User.family_name, User.given_name))}
    table: dict[int, Gain] = {uid: Gain(user, None, None) for uid, user in users.items()}
    for user_id, quiz_id, percent in grades:
        if pre is not None and quiz_id == pre.id:
            table[user_id].pre = percent
        else:
            table[user_id].post = percent
    people = sorted(table.values(), key=lambda g: (g.user.family_name.casefold(), g.user.given_name.casefold()))
    pres = [g.pre for g in people if g.pre is not None]
    posts = [g.post for g in people if g.post is not None]
    both = [g for g in people if g.pre is not None and g.post is not None]
    gains = [g.gain for g in both if g.gain is not None]
    summary = GainSummary(
        pre, post, people, round(sum(pres) / len(pres), 1) if pres else None,
        round(sum(posts) / len(posts), 1) if posts else None, len(both),
        round(sum(gains) / len(gains), 3) if gains else None)
    if both:
        summary.pre_both = sum(g.pre for g in both) / len(both)
        summary.post_both = sum(g.post for g in both) / len(both)
    return summary
