"""The ``flask lga`` chores: create-admin, seed-reference and demo."""
from __future__ import annotations

from sqlalchemy import func, select

from lga.accounts.models import Municipality, User
from lga.catalogue.models import Programme, Workshop


def test_reference_data_is_complete(db):
    assert db.session.scalar(select(func.count()).select_from(Municipality)) == 38
    names = dict(db.session.execute(select(Municipality.name_sq, Municipality.name_sr)).tuples().all())
    assert names["Mitrovicë e Veriut"] == "Severna Mitrovica" and names["Gjakovë"] == "Đakovica"
    assert set(db.session.scalars(select(Programme.code))) == {"LGA", "DEM", "SSSM"}


def test_seed_reference_keeps_admin_edits(runner, db):
    m = db.session.scalar(select(Municipality).where(Municipality.code == "peje"))
    m.name_sr = "Peć (edited)"
    db.session.commit()
    result = runner.invoke(args=["lga", "seed-reference"])
    assert result.exit_code == 0 and "0 rows added" in result.output
    db.session.refresh(m)
    assert m.name_sr == "Peć (edited)"


def test_create_admin(runner, db, client):
    result = runner.invoke(args=["lga", "create-admin", "--email", "Chief@Example.org", "--given-name", "Arta",
                                 "--family-name", "Krasniqi", "--password", "a long admin passphrase"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "chief@example.org"))
    assert user.role_names == {"admin"}
    again = runner.invoke(args=["lga", "create-admin", "--email", "chief@example.org", "--given-name", "A",
                                "--family-name", "K", "--password", "a long admin passphrase"])
    assert again.exit_code == 0 and "already an administrator" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_admin_rejects_bad_input(runner, db):
    short = runner.invoke(args=["lga", "create-admin", "--email", "a@example.org", "--given-name", "A",
                                "--family-name", "K", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    bad = runner.invoke(args=["lga", "create-admin", "--email", "not-an-email", "--given-name", "A",
                              "--family-name", "K", "--password", "a long admin passphrase"])
    assert bad.exit_code != 0 and "valid email" in bad.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_demo_is_idempotent(runner, db):
    first = runner.invoke(args=["lga", "demo"])
    assert first.exit_code == 0, first.output
    assert "trainee@example.org" in first.output and "demo-password" in first.output
    users = db.session.scalar(select(func.count()).select_from(User))
    workshops = db.session.scalar(select(func.count()).select_from(Workshop))
    assert users == 5 and workshops >= 4
    second = runner.invoke(args=["lga", "demo"])
    assert second.exit_code == 0, second.output
    assert "0 accounts and 0 workshops created" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert db.session.scalar(select(func.count()).select_from(Workshop)) == workshops


def test_demo_accounts_can_log_in(runner, client, db):
    runner.invoke(args=["lga", "demo"])
    from tests.conftest import post_form

    for email in ("admin@example.org", "manager@example.org", "donor@example.org", "trainer@example.org",
                  "trainee@example.org"):
        c = client.application.test_client()
        response = post_form(c, "/login", {"email": email, "password": "demo-password"})
        assert response.status_code == 302, email
