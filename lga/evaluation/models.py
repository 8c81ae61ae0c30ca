"""Evaluation templates and each workshop's evaluation.

Anonymous by construction: who has answered (``EvaluationSubmission``, for one response per
person and for completion) and what was answered (``EvaluationResponse`` with its answers) are
kept apart, with nothing that joins them: a response's key is random, not a sequence, and it
keeps only the day it came in.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lga.accounts.models import _in
from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db
from lga.i18n import localized

KINDS = ("likert", "comment")
KIND_LABELS = {"likert": _l("Statement to rate (1 to 5)"), "comment": _l("Question for comments")}
DIMENSIONS = ("relevance", "content", "trainers", "organisation", "usefulness", "overall")
DIMENSION_LABELS = {"relevance": _l("Relevance"), "content": _l("Content"), "trainers": _l("Trainers"),
                    "organisation": _l("Organisation"), "usefulness": _l("Usefulness for the work"),
                    "overall": _l("Overall")}
SCALE = (1, 2, 3, 4, 5)
SCALE_LABELS = {1: _l("Strongly disagree"), 2: _l("Disagree"), 3: _l("Neither agree nor disagree"),
                4: _l("Agree"), 5: _l("Strongly agree")}


class EvaluationTemplate(db.Model):
    __tablename__ = "evaluation_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[dict] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list["EvaluationItem"]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="EvaluationItem.position", lazy="raise")

    def label(self, language: str | None = None) -> str:
        return localized(self.title, language)


class EvaluationItem(db.Model):
    __tablename__ = "evaluation_item"
    __table_args__ = (
        UniqueConstraint("template_id", "position"),
        CheckConstraint(_in("kind", KINDS), name="known_kind"),
        CheckConstraint(f"dimension IS NULL OR {_in('dimension', DIMENSIONS)}", name="known_dimension"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("evaluation_template.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    dimension: Mapped[Optional[str]] = mapped_column(String(20))
    text: Mapped[dict] = mapped_column(JSON)
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    template: Mapped[EvaluationTemplate] = relationship(back_populates="items")

    def label(self, language: str | None = None) -> str:
        return localized(self.text, language)


class Evaluation(db.Model):
    """A workshop's evaluation, from a template (its items are the template's)."""

    __tablename__ = "evaluation"
    __table_args__ = (CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
                                      name="closes_after_opening"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), unique=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("evaluation_template.id"), index=True)
    # Empty: open from the start of the last session until two weeks after the workshop.
    opens_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    closes_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template: Mapped[EvaluationTemplate] = relationship(lazy="joined")


class EvaluationSubmission(db.Model):
    """That a person has answered (never what)."""

    __tablename__ = "evaluation_submission"
    __table_args__ = (UniqueConstraint("evaluation_id", "user_id", name="one_evaluation_per_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvaluationResponse(db.Model):
    """What was answered (never who): a random key and the day only."""

    __tablename__ = "evaluation_response"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    submitted_on: Mapped[date] = mapped_column(Date)


class EvaluationAnswer(db.Model):
    __tablename__ = "evaluation_answer"
    __table_args__ = (CheckConstraint("value IS NULL OR (value BETWEEN 1 AND 5)", name="likert_scale"),)

    response_id: Mapped[str] = mapped_column(ForeignKey("evaluation_response.id", ondelete="CASCADE"),
                                             primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evaluation_item.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    value: Mapped[Optional[int]] = mapped_column(Integer)
    text: Mapped[Optional[str]] = mapped_column(Text)
