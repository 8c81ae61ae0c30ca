"""Evaluating a workshop: the form a participant fills once, and what the staff may see of it.

Staff see aggregates and comments only, and only once at least ``MIN_RESPONSES`` people have
answered: with fewer, an average would tell who said what.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lga.audit.services import record
from lga.catalogue.models import Workshop, WorkshopSession
from lga.catalogue.scheduling import Window, local_today
from lga.db_types import utcnow
from lga.enrolment.models import HOLDS_PLACE, Enrolment
from lga.evaluation.models import (
    Evaluation, EvaluationAnswer, EvaluationItem, EvaluationResponse, EvaluationSubmission, EvaluationTemplate,
)
from lga.evaluation.reference import STANDARD
from lga.extensions import db

MIN_RESPONSES = 3
OPEN_DAYS = 14  # after the workshop's last session
COMMENT_MAX = 2000


class EvaluationError(Exception):
    """A rule was broken; the message is translatable text for the person."""


def evaluation_of(workshop_id: int) -> Evaluation | None:
    return db.session.scalar(select(Evaluation).where(Evaluation.workshop_id == workshop_id))


def default_template() -> EvaluationTemplate:
    template = db.session.scalar(select(EvaluationTemplate).where(EvaluationTemplate.code == STANDARD,
                                                                  EvaluationTemplate.is_active.is_(True)))
    return template or db.session.scalar(select(EvaluationTemplate).where(EvaluationTemplate.is_active.is_(True))
                                         .order_by(EvaluationTemplate.id))


def template_for(workshop_id: int) -> EvaluationTemplate | None:
    evaluation = evaluation_of(workshop_id)
    return evaluation.template if evaluation else default_template()


def items_of(template: EvaluationTemplate) -> list[EvaluationItem]:
    return db.session.scalars(select(EvaluationItem).where(EvaluationItem.template_id == template.id)
                              .order_by(EvaluationItem.position)).all()


def window(workshop: Workshop, evaluation: Evaluation | None) -> Window:
    """Its own dates, else from the start of the workshop's last session until two weeks after."""
    if evaluation is not None and (evaluation.opens_at or evaluation.closes_at):
        return Window(evaluation.opens_at, evaluation.closes_at)
    last_start, last_end = db.session.execute(
        select(func.max(WorkshopSession.starts_at), func.max(WorkshopSession.ends_at))
        .where(WorkshopSession.workshop_id == workshop.id)).one()
    if last_start is None:
        return Window(None, None)
    return Window(last_start, last_end + timedelta(days=OPEN_DAYS))


def has_submitted(workshop_id: int, user_id: int) -> bool:
    return db.session.scalar(select(EvaluationSubmission.id).join(
        Evaluation, Evaluation.id == EvaluationSubmission.evaluation_id).where(
        Evaluation.workshop_id == workshop_id, EvaluationSubmission.user_id == user_id)) is not None


def submitted(workshop_ids: list[int], user_ids: list[int] | None = None) -> set[tuple[int, int]]:
    """{(workshop id, user id)} of those who have answered the workshop's evaluation."""
    if not workshop_ids:
        return set()
    stmt = (select(Evaluation.workshop_id, EvaluationSubmission.user_id)
            .join(Evaluation, Evaluation.id == EvaluationSubmission.evaluation_id)
            .where(Evaluation.workshop_id.in_(workshop_ids)))
    if user_ids is not None:
        stmt = stmt.where(EvaluationSubmission.user_id.in_(user_ids))
    return set(db.session.execute(stmt).tuples().all())


