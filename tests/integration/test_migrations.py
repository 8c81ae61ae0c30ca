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
