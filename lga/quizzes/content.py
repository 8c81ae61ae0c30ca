"""A module's question bank and quizzes, loaded with the module from ``modules/<code>/``.

module.yaml names the GIFT file of the bank and describes the quizzes every workshop of the
module gets, for example::

    question_bank: questions.gift
    quizzes:
      - code: pre-test
        kind: pre_test            # practice | pre_test | post_test
        title: {sq: "Testi paraprak", en: "Pre-test"}
        time_limit_minutes: 20    # optional
        attempts: 1               # 0: unlimited
        grading: highest          # highest | last | first
        pass_mark: 60             # percent
        review: after_close       # immediately | after_close | never
        shuffle: true
        questions: all            # or a list of question titles

Questions are matched by title: a question that leaves the file is retired from the bank (kept
for the attempts that answered it) and from the module's quizzes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from lga.audit.services import record
from lga.catalogue.loader import EXTENSIONS, Extension, Slug, Text
from lga.catalogue.scheduling import local_today
from lga.extensions import db
from lga.quizzes import bank
from lga.quizzes import attempts
from lga.quizzes.models import Attempt, Question, Quiz, QuizQuestion


class QuizSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Slug
    kind: Literal["practice", "pre_test", "post_test"]
    title: Text
    description: Optional[Text] = None
    time_limit_minutes: Optional[int] = Field(default=None, gt=0, le=600)
    attempts: int = Field(default=1, ge=0, le=100)
    grading: Literal["highest", "last", "first"] = "highest"
    pass_mark: int = Field(default=60, ge=0, le=100)
    review: Literal["immediately", "after_close", "never"] = "after_close"
    shuffle: bool = True
    questions: Union[Literal["all"], list[str]] = "all"


def _read(folder: Path, values: dict, name: str, problems: list[str]):
    bank_file, quizzes = values.get("question_bank"), values.get("quizzes") or []
    if bank_file is None:
        if quizzes:
            problems.append(f"{name}: quizzes: a module with quizzes needs a question_bank")
        return None
    path = folder / str(bank_file)
    if not path.is_file() or path.resolve().parent != folder.resolve():
        problems.append(f"{name}: question_bank: file {bank_file!r} is missing from the module's folder")
        return None
    gift_name = f"{name.rsplit('/', 1)[0]}/{bank_file}"
    try:
        questions = bank.parse_file(path.read_bytes())
    except bank.BankError as exc:
        for problem in exc.problems:
            where = f"line {problem.line}: " if problem.line else ""
            problems.append(f"{gift_name}: {where}{problem.message}")
        return None
    titles = [bank.title_of(q) for q in questions]
    specs = []
    if not isinstance(quizzes, list):
        problems.append(f"{name}: quizzes: expected a list")
        return None
    for index, raw in enumerate(quizzes):
        try:
            spec = QuizSpec.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                problems.append(f"{name}: quizzes.{index}.{loc}: {err['msg']}")
            continue
        if spec.questions != "all":
            unknown = [t for t in spec.questions if t not in titles]
            if unknown:
                problems.append(f"{name}: quizzes.{index}.questions: not in {bank_file}: {', '.join(unknown)}")
        specs.append(spec.model_dump(mode="json"))
    codes = [s["code"] for s in specs]
    if len(set(codes)) != len(codes):
        problems.append(f"{name}: quizzes: two quizzes have the same code")
    # A pre-test that shows its answers would give away the post-test's, where they share questions.
    chosen = {s["code"]: set(titles if s["questions"] == "all" else s["questions"]) for s in specs}
    for pre in (s for s in specs if s["kind"] == "pre_test" and s["review"] != "never"):
        for post in (s for s in specs if s["kind"] == "post_test"):
            if chosen[pre["code"]] & chosen[post["code"]]:
                problems.append(f"{name}: quizzes: the pre-test {pre['code']!r} shares questions with the post-test "
                                f"{post['code']!r}, so its review must be 'never' (it would show the post-test's "
                                f"answers)")
    return {"gift": path.read_text(encoding="utf-8-sig"), "quizzes": specs}


def _apply(module, data, actor) -> None:
    if data is None:
        return
    questions = bank.parse_file(data["gift"])
    bank.import_questions(module, questions, actor=actor)
    titles = [bank.title_of(q) for q in questions]
    rows = {q.title: q for q in db.session.scalars(select(Question).where(Question.module_id == module.id))}
    for title, row in rows.items():
        if title not in titles and row.is_active:
            row.is_active = False
            record("question.retired", row, actor=actor, changes={"is_active": (True, False)})
    existing = {q.code: q for q in db.session.scalars(select(Quiz).where(Quiz.module_id == module.id))}
    for spec in data["quizzes"]:
        quiz = existing.get(spec["code"])
        if quiz is None:  # it counts for the workshops from today on, not for those already held
            quiz = Quiz(module_id=module.id, code=spec["code"], applies_from=local_today())
            db.session.add(quiz)
        regrade = quiz.id is not None and (quiz.pass_mark, quiz.grading_method) != (spec["pass_mark"], spec["grading"])
        quiz.kind, quiz.title = spec["kind"], {k: v for k, v in spec["title"].items() if v}
        quiz.description = {k: v for k, v in (spec.get("description") or {}).items() if v}
        quiz.time_limit_minutes, quiz.attempts_allowed = spec["time_limit_minutes"], spec["attempts"]
        quiz.grading_method, quiz.pass_mark, quiz.review = spec["grading"], spec["pass_mark"], spec["review"]
        quiz.shuffle_questions = quiz.shuffle_choices = spec["shuffle"]
        quiz.is_published = True
        db.session.flush()
        chosen = titles if spec["questions"] == "all" else spec["questions"]
        slots = {s.question_id: s for s in db.session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id))}
        wanted = [rows[t].id for t in chosen]
        for question_id, slot in slots.items():
            if question_id not in wanted:
                db.session.delete(slot)
        for position, question_id in enumerate(wanted):
            slot = slots.get(question_id)
            if slot is None:
                db.session.add(QuizQuestion(quiz_id=quiz.id, question_id=question_id, position=position, points=1.0))
            else:
                slot.position = position
        record("quiz.loaded", quiz, actor=actor, changes={"questions": (None, len(wanted))})
        if regrade:  # a new pass mark or grading method: the grades (and completion) follow
            attempts.grade_attempts(db.session.scalars(select(Attempt).where(
                Attempt.quiz_id == quiz.id, Attempt.state == "finished")).all())
    for code, quiz in existing.items():
        if code not in {s["code"] for s in data["quizzes"]} and quiz.is_published:
            quiz.is_published = False  # attempts stay; the quiz is no longer offered
    db.session.flush()


EXTENSIONS.append(Extension(keys=("question_bank", "quizzes"), read=_read, apply=_apply))
