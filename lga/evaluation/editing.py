"""Editing evaluation templates: their title, their items and their order, copies and activation.

Results refer to a template's items, so once anyone has answered a form made from a template its
items stay as they were: no item is added, changed, removed or moved. Its title can still change
and it can be deactivated; to ask something else, copy it as a new version and edit the copy.

Each function changes one thing inside the caller's transaction and writes the audit trail; a
broken rule raises ``TemplateError`` before anything is written, so the caller rolls back and
nothing has changed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union

from lga.audit.services import record, record_update
from lga.evaluation.models import (
    DIMENSIONS, KINDS, Evaluation, EvaluationAnswer, EvaluationItem, EvaluationResponse, EvaluationTemplate,
)
from lga.evaluation.services import EvaluationError, default_template, items_of
from lga.extensions import db
from lga.i18n import LANGUAGE_CODES

TITLE_MAX = 200
TEXT_MAX = 500
CODE_MAX = 80

ANSWERED = _l("People have already answered this form, so its items can no longer change: past results "
              "would lose their meaning. Copy it as a new version and change the copy.")
STALE = _l("The items of this form have changed since you opened the page. Look at the list again and "
           "repeat the change.")

CONFLICT = _l("Someone changed this form at the same moment, so nothing was saved. Please try again.")


class TemplateError(EvaluationError):
    """A broken rule of the editor; ``field`` names the form field at fault, if one is."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Reading ---------------------------------------------------------------------------------------

@dataclass
class TemplateRow:
    template: EvaluationTemplate
    items: int
    likert: int
    workshops: int
    answered: bool
    is_default: bool


def answered_ids(template_ids: list[int]) -> set[int]:
    """The templates, among these, that somebody has answered (a response to one of their
    evaluations, or an answer to one of their items)."""
    if not template_ids:
        return set()
    by_response = (select(Evaluation.template_id)
                   .join(EvaluationResponse, EvaluationResponse.evaluation_id == Evaluation.id)
                   .where(Evaluation.template_id.in_(template_ids)))
    by_answer = (select(EvaluationItem.template_id)
                 .join(EvaluationAnswer, EvaluationAnswer.item_id == EvaluationItem.id)
                 .where(EvaluationItem.template_id.in_(template_ids)))
    return set(db.session.scalars(union(by_response, by_answer)).all())


def is_answered(template: EvaluationTemplate) -> bool:
    return template.id in answered_ids([template.id])


def rows(templates: list[EvaluationTemplate]) -> list[TemplateRow]:
    """The list page's figures for these templates, in a fixed number of grouped queries."""
    ids = [t.id for t in templates]
    if not ids:
        return []
    counts = {tid: (n, likert) for tid, n, likert in db.session.execute(
        select(EvaluationItem.template_id, func.count(),
               func.count().filter(EvaluationItem.kind == "likert"))
        .where(EvaluationItem.template_id.in_(ids)).group_by(EvaluationItem.template_id))}
    workshops = dict(db.session.execute(
        select(Evaluation.template_id, func.count(Evaluation.workshop_id.distinct()))
        .where(Evaluation.template_id.in_(ids)).group_by(Evaluation.template_id)).tuples().all())
    answered = answered_ids(ids)
    default = default_template()
    return [TemplateRow(t, *counts.get(t.id, (0, 0)), workshops.get(t.id, 0), t.id in answered,
                        default is not None and default.id == t.id) for t in templates]


@dataclass
class Editor:
    template: EvaluationTemplate
    items: list[EvaluationItem]
    answered: bool
    workshops: int
    is_default: bool

    @property
    def likert(self) -> int:
        return sum(1 for item in self.items if item.kind == "likert")


def editor(template: EvaluationTemplate) -> Editor:
    workshops = db.session.scalar(select(func.count()).select_from(Evaluation)
                                  .where(Evaluation.template_id == template.id)) or 0
    default = default_template()
    return Editor(template, items_of(template), is_answered(template), workshops,
                  default is not None and default.id == template.id)


# --- Checking what was sent ------------------------------------------------------------------------

