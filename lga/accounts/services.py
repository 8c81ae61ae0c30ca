"""Account rules: registration, authentication, tokens, profile and role changes.

Plain functions on models and the session: callable from views, the CLI and tests. They
add to the session and leave committing to the caller, so one user action stays one
transaction.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from lga.access import ADMIN, ROLES, TRAINEE
from lga.accounts.models import AccountToken, Municipality, User, UserRole
from lga.accounts.passwords import hash_password, needs_rehash, verify_password
from lga.audit.services import record, record_update
from lga.db_types import utcnow
from lga.extensions import db

PROFILE_FIELDS = (
    "given_name", "family_name", "municipality_id", "institution_type_id",
    "institution_name", "position", "sex", "community", "locale",
)


class AccountError(Exception):
    """A rule was broken; the message is translatable text for the user."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def new_nonce() -> str:
    return secrets.token_hex(16)


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str, *, except_id: int | None = None) -> bool:
    stmt = select(User.id).where(User.email == normalise_email(email))
    if except_id is not None:
        stmt = stmt.where(User.id != except_id)
    return db.session.scalar(stmt) is not None


def create_user(*, email: str, password: str | None = None, roles: Iterable[str] = (TRAINEE,),
                actor=None, action: str = "user.created", **profile) -> User:
    """Create an account. ``password`` may be None for invited people who set it later."""
    email = normalise_email(email)
    if email_taken(email):
        raise AccountError(_l("An account with this email address already exists."))
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError(_l("Unknown roles: %(roles)s", roles=", ".join(sorted(unknown))))
    user = User(
        email=email,
        password_hash=hash_password(password) if password else None,
        session_nonce=new_nonce(),
        active=True,
        **{k: v for k, v in profile.items() if k in PROFILE_FIELDS},
    )
    user.roles = [UserRole(role=r) for r in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    record(action, user, actor=actor or user, changes={
        "email": (None, email), "roles": (None, sorted(set(roles))),
    })
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Same work whether or not it exists."""
    user = find_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def set_password(user: User, password: str, *, actor=None, action: str = "user.password_changed") -> None:
    user.password_hash = hash_password(password)
    user.session_nonce = new_nonce()  # other sessions end
    record(action, user, actor=actor or user)


def check_password(user: User, password: str) -> bool:
    return verify_password(user.password_hash, password)


def update_profile(user: User, values: dict, *, actor=None) -> dict:
    values = {k: v for k, v in values.items() if k in PROFILE_FIELDS}
    if "email" in values:
        values.pop("email")
    return record_update("user.profile_updated", user, values, actor=actor or user)


def change_email(user: User, email: str, *, actor=None) -> bool:
    email = normalise_email(email)
    if email == user.email:
        return False
    if email_taken(email, except_id=user.id):
        raise AccountError(_l("An account with this email address already exists."))
    record_update("user.email_changed", user, {"email": email}, actor=actor or user)
    return True


def set_roles(user: User, roles: Iterable[str], *, actor) -> bool:
    new = sorted(set(roles))
    unknown = set(new) - set(ROLES)
    if unknown:
        raise AccountError(_l("Unknown roles: %(roles)s", roles=", ".join(sorted(unknown))))
    old = sorted(user.role_names)
    if new == old:
        return False
    if actor is not None and actor.id == user.id and ADMIN in old and ADMIN not in new:
        raise AccountError(_l("You cannot remove your own administrator role."))
    # A deactivated admin is not counted, so demoting one leaves the active admins as they are.
    if user.active and ADMIN in old and ADMIN not in new and count_active_admins() <= 1:
        raise AccountError(_l("The platform needs at least one active administrator."))
    keep = {r.role: r for r in user.roles}
    user.roles = [keep.get(r) or UserRole(role=r) for r in new]
    record("user.roles_changed", user, actor=actor, changes={"roles": (old, new)})
    return True


def set_active(user: User, active: bool, *, actor) -> bool:
    if user.active == active:
        return False
    if not active:
        if actor is not None and actor.id == user.id:
            raise AccountError(_l("You cannot deactivate your own account."))
        if user.has_role(ADMIN) and count_active_admins() <= 1:
            raise AccountError(_l("The platform needs at least one active administrator."))
        user.session_nonce = new_nonce()
    record_update("user.activated" if active else "user.deactivated", user, {"active": active}, actor=actor)
    return True


def count_active_admins() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).join(UserRole)
        .where(UserRole.role == ADMIN, User.active.is_(True))
    ) or 0


# --- Tokens for password reset and invitations -------------------------------------------

def create_users(profiles: Iterable[dict], *, actor, action: str = "user.imported",
                 roles: Iterable[str] = (TRAINEE,)) -> list[User]:
    """Many accounts without passwords (invited people set their own), in one flush.

    ``create_user`` checks and flushes one account at a time, which costs a minute for a
    10,000-person staff list. Callers check the addresses first in the same transaction (one
    query for all of them); the unique constraint on the address stays the last word.
    """
    roles = sorted(set(roles))
    users = []
    for profile in profiles:
        user = User(email=normalise_email(profile["email"]), password_hash=None, session_nonce=new_nonce(), active=True,
                    **{k: v for k, v in profile.items() if k in PROFILE_FIELDS})
        user.roles = [UserRole(role=r) for r in roles]
        users.append(user)
    db.session.add_all(users)
    db.session.flush()
    for user in users:
        record(action, user, actor=actor, changes={"email": (None, user.email), "roles": (None, roles)})
    return users


def issue_invitations(users: Iterable[User]) -> list[str]:
    """An invitation token for each brand-new account (returned in clear; only hashes are stored).

    Like ``issue_token`` without its look-up of older tokens, which a new account cannot have.
    """
    now = utcnow()
    expires = now + timedelta(days=current_app.config["LGA_INVITATION_DAYS"])
    users = list(users)
    tokens = [secrets.token_urlsafe(32) for _user in users]
    db.session.add_all([AccountToken(user_id=user.id, purpose="invite", token_hash=_hash_token(token),
                                     created_at=now, expires_at=expires) for user, token in zip(users, tokens)])
    return tokens


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, purpose: str) -> str:
    """Create a token and return it in clear (only its hash is stored). Older ones die."""
    now = utcnow()
    for old in db.session.scalars(
        select(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
                                   AccountToken.used_at.is_(None))
    ):
        old.used_at = now
    if purpose == "reset":
        lifetime = timedelta(hours=current_app.config["LGA_PASSWORD_RESET_HOURS"])
    else:
        lifetime = timedelta(days=current_app.config["LGA_INVITATION_DAYS"])
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=_hash_token(token),
                                created_at=now, expires_at=now + lifetime))
    return token


@dataclass
class TokenCheck:
    token: AccountToken | None
    problem: str | None  # "unknown", "expired", "used", "inactive"


def check_token(token: str, purposes: Iterable[str] = ("reset", "invite"), *, now: datetime | None = None) -> TokenCheck:
    row = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _hash_token(token or ""),
                                   AccountToken.purpose.in_(tuple(purposes)))
    )
    now = now or utcnow()
    if row is None:
        return TokenCheck(None, "unknown")
    if row.used_at is not None:
        return TokenCheck(row, "used")
    if row.expires_at <= now:
        return TokenCheck(row, "expired")
    if not row.user.active:
        return TokenCheck(row, "inactive")
    return TokenCheck(row, None)


def use_token(token: str, new_password: str) -> User:
    """Set a password with a valid token, consuming it. Raises AccountError otherwise."""
    # Lock the row on PostgreSQL so two simultaneous uses cannot both succeed. Only the token's
    # table: PostgreSQL refuses FOR UPDATE on the outer join that eager-loads its user.
    row = db.session.scalar(
        select(AccountToken).where(AccountToken.token_hash == _hash_token(token or ""))
        .with_for_update(of=AccountToken)
    )
    check = check_token(token)
    if row is None or check.problem:
        raise AccountError(token_problem_message(check.problem or "unknown"))
    row.used_at = utcnow()
    action = "user.password_reset" if row.purpose == "reset" else "user.invitation_accepted"
    set_password(row.user, new_password, actor=row.user, action=action)
    return row.user


def token_problem_message(problem: str) -> str:
    return {
        "expired": _("This link has expired. Please ask for a new one."),
        "used": _("This link has already been used. Please ask for a new one."),
        "inactive": _("This account is deactivated."),
    }.get(problem, _("This link is not valid. Please ask for a new one."))


# --- Finding people (admin) ------------------------------------------------------------

def people_query(q: str | None = None, role: str | None = None, municipality_id: int | None = None,
                 status: str | None = None):
    stmt = select(User).order_by(User.family_name, User.given_name, User.id)
    if q:
        # Escape LIKE's wildcards: people search for what they typed.
        term = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{term}%"
        stmt = stmt.where(or_(*(
            column.like(like, escape="\\") for column in (
                func.lower(User.email), func.lower(User.given_name), func.lower(User.family_name),
                func.lower(User.given_name + " " + User.family_name),
            )
        )))
    if role:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if municipality_id:
        stmt = stmt.where(User.municipality_id == municipality_id)
    if status == "active":
        stmt = stmt.where(User.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(User.active.is_(False))
    return stmt


def municipalities(active_only: bool = True) -> list[Municipality]:
    stmt = select(Municipality).order_by(Municipality.name_sq)
    if active_only:
        stmt = stmt.where(Municipality.is_active.is_(True))
    return list(db.session.scalars(stmt))
