"""Setting up a workshop's own quiz (module quizzes come from modules/, see content.py)."""
from __future__ import annotations

from sqlalchemy import select, update

from lga.attendance import completion
from lga.audit.services import record
from lga.catalogue.models import Workshop
from lga.extensions import db
from lga.quizzes import attempts
from lga.quizzes.models import Attempt, Question, Quiz, QuizQuestion

def may_manage_bank(module_id: int, user) -> bool:
    """Managers and admins; trainers of (or who scheduled) a workshop of the module. A bank holds
    the keys of every test of its module, so a trainer of other modules has no business in it."""
    from lga.catalogue.models import workshop_trainer

    if user.has_role("manager", "admin"):
        return True
    if not user.has_role("trainer"):
        return False
    trains = select(workshop_trainer.c.workshop_id).where(workshop_trainer.c.user_id == user.id)
    return db.session.scalar(select(Workshop.id).where(
        Workshop.module_id == module_id, Workshop.id.in_(trains) | (Workshop.created_by_id == user.id)).limit(1)) \
        is not None


def bank_choices(workshop: Workshop) -> list[Question]:
    """The questions a workshop's quiz can ask: its module's bank."""
    return db.session.scalars(select(Question).where(Question.module_id == workshop.module_id,
                                                     Question.is_active.is_(True))
                              .order_by(Question.topic_id, Question.title)).all()


def save_quiz(quiz: Quiz | None, workshop: Workshop, values: dict, question_ids: list[int], *, actor) -> Quiz:
    """Create or update a workshop's quiz. Attempts already made keep the questions they were
    given; a new pass mark or grading method regrades them."""
    allowed = {q.id for q in bank_choices(workshop)}
    question_ids = [qid for qid in question_ids if qid in allowed]
    created = quiz is None
    if created:
        quiz = Quiz(workshop_id=workshop.id)
        db.session.add(quiz)
    changes = {name: (getattr(quiz, name, None), value) for name, value in values.items()
               if getattr(quiz, name, None) != value}
    for name, value in values.items():
        setattr(quiz, name, value)
    db.session.flush()
    slots = {s.question_id: s for s in db.session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id))}
    for question_id, slot in slots.items():
        if question_id not in question_ids:
            db.session.delete(slot)
    for position, question_id in enumerate(question_ids):
        if question_id in slots:
            slots[question_id].position = position
        else:
            db.session.add(QuizQuestion(quiz_id=quiz.id, question_id=question_id, position=position, points=1.0))
    if set(slots) != set(question_ids):
        changes["questions"] = (sorted(slots), sorted(question_ids))
    db.session.flush()
    record("quiz.created" if created else "quiz.updated", quiz, actor=actor, changes=changes)
    if not created and ({"pass_mark", "grading_method"} & set(changes)):
        attempts.grade_attempts(db.session.scalars(select(Attempt).where(
            Attempt.quiz_id == quiz.id, Attempt.state == "finished")).all())
    closes = attempts.window(quiz, workshop).closes
    if closes is not None:  # a closing moved earlier ends the attempts under way then too
        db.session.execute(update(Attempt).where(
            Attempt.quiz_id == quiz.id, Attempt.state == "in_progress",
            Attempt.deadline.is_(None) | (Attempt.deadline > closes)).values(deadline=closes)
            .execution_options(synchronize_session=False))
    if "post_test" in (quiz.kind, (changes.get("kind") or (None, None))[0]) and (
            created or {"kind", "is_published", "questions", "pass_mark", "grading_method"} & set(changes)):
        completion.recompute(workshop.id, actor=actor)  # the post-test is part of the completion rule
    return quiz
