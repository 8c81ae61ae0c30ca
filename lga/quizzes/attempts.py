"""Taking a quiz: starting, saving as one goes, finishing, the clock kept by the server, grading,
regrading, and the grade per person that gains and completion read.

The server is the only clock: an attempt has a deadline (its time limit or the quiz's closing,
whichever comes first); answers arriving after it are refused and the attempt is finished as of
its deadline with what was saved in time, whether the person comes back or not
(``close_overdue``, run by ``flask lga close-attempts`` and before any page that shows results).
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from lga.attendance import completion
from lga.audit.services import record
from lga.catalogue.models import Workshop, WorkshopSession
from lga.catalogue.scheduling import Window
from lga.db_types import utcnow
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.extensions import db
from lga.quizzes import grading
from lga.quizzes.models import AnswerChoice, Attempt, AttemptAnswer, Question, Quiz, QuizGrade, QuizQuestion
from lga.enrolment.services import holds_place  # noqa: F401  (part of this module's rules)

POST_TEST_DAYS = 14  # a post-test without its own dates stays open this long after the workshop
GRACE = timedelta(seconds=5)  # for an answer that left the phone just before the deadline


class QuizError(Exception):
    """A rule was broken; the message is translatable text for the person."""


def window(quiz: Quiz, workshop: Workshop) -> Window:
    """When a quiz can be taken in a workshop: its own dates, else by its kind around the
    workshop's sessions (a pre-test until the first session ends, a post-test from the start of
    the last session until two weeks after it)."""
    if quiz.opens_at and quiz.closes_at:
        return Window(quiz.opens_at, quiz.closes_at)
    derived = _derived_window(quiz, workshop)
    # A date left empty follows the workshop; one that is set wins.
    return Window(quiz.opens_at or derived.opens, quiz.closes_at or derived.closes)


def _derived_window(quiz: Quiz, workshop: Workshop) -> Window:
    first, last = db.session.execute(
        select(func.min(WorkshopSession.starts_at), func.max(WorkshopSession.starts_at))
        .where(WorkshopSession.workshop_id == workshop.id)).one()
    if quiz.kind == "pre_test" and first is not None:
        first_end = db.session.scalar(select(WorkshopSession.ends_at).where(
            WorkshopSession.workshop_id == workshop.id, WorkshopSession.starts_at == first).limit(1))
        return Window(None, first_end)
    if quiz.kind == "post_test" and last is not None:
        last_end = db.session.scalar(select(func.max(WorkshopSession.ends_at))
                                     .where(WorkshopSession.workshop_id == workshop.id))
        return Window(last, last_end + timedelta(days=POST_TEST_DAYS))
    return Window(None, None)


def quizzes_of(workshop: Workshop, *, hidden_too: bool = False) -> list[Quiz]:
    """The published quizzes of a workshop (``hidden_too``: all, for its staff): its module's and
    its own, pre-test first."""
    order = {"pre_test": 0, "practice": 1, "post_test": 2}
    stmt = select(Quiz).where((Quiz.workshop_id == workshop.id) | ((Quiz.module_id == workshop.module_id) & (
        Quiz.applies_from.is_(None) | (Quiz.applies_from <= workshop.start_date))))
    if not hidden_too:
        stmt = stmt.where(Quiz.is_published.is_(True))
    rows = db.session.scalars(stmt).all()
    return sorted(rows, key=lambda q: (order[q.kind], q.id))


def belongs(quiz: Quiz, workshop: Workshop) -> bool:
    if quiz.workshop_id is not None:
        return quiz.workshop_id == workshop.id
    return quiz.module_id == workshop.module_id and (quiz.applies_from is None
                                                     or quiz.applies_from <= workshop.start_date)


def attempts_of(quiz_id: int, workshop_id: int, user_id: int) -> list[Attempt]:
    return db.session.scalars(select(Attempt).where(
        Attempt.quiz_id == quiz_id, Attempt.workshop_id == workshop_id, Attempt.user_id == user_id)
        .order_by(Attempt.number)).all()


def _slots(quiz_id: int) -> list[QuizQuestion]:
    return db.session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == quiz_id)
                              .order_by(QuizQuestion.position)).all()


def _layout(quiz: Quiz, slots: list[QuizQuestion], questions: dict[int, Question]) -> dict:
    rng = random.Random(secrets.randbits(64))
    order = [s.question_id for s in slots]
    if quiz.shuffle_questions:
        rng.shuffle(order)
    choices, tokens = {}, {}
    for question_id in order:
        question = questions[question_id]
        if question.qtype in ("single", "multi"):
            ids = [c["id"] for c in question.key.get("choices", [])]
        elif question.qtype == "matching":
            ids = [p["id"] for p in question.key.get("pairs", [])]  # the order of the right-hand options
        else:
            continue
        if quiz.shuffle_choices or question.qtype == "matching":  # matching is always mixed
            rng.shuffle(ids)
        choices[str(question_id)] = ids
        # Pages show random tokens, not the key's ids: those follow the file's order (the right
        # answer often first) and, in matching, pair each item with its answer.
        drawn: dict[str, int] = {}
        while len(drawn) < len(ids):
            drawn[secrets.token_hex(4)] = ids[len(drawn)]
        tokens[str(question_id)] = drawn
    return {"questions": order, "choices": choices, "tokens": tokens}


def token_maps(layout: dict, question_id: int) -> tuple[dict[str, int], dict[int, str]]:
    """(token -> option id, option id -> token) of a question in an attempt."""
    to_id = {token: int(option) for token, option in layout.get("tokens", {}).get(str(question_id), {}).items()}
    if not to_id:  # an attempt laid out before tokens: the ids themselves
        to_id = {str(option): option for option in layout.get("choices", {}).get(str(question_id), [])}
    return to_id, {option: token for token, option in to_id.items()}


def start(quiz: Quiz, workshop: Workshop, user, *, now: datetime | None = None) -> Attempt:
    """Start an attempt, or return the one in progress (a second click or a second tab)."""
    now = now or utcnow()
    if not belongs(quiz, workshop) or not quiz.is_published:
        raise QuizError(_l("This quiz is not part of this workshop."))
    if not holds_place(workshop.id, user.id):
        raise QuizError(_l("Only participants of the workshop can take its quizzes."))
    close_overdue(now=now, quiz_id=quiz.id, user_id=user.id)
    previous = attempts_of(quiz.id, workshop.id, user.id)
    ongoing = next((a for a in previous if a.state == "in_progress"), None)
    if ongoing is not None:
        return ongoing
    span = window(quiz, workshop)
    if not span.is_open(now):
        raise QuizError(_l("This quiz is not open now.") if span.opens and now < span.opens
                        else _l("This quiz has closed."))
    if quiz.attempts_allowed and len(previous) >= quiz.attempts_allowed:
        raise QuizError(_l("You have used all your attempts at this quiz."))
    slots = _slots(quiz.id)
    if not slots:
        raise QuizError(_l("This quiz has no questions yet."))
    questions = {q.id: q for q in db.session.scalars(select(Question).where(
        Question.id.in_([s.question_id for s in slots])))}
    deadlines = [d for d in (now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
                             span.closes) if d is not None]
    attempt = Attempt(quiz_id=quiz.id, workshop_id=workshop.id, user_id=user.id, number=len(previous) + 1,
                      state="in_progress", started_at=now, deadline=min(deadlines) if deadlines else None,
                      layout=_layout(quiz, slots, questions), page=0,
                      max_points=float(sum(s.points for s in slots)))
    try:
        # No savepoint: with SQLite's driver a savepoint opened before any write starts the
        # transaction itself, and releasing it would commit the attempt on its own.
        db.session.add(attempt)
        db.session.flush()
    except IntegrityError:  # another request started it a moment ago: take that one
        db.session.rollback()
        ongoing = next((a for a in attempts_of(quiz.id, workshop.id, user.id) if a.state == "in_progress"), None)
        if ongoing is None:
            raise
        return ongoing
    record("quiz.attempt_started", attempt, actor=user, changes={"number": (None, attempt.number)})
    return attempt


def clean_response(question: Question, layout: dict, raw) -> dict | None:
    """A response as the form sent it, reduced to what the question can hold; None when empty."""
    if not isinstance(raw, dict):
        return None
    offered = set(layout.get("choices", {}).get(str(question.id), []))
    if question.qtype == "single":
        value = _int(raw.get("choice"))
        return {"choice": value} if value in offered else None
    if question.qtype == "multi":
        values = raw.get("choices")
        values = values if isinstance(values, list) else [values]
        picked = sorted({v for v in map(_int, values) if v in offered})
        return {"choices": picked} if picked else None
    if question.qtype == "truefalse":
        value = raw.get("value")
        if isinstance(value, str):
            value = {"true": True, "false": False}.get(value)
        return {"value": value} if isinstance(value, bool) else None
    if question.qtype in ("short", "numerical"):
        key = "text" if question.qtype == "short" else "value"
        value = raw.get(key)
        return {key: value.strip()[:500]} if isinstance(value, str) and value.strip() else None
    if question.qtype == "matching":
        pairs = raw.get("pairs")
        if not isinstance(pairs, dict):
            return None
        lefts = {str(p["id"]) for p in question.key.get("pairs", []) if p.get("left")}
        kept = {str(k): _int(v) for k, v in pairs.items() if str(k) in lefts and _int(v) in offered}
        return {"pairs": kept} if kept else None
    return None


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def save(attempt: Attempt, responses: dict[int, dict | None], *, page: int | None = None,
         now: datetime | None = None) -> int:
    """Store answers as the person goes; returns how many changed. After the deadline nothing is
    stored: the attempt is finished as of its deadline and QuizError says so."""
    now = now or utcnow()
    _still_open(attempt, now)
    # Take the attempt for this transaction (a row lock on PostgreSQL, the write lock on SQLite):
    # a finish running at the same moment either waits for these answers or has already won, and
    # then nothing is written.
    taken = db.session.execute(update(Attempt).where(Attempt.id == attempt.id, Attempt.state == "in_progress")
                               .values(page=Attempt.page).execution_options(synchronize_session=False)).rowcount
    if not taken:
        db.session.refresh(attempt)
        raise QuizError(_l("This attempt is already finished."))
    questions = {q.id: q for q in db.session.scalars(select(Question).where(
        Question.id.in_([qid for qid in responses if qid in set(attempt.layout["questions"])])))}
    existing = {a.question_id: a for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}
    changed = 0
    for question_id, raw in responses.items():
        question = questions.get(question_id)
        if question is None:
            continue  # not a question of this attempt
        response = clean_response(question, attempt.layout, raw)
        row = existing.get(question_id)
        if row is None and response is None:
            continue
        if row is None:
            db.session.add(AttemptAnswer(attempt_id=attempt.id, question_id=question_id, response=response,
                                         saved_at=now))
        elif (row.response or None) != response:
            row.response, row.saved_at = response or {}, now
        else:
            continue
        changed += 1
    if page is not None and 0 <= page < len(attempt.layout["questions"]):
        attempt.page = page
    return changed


def _still_open(attempt: Attempt, now: datetime) -> None:
    if attempt.state != "in_progress":
        raise QuizError(_l("This attempt is already finished."))
    if attempt.deadline is not None and now > attempt.deadline + GRACE:
        finish(attempt, now=attempt.deadline, by_clock=True)
        raise QuizError(_l("Time is up: your attempt was finished and graded with the answers saved before "
                           "the deadline."))


def finish(attempt: Attempt, *, now: datetime | None = None, by_clock: bool = False, actor=None) -> bool:
    """Finish and grade an attempt; a second call changes nothing (returns False)."""
    if attempt.state != "in_progress":
        return False
    now = now or utcnow()
    # Only one request finishes it, even if two arrive together.
    done = db.session.execute(update(Attempt).where(Attempt.id == attempt.id, Attempt.state == "in_progress")
                              .values(state="finished", finished_at=now)
                              .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(attempt)
    if not done:
        return False
    grade_attempts([attempt])
    record("quiz.attempt_finished", attempt, actor=actor, changes={
        "percent": (None, attempt.percent), "by_clock": (None, by_clock)})
    return True


def close_overdue(*, now: datetime | None = None, quiz_id: int | None = None, user_id: int | None = None,
                  workshop_id: int | None = None) -> int:
    """Finish every attempt whose deadline has passed, as of its deadline."""
    now = now or utcnow()
    stmt = select(Attempt).where(Attempt.state == "in_progress", Attempt.deadline.is_not(None),
                                 Attempt.deadline < now - GRACE)
    if quiz_id is not None:
        stmt = stmt.where(Attempt.quiz_id == quiz_id)
    if user_id is not None:
        stmt = stmt.where(Attempt.user_id == user_id)
    if workshop_id is not None:
        stmt = stmt.where(Attempt.workshop_id == workshop_id)
    overdue = [a.id for a in db.session.scalars(stmt).all()]
    if not overdue:
        return 0
    # All of them at once, as of their own deadlines; only rows still in progress are taken.
    closed = db.session.scalars(update(Attempt).where(Attempt.id.in_(overdue), Attempt.state == "in_progress")
                                .values(state="finished", finished_at=Attempt.deadline)
                                .returning(Attempt.id).execution_options(synchronize_session=False)).all()
    if not closed:
        return 0
    rows = db.session.scalars(select(Attempt).where(Attempt.id.in_(closed))
                              .execution_options(populate_existing=True)).all()
    grade_attempts(rows)
    for attempt in rows:
        record("quiz.attempt_finished", attempt, changes={"percent": (None, attempt.percent), "by_clock": (None, True)})
    return len(closed)


def grade_attempts(attempts: list[Attempt]) -> None:
    """(Re)grade finished attempts: a fixed number of queries for any number of attempts and
    questions. Updates the answers, the picks, the attempt's totals and the quiz grades."""
    attempts = [a for a in attempts if a.state == "finished"]
    if not attempts:
        return
    ids = [a.id for a in attempts]
    answers = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(ids))).all()
    quiz_ids = {a.quiz_id for a in attempts}
    points = {(s.quiz_id, s.question_id): s.points for s in db.session.scalars(
        select(QuizQuestion).where(QuizQuestion.quiz_id.in_(quiz_ids)))}
    question_ids = {qid for a in attempts for qid in a.layout["questions"]}
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(question_ids)))}
    quizzes = {q.id: q for q in db.session.scalars(select(Quiz).where(Quiz.id.in_(quiz_ids)))}
    by_attempt: dict[int, list[AttemptAnswer]] = {}
    for answer in answers:
        by_attempt.setdefault(answer.attempt_id, []).append(answer)
    db.session.execute(delete(AnswerChoice).where(AnswerChoice.answer_id.in_([a.id for a in answers])))
    picks = []
    for attempt in attempts:
        total = 0.0
        max_points = 0.0
        answered = {a.question_id: a for a in by_attempt.get(attempt.id, [])}
        for question_id in attempt.layout["questions"]:
            weight = float(points.get((attempt.quiz_id, question_id), 1.0))
            max_points += weight
            question, answer = questions.get(question_id), answered.get(question_id)
            if question is None or answer is None:
                continue
            outcome = grading.grade(question.qtype, question.key, answer.response)
            answer.fraction, answer.response_text = outcome.fraction, outcome.response_text
            if question.qtype in ("single", "multi", "truefalse"):
                picks += [{"answer_id": answer.id, "choice_id": c, "question_id": question_id} for c in outcome.picked]
            total += weight * (answer.score or 0.0)
        quiz = quizzes[attempt.quiz_id]
        attempt.points, attempt.max_points = round(total, 4), max_points
        attempt.percent = round(100.0 * total / max_points, 2) if max_points else 0.0
        attempt.passed = attempt.percent >= quiz.pass_mark
    if picks:
        db.session.execute(AnswerChoice.__table__.insert(), picks)
    db.session.flush()
    update_grades({(a.quiz_id, a.workshop_id, a.user_id) for a in attempts})


