"""Health, security headers, cookies, configuration safety and the error pages."""
from __future__ import annotations

import importlib

import pytest

from tests.conftest import login


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_reports_a_broken_database(client, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from lga.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_or_style(client):
    html = client.get("/register").get_data(as_text=True)
    assert "<script>" not in html and "<script " not in html.replace('<script src=', '')
    assert " style=" not in html and "<style" not in html
    assert " onclick=" not in html


def test_session_cookie_flags(client, factory):
    response = login(client, factory.user())
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("lga_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _production(monkeypatch, **env):
    import config

    for key in ("SECRET_KEY", "DATABASE_URL", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(key, raising=False)
    env.setdefault("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return importlib.reload(config)


def test_production_refuses_the_development_secret(monkeypatch):
    config = _production(monkeypatch, DATABASE_URL="postgresql://db/lga")
    try:
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            config.select_config("production").check()
        config = _production(monkeypatch, DATABASE_URL="postgresql://db/lga", SECRET_KEY=config.DEV_SECRET_KEY)
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            config.select_config("production").check()
        config = _production(monkeypatch, SECRET_KEY="x" * 40)
        with pytest.raises(RuntimeError, match="DATABASE_URL"):
            config.select_config("production").check()
        config = _production(monkeypatch, DATABASE_URL="postgres://u@db/lga", SECRET_KEY="x" * 40,
                             RATELIMIT_STORAGE_URI="memory://")
        with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
            config.select_config("production").check()
        config = _production(monkeypatch, DATABASE_URL="postgres://u@db/lga", SECRET_KEY="x" * 40)
        config.select_config("production").check()
        prod = config.select_config("production")
        assert prod.SESSION_COOKIE_SECURE is True
        assert prod.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db/lga"
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_create_app_refuses_production_with_dev_secret(monkeypatch):
    import config

    _production(monkeypatch, DATABASE_URL="sqlite:///x.sqlite")
    try:
        from lga import create_app

        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app("production")
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_default_database_is_sqlite_in_instance(monkeypatch):
    import config

    monkeypatch.delenv("DATABASE_URL", raising=False)
    try:
        reloaded = importlib.reload(config)
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
        assert reloaded.Config.SQLALCHEMY_DATABASE_URI.endswith("lga.sqlite")
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_500_page_is_friendly_and_rolls_back(app, client, monkeypatch):
    from lga.catalogue import services

    def explode(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(services, "programmes_with_counts", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/programmes")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "boom" not in html and "Traceback" not in html
    assert "<main" in html


def test_json_errors_for_json_clients(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == 404


def test_pages_fit_a_phone(client):
    html = client.get("/").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html
