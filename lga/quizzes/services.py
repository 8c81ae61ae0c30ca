"""Setting up a workshop's own quiz (module quizzes come from modules/, see content.py)."""
from __future__ import annotations

from sqlalchemy import select

from lga.audit.services import record
from lga.catalogue.models import Workshop
from lga.extensions import db
from lga.quizzes import attempts
from lga.quizzes.models import Attempt, Question, Quiz, QuizQuestion

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
    return quiz
