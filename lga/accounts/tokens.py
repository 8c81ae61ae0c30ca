"""Personal API tokens: made, listed, revoked, and looked up from an ``Authorization: Bearer``
header (only for the API's URLs)."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from lga.accounts.models import ApiToken, User
from lga.audit.services import record
from lga.db_types import utcnow
from lga.extensions import db

PREFIX = "lga_"
MAX_PER_PERSON = 10


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the token itself (shown once, never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=(name or "").strip()[:100] or "API", digest=_digest(token),
                   prefix=token[:12])
    db.session.add(row)
    db.session.flush()
    record("api_token.created", row, actor=user, changes={"name": (None, row.name)})
    return row, token


def active_tokens(user: User) -> list[ApiToken]:
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                              .order_by(ApiToken.created_at.desc())).all()


def revoke(row: ApiToken, *, actor) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record("api_token.revoked", row, actor=actor, changes={"revoked": (False, True)})


def user_for(header: str | None) -> User | None:
    """The active user whose live token is in ``Authorization: Bearer <token>``, if any."""
    if not header or not header.startswith("Bearer "):
        return None
    token = header.removeprefix("Bearer ").strip()
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.digest == _digest(token), ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:  # at most one write in 5 minutes
        row.last_used_at = now
        db.session.commit()
    return row.user
