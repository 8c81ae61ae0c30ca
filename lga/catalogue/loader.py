"""Load the curriculum from ``modules/``: validate every file first, then upsert all or nothing.

Layout of one module folder::

    modules/<code>/module.yaml          metadata (see ModuleSpec below)
    modules/<code>/notes/<slug>.<lang>.md   reading notes, one file per language

Other domains add to a module what they own (the quizzes: its question bank and its pre- and
post-test) through an :class:`Extension`: the keys of module.yaml it reads, a ``read`` step that
validates (reporting problems like the rest) and an ``apply`` step that writes. The catalogue
does not know the domains that extend it.

``load_modules`` raises ``ContentError`` listing every problem as "file: field: message";
nothing is written then. Loading the same content twice changes nothing.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Callable, Optional, Sequence

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lga.audit.services import record
from lga.catalogue.models import (
    FORMATS, LearningOutcome, Module, ModuleReading, ModuleTopic, Programme, SessionPlanItem,
)
from lga.db_types import utcnow
from lga.extensions import db

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
CONTENT_LANGUAGES = ("sq", "en", "sr")
REQUIRED_LANGUAGES = ("sq", "en")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Text in Albanian and English (required) and Serbian (optional)."""

    sq: NonEmpty
    en: NonEmpty
    sr: Optional[NonEmpty] = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}


class TopicSpec(Strict):
    code: Slug
    title: Text


class PlanItemSpec(Strict):
    day: int = Field(ge=1, le=30)
    format: str
    title: Text
    minutes: int = Field(gt=0, le=24 * 60)
    topic: Optional[Slug] = None
    description: Optional[Text] = None

    @model_validator(mode="after")
    def known_format(self):
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {self.format!r}")
        return self


class SourceSpec(Strict):
    title: Text
    note: Text


class ReadingSpec(Strict):
    slug: Slug
    title: Text


class ModuleSpec(Strict):
    code: Slug
    programme: NonEmpty
    title: Text
    summary: Text
    description: Text
    audience: Text
    hours: Decimal = Field(gt=0, le=1000)
    topics: list[TopicSpec] = Field(min_length=1)
    learning_outcomes: list[Text] = Field(min_length=1)
    session_plan: list[PlanItemSpec] = Field(min_length=1)
    sources: list[SourceSpec] = Field(default_factory=list)
    readings: list[ReadingSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def cross_references(self):
        codes = [t.code for t in self.topics]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"topics: duplicate codes {', '.join(duplicates)}")
        slugs = [r.slug for r in self.readings]
        duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
        if duplicates:
            raise ValueError(f"readings: duplicate slugs {', '.join(duplicates)}")
        for i, item in enumerate(self.session_plan):
            if item.topic and item.topic not in codes:
                raise ValueError(f"session_plan.{i}.topic: unknown topic {item.topic!r}")
        total = sum(item.minutes for item in self.session_plan)
        if Decimal(total) != self.hours * 60:
            raise ValueError(f"hours: {self.hours} hours but the session plan adds up to {total} minutes")
        return self


@dataclass
class Extension:
    """What another domain adds to a module folder. ``read(folder, values, name, problems)`` gets
    the module.yaml values of ``keys`` and returns data (JSON-able, for the content hash) or None
    after appending problems; ``apply(module, data, actor)`` writes it (after the module)."""

    keys: tuple[str, ...]
    read: Callable[[Path, dict, str, list[str]], Any]
    apply: Callable[[Module, Any, Any], None]


EXTENSIONS: list[Extension] = []


