from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lga.access import ROLES
from lga.db_types import UTCDateTime, utcnow
from lga.extensions import db
from lga.i18n import localized

SEXES = ("female", "male", "undisclosed")
COMMUNITIES = (
    "albanian", "serb", "bosniak", "turkish", "roma", "ashkali", "egyptian",
    "gorani", "montenegrin", "croat", "other", "undisclosed",
)
LOCALES = ("sq", "en", "sr")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Municipality(db.Model):
    """One of Kosovo's 38 municipalities, with its Albanian and Serbian names."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_sq: Mapped[str] = mapped_column(String(80), unique=True)
    name_sr: Mapped[str] = mapped_column(String(80))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name(self, language: str | None = None) -> str:
        from lga.i18n import current_language

        return self.name_sr if (language or current_language()) == "sr" else self.name_sq

    def __str__(self) -> str:
        return self.name()


class InstitutionType(db.Model):
    """Kind of institution people work for (DSHMS, QPS, municipal administration, ...)."""

    __tablename__ = "institution_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[dict] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    def label(self, language: str | None = None) -> str:
        return localized(self.name, language)

    def __str__(self) -> str:
        return self.label()


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="known_role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    """A person: municipal staff member, trainer, manager, donor representative or admin."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(_in("sex", SEXES), name="known_sex"),
        CheckConstraint(f"community IS NULL OR {_in('community', COMMUNITIES)}", name="known_community"),
        CheckConstraint(_in("locale", LOCALES), name="known_locale"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    given_name: Mapped[str] = mapped_column(String(80))
    family_name: Mapped[str] = mapped_column(String(80))
    municipality_id: Mapped[Optional[int]] = mapped_column(ForeignKey("municipality.id"), index=True)
    institution_type_id: Mapped[Optional[int]] = mapped_column(ForeignKey("institution_type.id"), index=True)
    institution_name: Mapped[Optional[str]] = mapped_column(String(160))
    position: Mapped[Optional[str]] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(12), default="undisclosed")
    community: Mapped[Optional[str]] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5), default="sq")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Rotated on password change and deactivation: logs the account out everywhere.
    session_nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    municipality: Mapped[Optional[Municipality]] = relationship(lazy="joined")
    institution_type: Mapped[Optional[InstitutionType]] = relationship(lazy="joined")
    roles: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by=UserRole.role
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, *names: str) -> bool:
        return bool(self.role_names & set(names))

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class AccountToken(db.Model):
    """Single-use, expiring token for password reset and invitations. Only its hash is kept."""

    __tablename__ = "account_token"
    __table_args__ = (CheckConstraint(_in("purpose", ("reset", "invite")), name="known_purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(db.Model):
    """A personal token for the read-only JSON API (reports). Only its SHA-256 is kept: the token
    is shown once, when it is made."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the start of the token, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
