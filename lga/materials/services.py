"""Materials: who may open them, adding, changing, ordering and removing them.

Like all services these add to the session and leave committing to the caller. A stored file
is written before the row that points at it; ``lga.storage`` removes it again if the transaction
does not commit, and removes a replaced or deleted file only once its commit succeeded.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import selectinload

from lga import storage
from lga.audit.services import record, record_update
from lga.catalogue import scheduling
from lga.catalogue.models import Workshop, WorkshopSession
from lga.db_types import utcnow
from lga.extensions import db
from lga.materials.files import CheckedFile, UploadError, check_upload, clean_filename
from lga.materials.models import KINDS, Material
from lga.enrolment.services import holds_place  # noqa: F401  (part of this module's rules)

TITLE_MAX = 200
URL_MAX = 1000
TEXT_MAX = 100_000


class MaterialError(Exception):
    """A rule was broken; the message is translatable text (``field`` names the form field)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- Who may open what ---------------------------------------------------------------------------

def is_staff(workshop: Workshop, user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and scheduling.may_edit(workshop, user)


def visible_condition(now: datetime):
    return (Material.is_visible.is_(True)) & or_(Material.visible_from.is_(None), Material.visible_from <= now)


def materials_query(workshop_id: int, *, staff: bool, now: datetime | None = None) -> Select:
    stmt = (select(Material).where(Material.workshop_id == workshop_id)
            .options(selectinload(Material.session)).order_by(Material.position, Material.id))
    if not staff:
        stmt = stmt.where(visible_condition(now or utcnow()))
    return stmt


def visible_count(workshop_id: int, now: datetime | None = None) -> int:
    return db.session.scalar(select(func.count()).select_from(Material).where(
        Material.workshop_id == workshop_id, visible_condition(now or utcnow()))) or 0


# --- Checking the input --------------------------------------------------------------------------

def check_url(raw: str | None) -> str:
    url = (raw or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise MaterialError(_l("Give a web address that starts with http:// or https://."), "url")
    if len(url) > URL_MAX:
        raise MaterialError(_l("The web address is too long (at most %(n)d characters).", n=URL_MAX), "url")
    return url


def _clean(values: dict, workshop: Workshop) -> dict:
    title = " ".join((values.get("title") or "").split())
    if not title:
        raise MaterialError(_l("Give the material a title."), "title")
    if len(title) > TITLE_MAX:
        raise MaterialError(_l("Use at most %(max)d characters.", max=TITLE_MAX), "title")
    session_id = values.get("session_id")
    if session_id is not None and db.session.scalar(select(WorkshopSession.id).where(
            WorkshopSession.id == session_id, WorkshopSession.workshop_id == workshop.id)) is None:
        raise MaterialError(_l("Choose one of this workshop's sessions."), "session_id")
    description = (values.get("description") or "").strip() or None
    if description and len(description) > TEXT_MAX:
        raise MaterialError(_l("The text is too long."), "description")
    return {"title": title, "description": description, "session_id": session_id,
            "is_visible": bool(values.get("is_visible", True)), "visible_from": values.get("visible_from")}


def _body(raw: str | None) -> str:
    body = (raw or "").strip()
    if not body:
        raise MaterialError(_l("Write the note."), "body")
    if len(body) > TEXT_MAX:
        raise MaterialError(_l("The text is too long."), "body")
    return body


def _checked_file(upload: tuple[str | None, bytes] | None) -> CheckedFile:
    if upload is None or not upload[1] and not upload[0]:
        raise MaterialError(_l("Choose a file."), "file")
    try:
        return check_upload(*upload)
    except UploadError as exc:
        raise MaterialError(str(exc), "file") from None


def _store(material: Material, checked: CheckedFile) -> None:
    material.storage_key = storage.put_tracked(checked.data, checked.content_type)
    material.filename = checked.filename
    material.content_type = checked.content_type
    material.size = checked.size


# --- Changing ------------------------------------------------------------------------------------

def add(workshop: Workshop, kind: str, values: dict, *, upload: tuple[str | None, bytes] | None = None,
        actor) -> Material:
    """A new material at the end of the workshop's list. Everything is checked before anything
    is stored."""
    if kind not in KINDS:
        raise MaterialError(_l("Unknown kind of material."))
    if kind == "file" and not (values.get("title") or "").strip() and upload and upload[0]:
        values = dict(values, title=clean_filename(upload[0]).rpartition(".")[0] or clean_filename(upload[0]))
    clean = _clean(values, workshop)
    material = Material(workshop_id=workshop.id, kind=kind, created_by_id=actor.id, **clean)
    checked = None
    if kind == "link":
        material.url = check_url(values.get("url"))
    elif kind == "note":
        material.body = _body(values.get("body"))
    else:
        checked = _checked_file(upload)
    material.position = (db.session.scalar(select(func.max(Material.position)).where(
        Material.workshop_id == workshop.id)) or 0) + 1
    if checked is not None:
        _store(material, checked)
    db.session.add(material)
    db.session.flush()
    record("material.added", material, actor=actor, changes={
        "workshop_id": (None, workshop.id), "kind": (None, kind), "title": (None, material.title),
        "filename": (None, material.filename), "size": (None, material.size), "url": (None, material.url)})
    return material


def update_material(material: Material, workshop: Workshop, values: dict, *,
                    upload: tuple[str | None, bytes] | None = None, actor) -> dict:
    """Change a material; a new file (if given) replaces the stored one once the change commits."""
    clean = _clean(values, workshop)
    if material.kind == "link":
        clean["url"] = check_url(values.get("url"))
    elif material.kind == "note":
        clean["body"] = _body(values.get("body"))
    checked = _checked_file(upload) if upload is not None and (upload[0] or upload[1]) else None
    changes = record_update("material.updated", material, clean, actor=actor)
    if checked is not None:
        old = (material.storage_key, material.filename, material.size)
        _store(material, checked)
        storage.delete_after_commit(old[0])
        record("material.file_replaced", material, actor=actor, changes={
            "filename": (old[1], material.filename), "size": (old[2], material.size)})
        changes["file"] = (old[1], material.filename)
    return changes


def delete(material: Material, *, actor) -> None:
    record("material.deleted", material, actor=actor, changes={
        "workshop_id": (material.workshop_id, None), "kind": (material.kind, None), "title": (material.title, None),
        "filename": (material.filename, None), "size": (material.size, None)})
    storage.delete_after_commit(material.storage_key)
    db.session.delete(material)


def move(material: Material, direction: int, *, actor) -> bool:
    """Swap with the neighbour above (-1) or below (+1); False at either end."""
    order = Material.position.desc() if direction < 0 else Material.position.asc()
    ids = Material.id.desc() if direction < 0 else Material.id.asc()
    beyond = (Material.position < material.position) | ((Material.position == material.position) &
                                                         (Material.id < material.id)) if direction < 0 else \
        (Material.position > material.position) | ((Material.position == material.position) &
                                                   (Material.id > material.id))
    neighbour = db.session.scalar(select(Material).where(Material.workshop_id == material.workshop_id, beyond)
                                  .order_by(order, ids).limit(1))
    if neighbour is None:
        return False
    if neighbour.position == material.position:  # equal positions (old rows): make the order explicit
        _renumber(material.workshop_id)
        db.session.refresh(material)
        db.session.refresh(neighbour)
    material.position, neighbour.position = neighbour.position, material.position
    record("material.moved", material, actor=actor, changes={"position": (neighbour.position, material.position)})
    return True


def _renumber(workshop_id: int) -> None:
    ids = db.session.scalars(select(Material.id).where(Material.workshop_id == workshop_id)
                             .order_by(Material.position, Material.id)).all()
    for position, material_id in enumerate(ids, start=1):
        db.session.execute(update(Material).where(Material.id == material_id).values(position=position))


def session_choices(workshop: Workshop) -> list[tuple[int, str]]:
    return [(s.id, s.title) for s in workshop.sessions]

