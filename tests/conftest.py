"""Test base: a fresh database per run (built by the migrations), clean tables per test,
factories, a login helper, an SQL query counter and a real local SMTP server.

Database: SQLite in a temporary folder by default. With ``LGA_TEST_DATABASE_URL`` pointing at
a PostgreSQL server, a new database with a unique name is created on it for this run and
dropped afterwards.
"""
from __future__ import annotations

import atexit
import contextvars
import os
import shutil
import re
import secrets
import socket
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

os.environ.setdefault("LGA_ENV", "testing")
TMP = Path(tempfile.mkdtemp(prefix="lga-tests-"))
atexit.register(shutil.rmtree, TMP, ignore_errors=True)
os.environ["LGA_INSTANCE_PATH"] = str(TMP / "instance")

from flask.testing import FlaskClient  # noqa: E402

from tests.mailserver import MailServer  # noqa: E402


class IsolatedClient(FlaskClient):
    """Each request runs in its own application context, as on a real server.

    Without this, requests made while a test holds an app context would share it, and with
    it ``g`` (the logged-in user, the locale) and the database session. Afterwards the test's
    own session is expired so that it reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(self._open_and_read, *args, **kwargs)
        from flask import has_app_context

        if has_app_context():
            from lga.extensions import db

            db.session.expire_all()
        return response

    def _open_and_read(self, *args, **kwargs):
        """A streamed body is read in the request's own context (``stream_with_context`` needs
        it); ``response.streamed`` tells the tests it was streamed."""
        response = super().open(*args, **kwargs)
        response.streamed = response.is_streamed
        if response.is_streamed:
            response.make_sequence()
        return response


# --- Databases ---------------------------------------------------------------------------

def create_database(server_url: str, prefix: str = "lga_test") -> str:
    """Create a uniquely named database on the server of ``server_url``; return its URL."""
    url = make_url(server_url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(db_url: str) -> None:
    url = make_url(db_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def new_database_url(prefix: str = "lga_test") -> tuple[str, bool]:
    """(url, is_postgres) of a new, empty database for this run."""
    from config import normalise_database_url

    server = os.environ.get("LGA_TEST_DATABASE_URL")
    if server:
        server = normalise_database_url(server)
        if server.startswith("postgresql"):
            return create_database(server, prefix), True
        return server, False
    path = TMP / f"{prefix}_{secrets.token_hex(4)}.sqlite"
    return f"sqlite:///{path}", False


@pytest.fixture(scope="session")
def database_url():
    url, is_pg = new_database_url()
    yield url
    if is_pg:
        drop_database(url)


@pytest.fixture(scope="session")
def mail_server():
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def app(database_url, mail_server):
    from flask_migrate import upgrade

    from lga import create_app

    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mail_server.port,
        "SERVER_NAME": None,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()  # the schema comes from the migrations, as in production
        _reset_tables()
    yield app
    with app.app_context():
        from lga.extensions import db

        db.session.remove()
        db.engine.dispose()


def _reset_tables() -> None:
    """Empty every table and put the reference data back."""
    from lga.cli import seed_reference_data
    from lga.extensions import db

    db.session.remove()
    tables = [t for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())
    seed_reference_data()
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean(request):
    """Isolation: each test that touches the app starts from empty tables plus reference data."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        yield
        _reset_tables()


@pytest.fixture()
def db(app):
    from lga.extensions import db

    return db


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def mailbox(mail_server):
    mail_server.clear()
    return mail_server


# --- Helpers -------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path: str, data: dict | None = None, **kwargs):
    """POST like a browser does: with the CSRF token of the session."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(path, data=data, **kwargs)


def login(client, user, password: str = "correct horse battery"):
    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture()
def factory(app):
    from tests.factories import Factory

    return Factory()


@pytest.fixture()
def as_role(client, factory):
    """Log the test client in as a new user holding ``role``; returns the user."""

    def _as(*roles, **kwargs):
        user = factory.user(roles=roles, **kwargs)
        login(client, user)
        return user

    return _as


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
            self.statements.append(statement)


@pytest.fixture()
def count_queries(app):
    """``with count_queries() as q: ...`` then ``q.count`` is the number of SQL statements."""
    from lga.extensions import db

    @contextmanager
    def _count():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return _count


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over real HTTP in a thread, for the browser tests."""
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