def update_grades(keys: set[tuple[int, int, int]]) -> None:
    """Bring QuizGrade in line with the finished attempts, by each quiz's grading method."""
    if not keys:
        return
    quiz_ids = {k[0] for k in keys}
    methods = dict(db.session.execute(select(Quiz.id, Quiz.grading_method).where(Quiz.id.in_(quiz_ids))).tuples().all())
    finished = db.session.scalars(select(Attempt).where(
        Attempt.quiz_id.in_(quiz_ids), Attempt.user_id.in_({k[2] for k in keys}),
        Attempt.workshop_id.in_({k[1] for k in keys}), Attempt.state == "finished")).all()
    grades = {(g.quiz_id, g.workshop_id, g.user_id): g for g in db.session.scalars(select(QuizGrade).where(
        QuizGrade.quiz_id.in_(quiz_ids), QuizGrade.user_id.in_({k[2] for k in keys})))}
    by_key: dict[tuple, list[Attempt]] = {}
    for attempt in finished:
        by_key.setdefault((attempt.quiz_id, attempt.workshop_id, attempt.user_id), []).append(attempt)
    touched_workshops: dict[int, set[int]] = {}
    for key in keys:
        chosen = _by_method(methods.get(key[0], "highest"), by_key.get(key, []))
        grade = grades.get(key)
        if chosen is None:
            if grade is not None:
                db.session.delete(grade)
            continue
        if grade is None:
            grade = QuizGrade(quiz_id=key[0], workshop_id=key[1], user_id=key[2], attempt_id=chosen.id,
                              percent=chosen.percent, passed=bool(chosen.passed))
            db.session.add(grade)
        elif (grade.attempt_id, grade.percent, grade.passed) == (chosen.id, chosen.percent, bool(chosen.passed)):
            continue
        else:
            grade.attempt_id, grade.percent, grade.passed = chosen.id, chosen.percent, bool(chosen.passed)
        touched_workshops.setdefault(key[1], set()).add(key[2])
    db.session.flush()
    for workshop_id, user_ids in touched_workshops.items():
        completion.recompute(workshop_id, sorted(user_ids))