def texts(raw: Mapping[str, str], prefix: str, maximum: int, missing) -> dict[str, str]:
    """{language: text} from the fields ``<prefix>_sq``, ``_en``, ``_sr``; Albanian is required."""
    values = {}
    for lang in LANGUAGE_CODES:
        value = (raw.get(f"{prefix}_{lang}") or "").strip()
        if len(value) > maximum:
            raise TemplateError(_l("Use at most %(max)d characters.", max=maximum), field=f"{prefix}_{lang}")
        if value:
            values[lang] = value
    if "sq" not in values:
        raise TemplateError(missing, field=f"{prefix}_sq")
    return values


def item_values(raw: Mapping[str, str]) -> dict:
    kind = raw.get("kind") or ""
    if kind not in KINDS:
        raise TemplateError(_l("Choose whether the item is a statement to rate or a question for comments."),
                            field="kind")
    dimension = raw.get("dimension") or None
    if dimension is not None and dimension not in DIMENSIONS:
        raise TemplateError(_l("Choose what the statement is about from the list."), field="dimension")
    if kind == "likert" and dimension is None:
        raise TemplateError(_l("Choose what the statement is about: results and reports are grouped by it."),
                            field="dimension")
    if kind == "comment":
        dimension = None  # comments are read, not averaged
    text = texts(raw, "text", TEXT_MAX, _l("Write the item in Albanian."))
    return {"kind": kind, "dimension": dimension, "text": text,
            "required": (raw.get("required") or "") in ("1", "y", "on", "true")}


# --- Changing ------------------------------------------------------------------------------------

def _lock(template: EvaluationTemplate) -> None:
    """Serialise the changes of one template's items (PostgreSQL; SQLite writes one at a time)."""
    db.session.execute(select(EvaluationTemplate.id).where(EvaluationTemplate.id == template.id).with_for_update())


def _editable(template: EvaluationTemplate) -> list[EvaluationItem]:
    """Its items, if they may change."""
    _lock(template)
    if is_answered(template):
        raise TemplateError(ANSWERED)
    return list(items_of(template))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-") or "form"


def _free_code(stem: str, first: str | None, pattern: str) -> str:
    """``first`` if free, else ``pattern`` with the lowest free number from 2 up."""
    taken = set(db.session.scalars(select(EvaluationTemplate.code)
                                   .where(EvaluationTemplate.code.startswith(stem, autoescape=True))).all())
    if first is not None and first not in taken:
        return first
    n = 2
    while pattern.format(stem=stem, n=n) in taken:
        n += 1
    return pattern.format(stem=stem, n=n)


def create(raw: Mapping[str, str], *, actor) -> EvaluationTemplate:
    """A new, empty, inactive template: it is activated once it has its statements."""
    title = texts(raw, "title", TITLE_MAX, _l("Give the form a title in Albanian."))
    stem = _slug(title.get("en") or title["sq"])
    template = EvaluationTemplate(code=_free_code(stem, stem, "{stem}-{n}"), title=title, is_active=False)
    db.session.add(template)
    db.session.flush()
    record("evaluation_template.created", template, actor=actor,
           changes={"code": (None, template.code), "title": (None, title)})
    return template


def rename(template: EvaluationTemplate, raw: Mapping[str, str], *, actor) -> bool:
    """A new title (also for an answered template: a title is not an answer's meaning)."""
    title = texts(raw, "title", TITLE_MAX, _l("Give the form a title in Albanian."))
    return bool(record_update("evaluation_template.updated", template, {"title": title}, actor=actor))


def set_active(template: EvaluationTemplate, active: bool, *, actor) -> bool:
    """Active templates can be chosen for new evaluations; evaluations made from a template that
    is deactivated later go on as they are."""
    _lock(template)
    if active and not any(item.kind == "likert" for item in items_of(template)):
        raise TemplateError(_l("A form needs at least one statement to rate before it can be used."))
    if not active and template.is_active and not db.session.scalar(
            select(EvaluationTemplate.id).where(EvaluationTemplate.is_active.is_(True),
                                                EvaluationTemplate.id != template.id).limit(1)):
        raise TemplateError(_l("At least one form must stay active: workshops that have not chosen one use it."))
    return bool(record_update("evaluation_template.activated" if active else "evaluation_template.deactivated",
                              template, {"is_active": active}, actor=actor))


