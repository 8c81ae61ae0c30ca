"""Who may use what.

Every view declares its rule with one of the decorators below; ``enforce`` runs before every
request and applies the rule of the endpoint being called. An endpoint without a declaration
is refused (fail closed) and ``undeclared_endpoints`` lets a test and the app factory find it.

Rules say which *kind* of user may reach an endpoint. Whether that user may touch a given
object (a trainer edits only their own workshops) is checked again in the view or service
with ``ensure``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Callable, Iterable

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

TRAINEE = "trainee"
TRAINER = "trainer"
MANAGER = "manager"
DONOR = "donor"
ADMIN = "admin"
ROLES: tuple[str, ...] = (TRAINEE, TRAINER, MANAGER, DONOR, ADMIN)

# Handy groups for declarations.
STAFF = (TRAINER, MANAGER, ADMIN)
REPORT_READERS = (MANAGER, DONOR, ADMIN)

PUBLIC = "public"
ANONYMOUS = "anonymous"
AUTHENTICATED = "authenticated"
ROLE = "role"


@dataclass(frozen=True)
class Rule:
    kind: str
    roles: frozenset[str] = frozenset()

    def allows(self, user) -> bool:
        if self.kind in (PUBLIC, ANONYMOUS):
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        if self.kind == AUTHENTICATED:
            return True
        return bool(self.roles & set(user.role_names))

    def describe(self) -> str:
        if self.kind == ROLE:
            return "roles: " + ", ".join(sorted(self.roles))
        return self.kind


ATTR = "_lga_access_rule"


def _declare(rule: Rule) -> Callable:
    def decorator(view: Callable) -> Callable:
        setattr(view, ATTR, rule)
        return view

    return decorator


def public(view: Callable) -> Callable:
    """Anyone, logged in or not."""
    return _declare(Rule(PUBLIC))(view)


def anonymous(view: Callable) -> Callable:
    """Pages for people not logged in (login, register); logged-in users are sent home."""
    return _declare(Rule(ANONYMOUS))(view)


def authenticated(view: Callable) -> Callable:
    """Any logged-in user."""
    return _declare(Rule(AUTHENTICATED))(view)


def roles(*names: str) -> Callable:
    """Logged-in users holding at least one of these roles."""
    unknown = set(names) - set(ROLES)
    if unknown or not names:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return _declare(Rule(ROLE, frozenset(names)))


def rule_for(view: Callable | None) -> Rule | None:
    return getattr(view, ATTR, None)


def rule_for_endpoint(app: Flask, endpoint: str) -> Rule | None:
    return rule_for(app.view_functions.get(endpoint))


def undeclared_endpoints(app: Flask) -> list[str]:
    return sorted(ep for ep, view in app.view_functions.items() if rule_for(view) is None)


def can(endpoint: str, user=None) -> bool:
    """May this user (default: the current one) reach this endpoint? Used by navigation."""
    rule = rule_for_endpoint(current_app, endpoint)
    return bool(rule and rule.allows(user if user is not None else current_user))


def ensure(condition: bool) -> None:
    """Object-level check: refuse with 403 unless the condition holds."""
    if not condition:
        abort(403)


def enforce():
    """before_request hook: apply the declared rule of the endpoint being requested."""
    if request.endpoint is None:  # 404 / 405: nothing to protect
        return None
    rule = rule_for_endpoint(current_app, request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s has no access declaration", request.endpoint)
        abort(403)
    if rule.kind == ANONYMOUS and current_user.is_authenticated:
        return redirect(url_for("core.index"))
    if rule.allows(current_user):
        return None
    if request.path.startswith("/api/"):  # machines get JSON, not the login page
        from flask import jsonify

        if not current_user.is_authenticated:
            return jsonify(error="unauthorized", message="Send a personal API token: Authorization: Bearer …"), 401
        return jsonify(error="forbidden", message="This token's owner may not read this."), 403
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    abort(403)


def declare_public_endpoints(app: Flask, endpoints: Iterable[str]) -> None:
    """Declare endpoints registered by Flask or extensions (e.g. ``static``) as public."""
    for endpoint in endpoints:
        view = app.view_functions.get(endpoint)
        if view is not None and rule_for(view) is None:
            @wraps(view)
            def wrapped(*args, __view=view, **kwargs):
                return __view(*args, **kwargs)

            public(wrapped)
            app.view_functions[endpoint] = wrapped
