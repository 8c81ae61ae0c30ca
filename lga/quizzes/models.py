"""The question bank, quizzes, attempts and their grades.

A question's grading key (right answers, weights, tolerances, pairs) lives in ``Question.key``
and never leaves the server before review is allowed: pages are built from
:func:`lga.quizzes.presenting.present`, which drops it. Attempts are graded on the server; the
per-quiz grade of a person in a workshop (by the quiz's grading method) is kept in ``QuizGrade``
so that learning gains and completion are plain SQL.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lga.accounts.models import User, _in
from lga.catalogue.models import Module, ModuleTopic, Workshop
from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db
from lga.i18n import localized

QTYPES = ("single", "multi", "truefalse", "short", "numerical", "matching")
QTYPE_LABELS = {"single": _l("Single choice"), "multi": _l("Multiple response"), "truefalse": _l("True/false"),
                "short": _l("Short answer"), "numerical": _l("Numerical"), "matching": _l("Matching")}
TEXT_FORMATS = ("moodle", "plain", "markdown", "html")
KINDS = ("practice", "pre_test", "post_test")
KIND_LABELS = {"practice": _l("Practice quiz"), "pre_test": _l("Pre-test"), "post_test": _l("Post-test")}
GRADING = ("highest", "last", "first")
GRADING_LABELS = {"highest": _l("Highest grade"), "last": _l("Last attempt"), "first": _l("First attempt")}
REVIEW = ("immediately", "after_close", "never")
REVIEW_LABELS = {"immediately": _l("Right after the attempt"), "after_close": _l("After the quiz closes"),
                 "never": _l("Never")}
ATTEMPT_STATES = ("in_progress", "finished")


class Question(db.Model):
    """One question of a module's bank. ``key`` holds the answers and how they score (see
    :mod:`lga.quizzes.grading` for its shape per type); ``version`` grows when the key changes."""

    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("module_id", "title", name="one_title_per_module"),
        CheckConstraint(_in("qtype", QTYPES), name="known_qtype"),
        CheckConstraint(_in("text_format", TEXT_FORMATS), name="known_text_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[Optional[int]] = mapped_column(ForeignKey("module_topic.id", ondelete="SET NULL"), index=True)
    category: Mapped[Optional[str]] = mapped_column(String(255))  # the GIFT $CATEGORY it came from
    title: Mapped[str] = mapped_column(String(255))
    qtype: Mapped[str] = mapped_column(String(12))
    text: Mapped[dict] = mapped_column(JSON)
    text_format: Mapped[str] = mapped_column(String(10), default="moodle")
    general_feedback: Mapped[dict] = mapped_column(JSON, default=dict)
    key: Mapped[dict] = mapped_column(JSON)
    source_note: Mapped[Optional[str]] = mapped_column(Text)  # which passage of the sources it tests
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    module: Mapped[Module] = relationship(lazy="raise")
    topic: Mapped[Optional[ModuleTopic]] = relationship(lazy="raise")

    def label(self, language: str | None = None) -> str:
        return localized(self.text, language)


class Quiz(db.Model):
    """A practice quiz, pre-test or post-test of a module (for all its workshops) or of one workshop."""

    __tablename__ = "quiz"
    __table_args__ = (
        CheckConstraint("(module_id IS NULL) <> (workshop_id IS NULL)", name="module_or_workshop"),
        CheckConstraint(_in("kind", KINDS), name="known_kind"),
        CheckConstraint(_in("grading_method", GRADING), name="known_grading"),
        CheckConstraint(_in("review", REVIEW), name="known_review"),
        CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_percent"),
        CheckConstraint("attempts_allowed >= 0", name="attempts_not_negative"),
        CheckConstraint("time_limit_minutes IS NULL OR time_limit_minutes > 0", name="positive_time_limit"),
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="closes_after_opening"),
        UniqueConstraint("module_id", "code", name="one_code_per_module"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[Optional[int]] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    code: Mapped[Optional[str]] = mapped_column(String(80))  # for quizzes defined in modules/
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON, default=dict)
    # Empty: the window follows the workshop (see lga.quizzes.services.window).
    opens_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closes_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    time_limit_minutes: Mapped[Optional[int]] = mapped_column(Integer)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)  # 0: unlimited
    grading_method: Mapped[str] = mapped_column(String(10), default="highest")
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_choices: Mapped[bool] = mapped_column(Boolean, default=True)
    pass_mark: Mapped[int] = mapped_column(Integer, default=60)  # percent
    review: Mapped[str] = mapped_column(String(12), default="after_close")
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    # A module's quiz counts for the workshops starting on or after this day (empty: all): adding a
    # post-test to a module does not change the completion of workshops already held.
    applies_from: Mapped[Optional[date]] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    module: Mapped[Optional[Module]] = relationship(lazy="raise")
    workshop: Mapped[Optional[Workshop]] = relationship(lazy="raise")
    slots: Mapped[list["QuizQuestion"]] = relationship(
        back_populates="quiz", cascade="all, delete-orphan", order_by="QuizQuestion.position", lazy="raise")

    def label(self, language: str | None = None) -> str:
        return localized(self.title, language)


class QuizQuestion(db.Model):
    __tablename__ = "quiz_question"
    __table_args__ = (CheckConstraint("points > 0", name="positive_points"),)

    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)
    position: Mapped[int] = mapped_column(Integer)
    points: Mapped[float] = mapped_column(Float, default=1.0)

    quiz: Mapped[Quiz] = relationship(back_populates="slots")
    question: Mapped[Question] = relationship(lazy="raise")


class Attempt(db.Model):
    """One try at a quiz by a participant of a workshop; graded on the server when finished (by the
    person, or as of its deadline when the time ran out)."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        UniqueConstraint("quiz_id", "workshop_id", "user_id", "number", name="numbered_attempts"),
        CheckConstraint(_in("state", ATTEMPT_STATES), name="known_state"),
        # At most one attempt in progress per person and quiz: a double click starts one.
        Index("one_open_attempt", "quiz_id", "workshop_id", "user_id", unique=True,
              sqlite_where=text("state = 'in_progress'"), postgresql_where=text("state = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default="in_progress")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)  # time limit or closing, the earlier
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The order the person sees: {"questions": [ids], "choices": {question id: [choice ids]}}.
    layout: Mapped[dict] = mapped_column(JSON)
    page: Mapped[int] = mapped_column(Integer, default=0)  # where they were: an attempt resumes there
    points: Mapped[Optional[float]] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float, default=0.0)
    percent: Mapped[Optional[float]] = mapped_column(Float)
    passed: Mapped[Optional[bool]] = mapped_column(Boolean)

    quiz: Mapped[Quiz] = relationship(lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")
    answers: Mapped[list["AttemptAnswer"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", lazy="raise")


class AttemptAnswer(db.Model):
    """What a person answered to one question of an attempt, and what it scored (0-1 of the
    question's points); a trainer may override the score (short answers)."""

    __tablename__ = "attempt_answer"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id", name="one_answer_per_question"),
        CheckConstraint("fraction IS NULL OR (fraction >= 0 AND fraction <= 1)", name="fraction_range"),
        CheckConstraint("override_fraction IS NULL OR (override_fraction >= 0 AND override_fraction <= 1)",
                        name="override_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    response: Mapped[dict] = mapped_column(JSON, default=dict)
    # Typed answers (short, numerical) normalised, so the analysis can count them in SQL.
    response_text: Mapped[Optional[str]] = mapped_column(String(255))
    fraction: Mapped[Optional[float]] = mapped_column(Float)
    override_fraction: Mapped[Optional[float]] = mapped_column(Float)
    override_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    override_note: Mapped[Optional[str]] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")

    @property
    def score(self) -> float | None:
        return self.override_fraction if self.override_fraction is not None else self.fraction


class AnswerChoice(db.Model):
    """A choice picked in an answer (single, multiple response, true/false), for counting picks in SQL."""

    __tablename__ = "answer_choice"

    answer_id: Mapped[int] = mapped_column(ForeignKey("attempt_answer.id", ondelete="CASCADE"), primary_key=True)
    choice_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)


class QuizGrade(db.Model):
    """A person's grade for a quiz in a workshop, by the quiz's grading method over their finished
    attempts; what learning gains, completion and reports read."""

    __tablename__ = "quiz_grade"
    __table_args__ = (UniqueConstraint("quiz_id", "workshop_id", "user_id", name="one_grade"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    percent: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