def copy(template: EvaluationTemplate, *, actor) -> EvaluationTemplate:
    """A new version: the same title and items under the next free code (``standard-v2``, …),
    inactive until someone activates it."""
    stem = re.sub(r"-v\d+$", "", template.code)[:CODE_MAX - 6]
    new = EvaluationTemplate(code=_free_code(stem, None, "{stem}-v{n}"), title=dict(template.title),
                             is_active=False)
    new.items = [EvaluationItem(position=item.position, kind=item.kind, dimension=item.dimension,
                                text=dict(item.text), required=item.required) for item in items_of(template)]
    db.session.add(new)
    db.session.flush()
    record("evaluation_template.copied", new, actor=actor,
           changes={"source": (None, template.code), "code": (None, new.code)})
    return new


def _holds_last_statement(template: EvaluationTemplate, items: list[EvaluationItem], item: EvaluationItem) -> bool:
    return template.is_active and item.kind == "likert" and sum(i.kind == "likert" for i in items) == 1


LAST_STATEMENT = _l("An active form needs at least one statement to rate: add another one first, or "
                    "deactivate the form.")


def add_item(template: EvaluationTemplate, raw: Mapping[str, str], *, actor) -> EvaluationItem:
    items = _editable(template)
    values = item_values(raw)
    item = EvaluationItem(template_id=template.id, position=max((i.position for i in items), default=-1) + 1,
                          **values)
    db.session.add(item)
    db.session.flush()
    record("evaluation_item.added", item, actor=actor,
           changes={"template": (None, template.code), **{k: (None, v) for k, v in values.items()}})
    return item


def item_of(template: EvaluationTemplate, item_id) -> EvaluationItem:
    """The item of this template with this id (refused for another template's item)."""
    item = db.session.get(EvaluationItem, item_id) if str(item_id).isdigit() else None
    if item is None or item.template_id != template.id:
        raise TemplateError(_l("This item is not part of this form."))
    return item


def update_item(template: EvaluationTemplate, item: EvaluationItem, raw: Mapping[str, str], *, actor) -> bool:
    items = _editable(template)
    values = item_values(raw)
    if values["kind"] != "likert" and _holds_last_statement(template, items, item):
        raise TemplateError(LAST_STATEMENT, field="kind")
    return bool(record_update("evaluation_item.updated", item, values, actor=actor))


def remove_item(template: EvaluationTemplate, item: EvaluationItem, *, actor) -> None:
    items = _editable(template)
    if _holds_last_statement(template, items, item):
        raise TemplateError(LAST_STATEMENT)
    record("evaluation_item.removed", item, actor=actor,
           changes={"template": (template.code, None), "kind": (item.kind, None), "text": (item.text, None)})
    db.session.delete(item)
    db.session.flush()
    _place([i for i in items if i.id != item.id])


def reorder(template: EvaluationTemplate, order: list[str], *, actor) -> bool:
    """Put the items in this order: every item of the template exactly once, else nothing moves
    (someone added or removed one since the page was drawn, or the list was tampered with)."""
    items = _editable(template)
    by_id = {str(item.id): item for item in items}
    if len(order) != len(items) or set(order) != set(by_id):
        raise TemplateError(STALE)
    before = [item.id for item in items]
    after = [by_id[key].id for key in order]
    if before == after:
        return False
    _place([by_id[key] for key in order])
    record("evaluation_template.reordered", template, actor=actor, changes={"order": (before, after)})
    return True


def _place(items: list[EvaluationItem]) -> None:
    """Number the items 0, 1, 2… in this order. Positions are unique per template and checked
    row by row (PostgreSQL, SQLite), so first every item steps aside to a negative position no
    other holds, then each takes its place."""
    if [item.position for item in items] == list(range(len(items))):
        return
    for offset, item in enumerate(items):
        item.position = -1 - offset
    db.session.flush()
    for position, item in enumerate(items):
        item.position = position
    db.session.flush()
