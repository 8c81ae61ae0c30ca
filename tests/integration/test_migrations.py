"""The schema comes from migrations only: models and migrations agree, and they run both ways."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.conftest import drop_database, new_database_url


@pytest.fixture()
def scratch_app(app):
    """The app pointed at a new, empty database of the same kind as the suite's."""
    from lga import create_app
    from lga.extensions import db

    url, is_pg = new_database_url("lga_migr")
    scratch = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    yield scratch
    with scratch.app_context():
        db.session.remove()
        db.engine.dispose()
    if is_pg:
        drop_database(url)


def _differences(engine, metadata):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_models_and_migrations_agree(scratch_app):
    from lga.extensions import db

    with scratch_app.app_context():
        upgrade()
        assert _differences(db.engine, db.metadata) == []


def test_upgrade_downgrade_upgrade(scratch_app):
    from lga.extensions import db

    with scratch_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"user_account", "municipality", "module", "workshop", "audit_entry"} <= tables
        downgrade(revision="base")
        db.engine.dispose()
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()
        db.engine.dispose()
        assert set(inspect(db.engine).get_table_names()) == tables
        assert _differences(db.engine, db.metadata) == []


def test_upgrading_a_database_with_data_keeps_it(scratch_app):
    """A migration that rebuilds a parent table (SQLite's batch mode) must not take the children
    with it: sessions and enrolments of a workshop survive the workshop table's change in 0007."""
    from sqlalchemy import text

    from lga.accounts import reference as accounts
    from lga.catalogue import reference as catalogue
    from lga.extensions import db

    with scratch_app.app_context():
        upgrade(revision="0006_quizzes")
        accounts.seed()
        catalogue.seed()
        db.session.commit()
        with db.engine.begin() as conn:
            ids = {name: conn.execute(text(f"SELECT min(id) FROM {name}")).scalar()
                   for name in ("programme", "municipality")}
            conn.execute(text("INSERT INTO module (id, code, programme_id, title, summary, description, audience, "
                              "hours, sources, content_hash, is_active, created_at, updated_at) VALUES (1, 'm', :p, "
                              "'{}', '{}', '{}', '{}', 4, '[]', 'x', :yes, :now, :now)"),
                         {"p": ids["programme"], "yes": True, "now": "2026-11-01 08:00:00"})
            conn.execute(text("INSERT INTO user_account (id, email, given_name, family_name, sex, locale, active, "
                              "session_nonce, created_at) VALUES (1, 'a@example.org', 'A', 'B', 'female', 'sq', :yes, "
                              "'n', :now)"), {"yes": True, "now": "2026-11-01 08:00:00"})
            conn.execute(text("INSERT INTO workshop (id, module_id, programme_id, title, mode, start_date, end_date, "
                              "capacity, status, language, requires_approval, sequence, created_at, updated_at, municipality_id) "
                              "VALUES (1, 1, :p, 'W', 'in_person', '2026-12-01', '2026-12-01', 20, 'published', 'sq', "
                              ":no, 0, :now, :now, :m)"),
                         {"p": ids["programme"], "m": ids["municipality"], "no": False, "now": "2026-11-01 08:00:00"})
            conn.execute(text("INSERT INTO workshop_session (id, workshop_id, title, format, starts_at, ends_at) "
                              "VALUES (1, 1, 'S', 'lecture', :a, :b)"),
                         {"a": "2026-12-01 08:00:00", "b": "2026-12-01 10:00:00"})
            conn.execute(text("INSERT INTO enrolment (id, workshop_id, user_id, status, source, requested_at, "
                              "calendar_revision, updated_at) VALUES (1, 1, 1, 'enrolled', 'self', :now, 0, :now)"),
                         {"now": "2026-11-01 08:00:00"})
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM workshop_session")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM enrolment")).scalar() == 1
            assert conn.execute(text("SELECT evaluation_required FROM workshop")).scalar() in (False, 0)