@dataclass
class LoadedModule:
    folder: Path
    spec: ModuleSpec
    readings: dict[str, dict[str, str]]  # slug -> {language: markdown}
    content_hash: str
    extras: list[Any] = field(default_factory=list)  # one per extension, in EXTENSIONS order


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class ContentError(Exception):
    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def read_folder(folder: Path, root: Path, problems: list[str]) -> LoadedModule | None:
    meta = folder / "module.yaml"
    name = _rel(meta, root)
    if not meta.is_file():
        problems.append(f"{name}: file is missing")
        return None
    try:
        raw = yaml.safe_load(meta.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.append(f"{name}: not UTF-8 text")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problems.append(f"{name}: {where}not valid YAML ({getattr(exc, 'problem', exc)})")
        return None
    if not isinstance(raw, dict):
        problems.append(f"{name}: expected a mapping of fields at the top level")
        return None
    owned = [{key: raw.pop(key) for key in extension.keys if key in raw} for extension in EXTENSIONS]
    try:
        spec = ModuleSpec.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(module)"
            message = err["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {loc}: {message}")
        return None
    if spec.code != folder.name:
        problems.append(f"{name}: code: {spec.code!r} must equal the folder name {folder.name!r}")
        return None
    readings: dict[str, dict[str, str]] = {}
    for index, reading in enumerate(spec.readings):
        bodies = {}
        for lang in CONTENT_LANGUAGES:
            path = folder / "notes" / f"{reading.slug}.{lang}.md"
            if not path.is_file():
                if lang in REQUIRED_LANGUAGES:
                    problems.append(f"{name}: readings.{index}.slug: file {_rel(path, root)} is missing")
                continue
            try:
                text = path.read_text(encoding="utf-8").strip()
            except UnicodeDecodeError:
                problems.append(f"{_rel(path, root)}: not UTF-8 text")
                continue
            if not text:
                problems.append(f"{_rel(path, root)}: file is empty")
                continue
            bodies[lang] = text
        readings[reading.slug] = bodies
    count = len(problems)
    extras = [extension.read(folder, values, name, problems) for extension, values in zip(EXTENSIONS, owned)]
    if len(problems) > count:
        return None
    canonical = json.dumps({"spec": spec.model_dump(mode="json"), "readings": readings, "extras": extras},
                           sort_keys=True, ensure_ascii=False, default=str)
    return LoadedModule(folder, spec, readings, hashlib.sha256(canonical.encode()).hexdigest(), extras)


def read_all(root: Path) -> list[LoadedModule]:
    """Read and validate every module folder; raise ContentError listing every problem."""
    problems: list[str] = []
    if not root.is_dir():
        raise ContentError([f"{root}: modules folder not found"])
    loaded = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        module = read_folder(folder, root, problems)
        if module:
            loaded.append(module)
    programmes = set(db.session.scalars(select(Programme.code)))
    for module in loaded:
        if module.spec.programme not in programmes:
            problems.append(f"{_rel(module.folder / 'module.yaml', root)}: programme: unknown programme "
                            f"{module.spec.programme!r} (known: {', '.join(sorted(programmes))})")
    if problems:
        raise ContentError(problems)
    return loaded


def _sync_positional(rows: list, specs: Sequence, make: Callable[[int, Any], Any],
                     update: Callable[[Any, int, Any], None]) -> None:
    """Update rows in place by position, append new ones, drop the surplus."""
    for position, spec in enumerate(specs):
        if position < len(rows):
            update(rows[position], position, spec)
        else:
            rows.append(make(position, spec))
    del rows[len(specs):]


def _apply(module: Module, loaded: LoadedModule, programme_ids: dict[str, int]) -> None:
    spec = loaded.spec
    module.programme_id = programme_ids[spec.programme]
    module.title = spec.title.as_dict()
    module.summary = spec.summary.as_dict()
    module.description = spec.description.as_dict()
    module.audience = spec.audience.as_dict()
    module.hours = spec.hours
    module.sources = [{"title": s.title.as_dict(), "note": s.note.as_dict()} for s in spec.sources]
    module.content_hash = loaded.content_hash
    module.is_active = True
    module.updated_at = utcnow()

    by_code = {t.code: t for t in module.topics}
    topics = []
    for position, t in enumerate(spec.topics):
        row = by_code.pop(t.code, None) or ModuleTopic(code=t.code)
        row.title, row.position = t.title.as_dict(), position
        topics.append(row)
    module.topics = topics

    def set_outcome(row, position, text):
        row.position, row.text = position, text.as_dict()

    _sync_positional(module.outcomes, spec.learning_outcomes,
                     lambda p, t: LearningOutcome(position=p, text=t.as_dict()), set_outcome)

    topic_rows = {t.code: t for t in topics}

    def set_item(row, position, item: PlanItemSpec):
        row.position, row.day, row.format, row.minutes = position, item.day, item.format, item.minutes
        row.title = item.title.as_dict()
        row.description = item.description.as_dict() if item.description else {}
        row.topic = topic_rows.get(item.topic) if item.topic else None

    def new_item(position, item):
        row = SessionPlanItem()
        set_item(row, position, item)
        return row

    _sync_positional(module.plan, spec.session_plan, new_item, set_item)

    by_slug = {r.slug: r for r in module.readings}
    readings = []
    for position, r in enumerate(spec.readings):
        row = by_slug.pop(r.slug, None) or ModuleReading(slug=r.slug)
        row.position, row.title, row.body = position, r.title.as_dict(), loaded.readings[r.slug]
        readings.append(row)
    module.readings = readings


def load_modules(root: Path, actor=None) -> LoadReport:
    """Validate everything under ``root`` and upsert it into the session (caller commits)."""
    loaded = read_all(root)
    programme_ids = dict(db.session.execute(select(Programme.code, Programme.id)).tuples().all())
    existing = {
        m.code: m for m in db.session.scalars(
            select(Module).options(selectinload(Module.topics), selectinload(Module.outcomes),
                                   selectinload(Module.plan).selectinload(SessionPlanItem.topic),
                                   selectinload(Module.readings))
        )
    }
    report = LoadReport()
    for item in loaded:
        module = existing.get(item.spec.code)
        if module is not None and module.content_hash == item.content_hash and module.is_active:
            report.unchanged.append(item.spec.code)
            continue
        created = module is None
        old_hash = None if created else module.content_hash
        if created:
            module = Module(code=item.spec.code, created_at=utcnow())
            module.topics, module.outcomes, module.plan, module.readings = [], [], [], []
            db.session.add(module)
        _apply(module, item, programme_ids)
        db.session.flush()
        for extension, data in zip(EXTENSIONS, item.extras):
            extension.apply(module, data, actor)
        record("module.created" if created else "module.updated", module, actor=actor,
               changes={"content_hash": (old_hash, item.content_hash)})
        (report.created if created else report.updated).append(item.spec.code)
    return report