def submit(workshop: Workshop, user, raw: dict[int, str], *, now: datetime | None = None) -> None:
    """Record one person's evaluation: the fact that they answered, and apart from it what they
    answered. Refused (nothing written) when they hold no place, the evaluation is not open, they
    answered already, or a required item is missing."""
    from lga.attendance import completion

    now = now or utcnow()
    holds = db.session.scalar(select(Enrolment.id).where(
        Enrolment.workshop_id == workshop.id, Enrolment.user_id == user.id, Enrolment.status.in_(HOLDS_PLACE)))
    if holds is None:
        raise EvaluationError(_l("Only participants of the workshop can evaluate it."))
    evaluation = evaluation_of(workshop.id)
    if not window(workshop, evaluation).is_open(now):
        raise EvaluationError(_l("The evaluation of this workshop is not open now."))
    if has_submitted(workshop.id, user.id):
        raise EvaluationError(_l("You have already evaluated this workshop. Thank you!"))
    if evaluation is None:
        template = default_template()
        if template is None:
            raise EvaluationError(_l("This workshop has no evaluation form."))
        evaluation = Evaluation(workshop_id=workshop.id, template_id=template.id)
        db.session.add(evaluation)
        db.session.flush()
    # Read the items under a shared lock of their template: an editor changing them (who holds it
    # exclusively, see editing.py) finishes first, or sees this answer and leaves them alone.
    db.session.execute(select(EvaluationTemplate.id).where(EvaluationTemplate.id == evaluation.template_id)
                       .with_for_update(read=True))
    answers = []
    for item in items_of(evaluation.template):
        value = (raw.get(item.id) or "").strip()
        if item.kind == "likert":
            if value not in {"1", "2", "3", "4", "5"}:
                if item.required or value:
                    raise EvaluationError(_l("Please answer every statement (1 to 5)."))
                continue
            answers.append({"item_id": item.id, "value": int(value), "text": None})
        elif value:
            if len(value) > COMMENT_MAX:
                raise EvaluationError(_l("A comment can be at most %(n)d characters long.", n=COMMENT_MAX))
            answers.append({"item_id": item.id, "value": None, "text": value})
        elif item.required:
            raise EvaluationError(_l("Please answer every question marked as required."))
    try:
        # No savepoint: with SQLite's driver a savepoint opened before any write starts the
        # transaction itself, and releasing it would commit the submission on its own.
        db.session.add(EvaluationSubmission(evaluation_id=evaluation.id, user_id=user.id, submitted_at=now))
        db.session.flush()
    except IntegrityError:  # the same person, a moment ago, in another tab: nothing of this is kept
        db.session.rollback()
        raise EvaluationError(_l("You have already evaluated this workshop. Thank you!")) from None
    response = EvaluationResponse(id=secrets.token_hex(16), evaluation_id=evaluation.id, submitted_on=local_today())
    db.session.add(response)
    db.session.flush()
    db.session.execute(EvaluationAnswer.__table__.insert(), [dict(a, response_id=response.id) for a in answers])
    # The audit says that the person answered, never what.
    record("evaluation.submitted", evaluation, actor=user, changes={"responses": (None, "+1")})
    if workshop.evaluation_required:
        completion.recompute(workshop.id, [user.id], actor=user)


@dataclass
class ItemResult:
    item: EvaluationItem
    count: int = 0
    mean: float | None = None
    distribution: dict[int, int] = field(default_factory=dict)  # value -> how many
    comments: list[str] = field(default_factory=list)


@dataclass
class Results:
    evaluation: Evaluation | None
    template: EvaluationTemplate | None
    responses: int
    participants: int
    shown: bool  # enough responses to show anything
    items: list[ItemResult]


def results(workshop: Workshop) -> Results:
    """Aggregates per item and the comments, computed in SQL; nothing if too few answered."""
    evaluation = evaluation_of(workshop.id)
    template = evaluation.template if evaluation else default_template()
    participants = db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.workshop_id == workshop.id, Enrolment.status.in_(HOLDS_PLACE))) or 0
    if evaluation is None or template is None:
        return Results(evaluation, template, 0, participants, False, [])
    responses = db.session.scalar(select(func.count()).select_from(EvaluationResponse).where(
        EvaluationResponse.evaluation_id == evaluation.id)) or 0
    items = {item.id: ItemResult(item) for item in items_of(template)}
    shown = responses >= MIN_RESPONSES
    if shown:
        for item_id, value, count in db.session.execute(
                select(EvaluationAnswer.item_id, EvaluationAnswer.value, func.count())
                .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
                .where(EvaluationResponse.evaluation_id == evaluation.id, EvaluationAnswer.value.is_not(None))
                .group_by(EvaluationAnswer.item_id, EvaluationAnswer.value)):
            if item_id in items:
                items[item_id].distribution[value] = count
        for result in items.values():
            result.count = sum(result.distribution.values())
            if result.count:
                result.mean = round(sum(v * n for v, n in result.distribution.items()) / result.count, 2)
        # Comments in the order of their random keys: not the order people answered in.
        for item_id, text in db.session.execute(
                select(EvaluationAnswer.item_id, EvaluationAnswer.text)
                .join(EvaluationResponse, EvaluationResponse.id == EvaluationAnswer.response_id)
                .where(EvaluationResponse.evaluation_id == evaluation.id, EvaluationAnswer.text.is_not(None))
                .order_by(EvaluationAnswer.item_id, EvaluationAnswer.response_id)):
            if item_id in items:
                items[item_id].comments.append(text)
    return Results(evaluation, template, responses, participants, shown, list(items.values()))