def _by_method(method: str, attempts: list[Attempt]) -> Attempt | None:
    if not attempts:
        return None
    if method == "first":
        return min(attempts, key=lambda a: a.number)
    if method == "last":
        return max(attempts, key=lambda a: a.number)
    return max(attempts, key=lambda a: (a.percent or 0.0, -a.number))


def regrade_questions(question_ids: list[int], *, actor=None) -> int:
    """Regrade every finished attempt that answered these questions (their key changed)."""
    attempt_ids = select(AttemptAnswer.attempt_id).where(AttemptAnswer.question_id.in_(question_ids))
    affected = db.session.scalars(select(Attempt).where(Attempt.id.in_(attempt_ids),
                                                        Attempt.state == "finished")).all()
    grade_attempts(affected)
    if affected:
        record("quiz.regraded", None, actor=actor, entity_type="question", changes={"questions": (None, sorted(question_ids)),
                                                            "attempts": (None, len(affected))})
    return len(affected)


def override(answer: AttemptAnswer, fraction: float | None, note: str, *, actor) -> None:
    """A trainer's mark for a short answer (None gives the automatic mark back)."""
    attempt = db.session.get(Attempt, answer.attempt_id)
    question = db.session.get(Question, answer.question_id)
    if question.qtype != "short":
        raise QuizError(_l("Only short answers can be marked by hand."))
    if attempt.state != "finished":
        raise QuizError(_l("The attempt is still in progress."))
    if fraction is not None and not 0 <= fraction <= 1:
        raise QuizError(_l("A mark is between 0 and 100%."))
    old = answer.override_fraction
    answer.override_fraction, answer.override_note = fraction, (note or "").strip() or None
    answer.override_by_id = actor.id if fraction is not None else None
    record("quiz.answer_overridden", answer, actor=actor, changes={"override_fraction": (old, fraction)})
    grade_attempts([attempt])


