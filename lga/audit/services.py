"""Write and read the audit trail."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Mapping

from sqlalchemy import inspect, select
from sqlalchemy.orm import selectinload

from lga.audit.models import AuditEntry
from lga.extensions import db

# Never written to the trail, whatever the model.
SECRET_FIELDS = frozenset({"password_hash", "token_hash", "session_nonce", "calendar_token"})


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value)]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "id"):
        return value.id
    return str(value)


def record(
    action: str,
    entity,
    *,
    actor=None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    entity_type: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the current session (committed with the change itself).

    ``changes`` maps field names to ``(old, new)`` pairs; ``entity`` is a model instance
    (its table name and primary key are used) unless ``entity_type`` is given.
    """
    if entity_type is None:
        entity_type = getattr(entity, "__tablename__", type(entity).__name__)
    entity_id = getattr(entity, "id", entity if isinstance(entity, (str, int)) else None)
    payload = {
        field: {"old": _jsonable(old), "new": _jsonable(new)}
        for field, (old, new) in (changes or {}).items()
        if field not in SECRET_FIELDS
    }
    actor_id = getattr(actor, "id", None) if actor is not None and getattr(actor, "is_authenticated", True) else None
    entry = AuditEntry(
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        actor_id=actor_id,
        changes=payload,
    )
    db.session.add(entry)
    return entry


def apply_changes(obj, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set attributes on ``obj`` and return the ``(old, new)`` pairs of those that changed."""
    changed: dict[str, tuple[Any, Any]] = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            setattr(obj, field, new)
            changed[field] = (old, new)
    return changed


def record_update(action: str, obj, values: Mapping[str, Any], *, actor=None) -> dict:
    """Apply ``values`` to ``obj`` and audit what actually changed (nothing if nothing did)."""
    changed = apply_changes(obj, values)
    if changed:
        if inspect(obj).transient or inspect(obj).pending:
            db.session.flush()
        record(action, obj, actor=actor, changes=changed)
    return changed


def entries_query(entity_type: str | None = None, entity_id: str | None = None, actor_id: int | None = None):
    stmt = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == str(entity_id))
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    return stmt


def entity_types() -> Iterable[str]:
    return db.session.scalars(select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)).all()
