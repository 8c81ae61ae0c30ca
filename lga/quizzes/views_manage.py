"""For trainers and managers: results and marking, item analysis, learning gain, and the question
bank (GIFT in and out, fixing a key)."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import BooleanField, SubmitField

from lga import access
from lga.catalogue.models import Module, ModuleTopic
from lga.catalogue.views_manage import editable_workshop
from lga.extensions import db
from lga.forms import choices
from lga.i18n import current_language
from lga.quizzes import analysis as item_analysis
from lga.quizzes import bank as question_bank
from lga.quizzes import bp
from lga.quizzes import attempts as service
from lga.quizzes.attempts import QuizError
from lga.quizzes.models import KIND_LABELS, QTYPE_LABELS, Attempt, AttemptAnswer, Question, Quiz, QuizQuestion
from lga.web import paginate, paginate_rows, upload_limit

DEFAULT_MAX_BYTES = 2 * 1024 * 1024


def _quiz_of(workshop, quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or not service.belongs(quiz, workshop):
        abort(404)
    return quiz


@bp.route("/workshops/<int:workshop_id>/quizzes/<int:quiz_id>/results")
@access.roles(*access.STAFF)
def results(workshop_id: int, quiz_id: int):
    workshop = editable_workshop(workshop_id)
    quiz = _quiz_of(workshop, quiz_id)
    service.close_overdue(quiz_id=quiz.id, workshop_id=workshop.id)
    db.session.commit()
    page = paginate_rows(service.results_query(quiz.id, workshop.id), per_page=50)
    attempts = service.attempts_for([user.id for user, _grade in page.items], quiz.id, workshop.id)
    return render_template("quizzes/results.html", workshop=workshop, quiz=quiz, page=page, attempts=attempts,
                           kinds=KIND_LABELS)


@bp.route("/answers/<int:answer_id>/override", methods=["POST"])
@access.roles(*access.STAFF)
def override(answer_id: int):
    answer = db.session.get(AttemptAnswer, answer_id)
    if answer is None:
        abort(404)
    attempt = db.session.get(Attempt, answer.attempt_id)
    editable_workshop(attempt.workshop_id)  # only the workshop's staff mark its answers
    fraction = None
    if not request.form.get("automatic"):
        raw = request.form.get("percent", "").strip()
        try:
            fraction = float(raw) / 100.0
        except ValueError:
            flash(_("Give the mark as a number from 0 to 100."), "error")
            return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    try:
        service.override(answer, fraction, request.form.get("note", ""), actor=current_user)
        db.session.commit()
    except QuizError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("The mark is changed; the attempt's grade now is %(pct).1f%%.", pct=attempt.percent), "success")
    return redirect(url_for("quizzes.review", attempt_id=attempt.id))


@bp.route("/workshops/<int:workshop_id>/quizzes/<int:quiz_id>/analysis")
@access.roles(*access.STAFF)
def analysis(workshop_id: int, quiz_id: int):
    workshop = editable_workshop(workshop_id)
    quiz = _quiz_of(workshop, quiz_id)
    scope = request.args.get("scope")
    can_widen = quiz.module_id is not None and current_user.has_role(access.MANAGER, access.ADMIN)
    everywhere = scope == "module" and can_widen
    service.close_overdue(quiz_id=quiz.id, workshop_id=None if everywhere else workshop.id)
    db.session.commit()
    people, stats = item_analysis.items(quiz, None if everywhere else workshop.id)
    return render_template("quizzes/analysis.html", workshop=workshop, quiz=quiz, people=people, stats=stats,
                           everywhere=everywhere, can_widen=can_widen, qtypes=QTYPE_LABELS)


@bp.route("/workshops/<int:workshop_id>/learning-gain")
@access.roles(*access.STAFF)
def learning_gain(workshop_id: int):
    workshop = editable_workshop(workshop_id)
    service.close_overdue(workshop_id=workshop.id)
    db.session.commit()
    summary = item_analysis.learning_gain(workshop, service.quizzes_of(workshop))
    return render_template("quizzes/learning_gain.html", workshop=workshop, summary=summary)


# --- The question bank ---------------------------------------------------------------------------

def _module(code: str) -> Module:
    """The module of a bank page, if this person may work on its bank (404, 403 otherwise)."""
    from lga.quizzes.services import may_manage_bank

    module = db.session.scalar(select(Module).where(Module.code == code))
    if module is None:
        abort(404)
    access.ensure(may_manage_bank(module.id, current_user))
    return module


class GiftUploadForm(FlaskForm):
    file = FileField(_l("GIFT file (Moodle's quiz text format)"), validators=[FileRequired(_l("Choose a file."))],
                     render_kw={"accept": ".gift,.txt,text/plain"})
    check_only = BooleanField(_l("Only check the file; import nothing"))
    submit = SubmitField(_l("Import the questions"))


@bp.route("/modules/<code>/questions")
@access.roles(*access.STAFF)
def bank(code: str):
    module = _module(code)
    topics = db.session.scalars(select(ModuleTopic).where(ModuleTopic.module_id == module.id)
                                .order_by(ModuleTopic.position)).all()
    topic = request.args.get("topic", "")
    stmt = select(Question).where(Question.module_id == module.id, Question.is_active.is_(True))
    if topic.isdigit():
        stmt = stmt.where(Question.topic_id == int(topic))
    page = paginate(stmt.order_by(Question.topic_id, Question.title), per_page=50)
    used = dict(db.session.execute(
        select(Question.id, func.count(AttemptAnswer.id)).join(AttemptAnswer, AttemptAnswer.question_id == Question.id)
        .where(Question.id.in_([q.id for q in page.items])).group_by(Question.id)).tuples().all())
    return render_template("quizzes/bank.html", module=module, topics={t.id: t for t in topics}, topic=topic,
                           page=page, qtypes=QTYPE_LABELS, used=used, form=GiftUploadForm(formdata=None))


def _max_bytes() -> int:
    return upload_limit(DEFAULT_MAX_BYTES, setting=None)


@bp.route("/modules/<code>/questions/import", methods=["GET", "POST"])
@access.roles(access.TRAINER, access.MANAGER, access.ADMIN)
def bank_import(code: str):
    module = _module(code)
    form = GiftUploadForm()
    problems, outcome = [], None
    if form.validate_on_submit():
        content = form.file.data.read(_max_bytes() + 1)
        if len(content) > _max_bytes():
            form.file.errors.append(_("The file is too large: at most %(mb).1f MB.", mb=_max_bytes() / 1048576))
        else:
            try:
                questions = question_bank.parse_file(content, language=current_language())
                if form.check_only.data:
                    flash(ngettext_questions(len(questions)), "success")
                else:
                    outcome = question_bank.import_questions(module, questions, actor=current_user,
                                                    language=current_language())
                    db.session.commit()
            except question_bank.BankError as exc:
                db.session.rollback()
                problems = exc.problems
    status = 400 if problems or form.errors else 200
    return render_template("quizzes/bank_import.html", module=module, form=form, problems=problems,
                           outcome=outcome), status


def ngettext_questions(n: int) -> str:
    from flask_babel import ngettext

    return ngettext("The file is fine: %(num)d question can be imported.",
                    "The file is fine: %(num)d questions can be imported.", n)


@bp.route("/modules/<code>/questions.gift")
@access.roles(*access.STAFF)
def bank_export(code: str):
    module = _module(code)
    text = question_bank.export_questions(module, language=current_language())
    return Response(text.encode("utf-8"), mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{module.code}-questions.gift"'})


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@access.roles(access.TRAINER, access.MANAGER, access.ADMIN)
def question_page(question_id: int):
    """A question with its key; the key can be corrected here, which regrades its attempts."""
    from lga.quizzes.services import may_manage_bank

    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    access.ensure(may_manage_bank(question.module_id, current_user))
    module = db.session.get(Module, question.module_id)
    error = None
    if request.method == "POST":
        try:
            key = question_bank.key_from_form(question, request.form)
            regraded = question_bank.fix_key(question, key, actor=current_user)
            db.session.commit()
        except question_bank.BankError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash(ngettext_regraded(regraded), "success")
            return redirect(url_for("quizzes.question_page", question_id=question.id))
    answered = db.session.scalar(select(func.count()).select_from(AttemptAnswer)
                                 .where(AttemptAnswer.question_id == question.id))
    return render_template("quizzes/question.html", question=question, module=module, qtypes=QTYPE_LABELS,
                           answered=answered, fractions=question_bank.FRACTIONS, error=error), 400 if error else 200


def ngettext_regraded(n: int) -> str:
    from flask_babel import ngettext

    if not n:
        return _("The key is saved. No attempt had answered this question yet.")
    return ngettext("The key is saved and %(num)d attempt was regraded.",
                    "The key is saved and %(num)d attempts were regraded.", n)



# --- A workshop's own quizzes ---------------------------------------------------------------------

def _quiz_form(workshop, quiz: Quiz | None):
    from lga.catalogue.forms import utc_to_local_naive
    from lga.quizzes.forms import QuizForm
    from lga.quizzes.services import bank_choices

    form = QuizForm(obj=quiz) if quiz is not None else QuizForm()
    questions = bank_choices(workshop)
    form.question_ids.choices = choices((q.id, f"{q.title} · {QTYPE_LABELS[q.qtype]} · {_short(q.label())}")
                                        for q in questions)
    if request.method == "GET" and quiz is not None:
        form.title_sq.data, form.title_en.data = quiz.title.get("sq", ""), quiz.title.get("en", "")
        form.opens_at.data, form.closes_at.data = utc_to_local_naive(quiz.opens_at), utc_to_local_naive(quiz.closes_at)
        form.question_ids.data = [s.question_id for s in db.session.scalars(
            select(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id).order_by(QuizQuestion.position))]
    elif request.method == "GET":
        form.question_ids.data = [q.id for q in questions]
    return form


def _short(text: str, limit: int = 90) -> str:
    import re as _re

    plain = " ".join(_re.sub(r"<[^>]+>", " ", text or "").split())
    return plain if len(plain) <= limit else plain[:limit - 1] + "…"


def _quiz_values(form) -> dict:
    from lga.catalogue.forms import local_to_utc

    return {
        "kind": form.kind.data, "title": {k: v.strip() for k, v in (("sq", form.title_sq.data or ""),
                                                                     ("en", form.title_en.data or "")) if v.strip()},
        "opens_at": local_to_utc(form.opens_at.data), "closes_at": local_to_utc(form.closes_at.data),
        "time_limit_minutes": form.time_limit_minutes.data, "attempts_allowed": form.attempts_allowed.data,
        "grading_method": form.grading_method.data, "pass_mark": form.pass_mark.data, "review": form.review.data,
        "shuffle_questions": form.shuffle_questions.data, "shuffle_choices": form.shuffle_choices.data,
        "is_published": form.is_published.data,
    }


@bp.route("/workshops/<int:workshop_id>/quizzes/new", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def quiz_new(workshop_id: int):
    return _edit_quiz(editable_workshop(workshop_id), None)


@bp.route("/workshops/<int:workshop_id>/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
@access.roles(*access.STAFF)
def quiz_edit(workshop_id: int, quiz_id: int):
    workshop = editable_workshop(workshop_id)
    quiz = _quiz_of(workshop, quiz_id)
    if quiz.workshop_id != workshop.id:  # a module's quiz is defined in modules/
        flash(_("This quiz belongs to the module: it is changed in the module's files, for all its workshops."),
              "info")
        return redirect(url_for("quizzes.quiz_page", workshop_id=workshop.id, quiz_id=quiz.id))
    return _edit_quiz(workshop, quiz)


def _edit_quiz(workshop, quiz):
    from lga.quizzes.services import save_quiz

    form = _quiz_form(workshop, quiz)
    if form.validate_on_submit():
        quiz = save_quiz(quiz, workshop, _quiz_values(form), form.question_ids.data, actor=current_user)
        db.session.commit()
        flash(_("The quiz is saved."), "success")
        return redirect(url_for("quizzes.quiz_page", workshop_id=workshop.id, quiz_id=quiz.id))
    return render_template("quizzes/quiz_form.html", form=form, workshop=workshop, quiz=quiz), \
        400 if form.errors else 200