# --- what pages need ---------------------------------------------------------------------------

def time_is_up(attempt: Attempt, now: datetime | None = None) -> bool:
    """For pages: the time is up at the deadline (only answers already on their way get the grace)."""
    return attempt.state == "in_progress" and attempt.deadline is not None and (now or utcnow()) >= attempt.deadline


def seconds_left(attempt: Attempt, now: datetime | None = None) -> int | None:
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - (now or utcnow())).total_seconds()))


def may_review(quiz: Quiz, span: Window, attempt: Attempt, now: datetime) -> bool:
    """Whether the person may see the right answers and feedback of a finished attempt
    (``span``: the quiz's window in the attempt's workshop)."""
    if attempt.state != "finished" or quiz.review == "never":
        return False
    if quiz.review == "immediately":
        return True
    return span.closes is not None and now >= span.closes


def question_counts(quiz_ids: list[int]) -> dict[int, int]:
    if not quiz_ids:
        return {}
    return dict(db.session.execute(select(QuizQuestion.quiz_id, func.count()).where(
        QuizQuestion.quiz_id.in_(quiz_ids)).group_by(QuizQuestion.quiz_id)).tuples().all())


@dataclass
class MyQuiz:
    attempts: int
    ongoing: bool
    grade: QuizGrade | None


