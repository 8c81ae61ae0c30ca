"""Taking quizzes: a workshop's quizzes, the quiz page, the attempt (one question per page, saved
as one goes), its summary, finishing, and the review."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lga import access
from lga.catalogue import scheduling
from lga.db_types import utcnow
from lga.extensions import db
from lga.quizzes import attempts as service
from lga.quizzes import bp, presenting
from lga.quizzes.attempts import QuizError
from lga.quizzes.models import GRADING_LABELS, KIND_LABELS, Attempt, AttemptAnswer, Question, Quiz


def _workshop(workshop_id: int):
    workshop = scheduling.load_for_editing(workshop_id)
    if workshop is None:
        abort(404)
    return workshop


def _is_staff(workshop) -> bool:
    return scheduling.may_edit(workshop, current_user)


def _quiz_in(workshop, quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or not service.belongs(quiz, workshop) or not (quiz.is_published or _is_staff(workshop)):
        abort(404)
    return quiz


@bp.route("/workshops/<int:workshop_id>/quizzes")
@access.authenticated
def workshop_quizzes(workshop_id: int):
    workshop = _workshop(workshop_id)
    staff = _is_staff(workshop)
    access.ensure(staff or service.holds_place(workshop.id, current_user.id))
    service.close_overdue(workshop_id=workshop.id, user_id=None if staff else current_user.id)
    db.session.commit()
    quizzes = service.quizzes_of(workshop, hidden_too=staff)
    mine = service.my_status(quizzes, workshop, current_user.id) if not staff else {}
    return render_template("quizzes/workshop_quizzes.html", workshop=workshop, quizzes=quizzes, staff=staff,
                           mine=mine, kinds=KIND_LABELS, windows={q.id: service.window(q, workshop) for q in quizzes},
                           counts=service.question_counts([q.id for q in quizzes]))


@bp.route("/workshops/<int:workshop_id>/quizzes/<int:quiz_id>")
@access.authenticated
def quiz_page(workshop_id: int, quiz_id: int):
    workshop = _workshop(workshop_id)
    quiz = _quiz_in(workshop, quiz_id)
    staff = _is_staff(workshop)
    participant = service.holds_place(workshop.id, current_user.id)
    access.ensure(staff or participant)
    service.close_overdue(quiz_id=quiz.id, user_id=current_user.id)
    db.session.commit()
    mine = service.attempts_of(quiz.id, workshop.id, current_user.id)
    span = service.window(quiz, workshop)
    now = utcnow()
    left = (quiz.attempts_allowed - len(mine)) if quiz.attempts_allowed else None
    ongoing = next((a for a in mine if a.state == "in_progress"), None)
    return render_template("quizzes/quiz.html", workshop=workshop, quiz=quiz, attempts=mine, window=span,
                           is_open=span.is_open(now), left=left, ongoing=ongoing, participant=participant,
                           staff=staff, kinds=KIND_LABELS, grading=GRADING_LABELS,
                           questions=service.question_counts([quiz.id]).get(quiz.id, 0),
                           reviewable={a.id: service.may_review(quiz, span, a, now) for a in mine})


@bp.route("/workshops/<int:workshop_id>/quizzes/<int:quiz_id>/start", methods=["POST"])
@access.authenticated
def start(workshop_id: int, quiz_id: int):
    workshop = _workshop(workshop_id)
    quiz = _quiz_in(workshop, quiz_id)
    try:
        attempt = service.start(quiz, workshop, current_user)
        db.session.commit()
    except QuizError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("quizzes.quiz_page", workshop_id=workshop.id, quiz_id=quiz.id))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=attempt.page))


def _own_attempt(attempt_id: int) -> Attempt:
    """The current person's attempt; anyone else's is as unknown as a made-up number."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _finished_redirect(attempt: Attempt):
    return redirect(url_for("quizzes.review", attempt_id=attempt.id))


def _time_up(attempt: Attempt):
    """A page opened after the deadline: the attempt ends as of it, and the person sees the result."""
    service.finish(attempt, now=attempt.deadline, by_clock=True)
    db.session.commit()
    flash(_("Time is up: your attempt was finished and graded with the answers saved before the deadline."), "error")
    return _finished_redirect(attempt)