def my_status(quizzes: list[Quiz], workshop: Workshop, user_id: int) -> dict[int, MyQuiz]:
    """Per quiz: how many attempts the person made, whether one is open, and their grade."""
    ids = [q.id for q in quizzes]
    if not ids:
        return {}
    counts = {row.quiz_id: (row.n, row.open) for row in db.session.execute(
        select(Attempt.quiz_id, func.count().label("n"),
               func.sum(case((Attempt.state == "in_progress", 1), else_=0)).label("open"))
        .where(Attempt.quiz_id.in_(ids), Attempt.workshop_id == workshop.id, Attempt.user_id == user_id)
        .group_by(Attempt.quiz_id))}
    grades = {g.quiz_id: g for g in db.session.scalars(select(QuizGrade).where(
        QuizGrade.quiz_id.in_(ids), QuizGrade.workshop_id == workshop.id, QuizGrade.user_id == user_id))}
    return {qid: MyQuiz(attempts=counts.get(qid, (0, 0))[0], ongoing=bool(counts.get(qid, (0, 0))[1]),
                        grade=grades.get(qid)) for qid in ids}


def reviewed(attempt: Attempt, *, with_answers: bool) -> list:
    """The attempt's questions for its review page, in the order the person saw them."""
    from lga.quizzes import presenting

    questions = {q.id: q for q in db.session.scalars(select(Question).where(
        Question.id.in_(attempt.layout["questions"])))}
    answers = {a.question_id: a for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}
    shown = []
    for number, question_id in enumerate(attempt.layout["questions"], 1):
        question = questions.get(question_id)
        if question is None:
            continue
        answer = answers.get(question_id)
        item = presenting.review(question, number, attempt.layout, answer.response if answer else None,
                                 answer.score if answer else 0.0, with_answers=with_answers)
        item.answer = answer
        shown.append(item)
    return shown


def person(attempt: Attempt):
    from lga.accounts.models import User

    return db.session.get(User, attempt.user_id)


def results_query(quiz_id: int, workshop_id: int):
    """The workshop's participants with their grade in the quiz (none if not taken), by name."""
    from lga.accounts.models import User

    return (select(User, QuizGrade)
            .join(Enrolment, Enrolment.user_id == User.id)
            .outerjoin(QuizGrade, (QuizGrade.user_id == User.id) & (QuizGrade.quiz_id == quiz_id)
                       & (QuizGrade.workshop_id == workshop_id))
            .where(Enrolment.workshop_id == workshop_id, Enrolment.status.in_(HOLDS_PLACE))
            .order_by(User.family_name, User.given_name, User.id))


def attempts_for(user_ids: list[int], quiz_id: int, workshop_id: int) -> dict[int, list[Attempt]]:
    if not user_ids:
        return {}
    result: dict[int, list[Attempt]] = {}
    for attempt in db.session.scalars(select(Attempt).where(
            Attempt.quiz_id == quiz_id, Attempt.workshop_id == workshop_id, Attempt.user_id.in_(user_ids))
            .order_by(Attempt.number)):
        result.setdefault(attempt.user_id, []).append(attempt)
    return result