def _responses_from_form(attempt: Attempt) -> dict[int, dict]:
    """The answers a form post carries: ``q<id>-choice``, ``q<id>-choices``, ``q<id>-value``,
    ``q<id>-text`` and ``q<id>-pair-<left id>``, options as the attempt's tokens (turned back
    into the key's ids here). Only questions of the attempt are read."""
    ours = {str(q) for q in attempt.layout["questions"]}
    responses: dict[int, dict] = {}
    for name in request.form:
        if not name.startswith("q") or "-" not in name:
            continue
        qid, _sep, field = name[1:].partition("-")
        if qid not in ours:
            continue
        response = responses.setdefault(int(qid), {})
        to_id, _to_token = service.token_maps(attempt.layout, int(qid))
        if field == "choices":
            response["choices"] = [to_id.get(token) for token in request.form.getlist(name)]
        elif field == "choice":
            response["choice"] = to_id.get(request.form.get(name, ""))
        elif field.startswith("pair-"):
            response.setdefault("pairs", {})[field.removeprefix("pair-")] = to_id.get(request.form.get(name, ""))
        elif field in ("value", "text"):
            response[field] = request.form.get(name)
    # A question shown on the page with nothing picked is an answer taken back.
    for shown in request.form.getlist("shown"):
        if shown in ours:
            responses.setdefault(int(shown), {})
    return responses


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@access.authenticated
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.state != "in_progress":
        return _finished_redirect(attempt)
    total = len(attempt.layout["questions"])
    if request.method == "POST":
        target = request.form.get("goto", "")
        page = int(target) if target.isdigit() and int(target) < total else attempt.page
        try:
            service.save(attempt, _responses_from_form(attempt), page=page if target != "summary" else None)
            db.session.commit()
        except QuizError as exc:
            db.session.commit()  # the attempt was finished as of its deadline
            flash(str(exc), "error")
            return _finished_redirect(attempt)
        if target == "summary":
            return redirect(url_for("quizzes.summary", attempt_id=attempt.id))
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, page=page))
    page = request.args.get("page", str(attempt.page))
    page = int(page) if page.isdigit() and int(page) < total else attempt.page
    if service.time_is_up(attempt):
        return _time_up(attempt)
    question_id = attempt.layout["questions"][page]
    question = db.session.get(Question, question_id)
    answers = {a.question_id: a for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}
    shown = presenting.present(question, page + 1, attempt.layout,
                               answers[question_id].response if question_id in answers else None)
    quiz = db.session.get(Quiz, attempt.quiz_id)
    if attempt.page != page:
        attempt.page = page
    db.session.commit()
    return render_template("quizzes/attempt.html", attempt=attempt, quiz=quiz, q=shown, page=page, total=total,
                           answered={i for i, qid in enumerate(attempt.layout["questions"]) if qid in answers
                                     and answers[qid].response},
                           seconds_left=service.seconds_left(attempt))


@bp.route("/attempts/<int:attempt_id>/save", methods=["POST"])
@access.authenticated
def autosave(attempt_id: int):
    """The page's script saves each answer as it is given (JSON in, JSON out)."""
    attempt = _own_attempt(attempt_id)
    try:
        changed = service.save(attempt, _responses_from_form(attempt))
        db.session.commit()
    except QuizError as exc:
        db.session.commit()
        return jsonify(error=str(exc), redirect=url_for("quizzes.review", attempt_id=attempt.id)), 409
    return jsonify(saved=changed, seconds_left=service.seconds_left(attempt))


@bp.route("/attempts/<int:attempt_id>/summary", methods=["GET", "POST"])
@access.authenticated
def summary(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.state != "in_progress":
        return _finished_redirect(attempt)
    if request.method == "POST":
        try:
            service.save(attempt, {})  # the clock: after the deadline this finishes as of it
            service.finish(attempt, actor=current_user)
            db.session.commit()
        except QuizError as exc:
            db.session.commit()
            flash(str(exc), "error")
        return _finished_redirect(attempt)
    if service.time_is_up(attempt):
        return _time_up(attempt)
    answered = {a.question_id for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id)) if a.response}
    quiz = db.session.get(Quiz, attempt.quiz_id)
    return render_template("quizzes/summary.html", attempt=attempt, quiz=quiz,
                           answered=[qid in answered for qid in attempt.layout["questions"]],
                           seconds_left=service.seconds_left(attempt))


@bp.route("/attempts/<int:attempt_id>/review")
@access.authenticated
def review(attempt_id: int):
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    workshop = _workshop(attempt.workshop_id)
    staff = _is_staff(workshop)
    if attempt.user_id != current_user.id and not staff:
        abort(404)
    if attempt.state == "in_progress":
        if attempt.user_id == current_user.id and not service.time_is_up(attempt):
            return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
        service.close_overdue(quiz_id=attempt.quiz_id, user_id=attempt.user_id)
        db.session.commit()
    quiz = db.session.get(Quiz, attempt.quiz_id)
    with_answers = staff or service.may_review(quiz, service.window(quiz, workshop), attempt, utcnow())
    shown = service.reviewed(attempt, with_answers=with_answers) if attempt.state == "finished" else []
    return render_template("quizzes/review.html", attempt=attempt, quiz=quiz, workshop=workshop, shown=shown,
                           with_answers=with_answers, staff=staff, person=service.person(attempt))
