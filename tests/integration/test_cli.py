"""The ``flask lga`` chores: create-admin, seed-reference and demo (small and at scale)."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from lga.accounts.models import Municipality, User
from lga.attendance.models import Attendance, Certificate
from lga.catalogue.models import Programme, Workshop
from lga.enrolment.models import Enrolment


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
    from lga.demo.services import DEMO_PARTICIPANTS

    users = db.session.scalar(select(func.count()).select_from(User))
    workshops = db.session.scalar(select(func.count()).select_from(Workshop))
    enrolments = db.session.scalar(select(func.count()).select_from(Enrolment))
    assert users == 5 + len(DEMO_PARTICIPANTS) and workshops >= 4 and enrolments > 0
    second = runner.invoke(args=["lga", "demo"])
    assert second.exit_code == 0, second.output
    assert "0 accounts, 0 workshops and 0 enrolments created; 0 materials" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert db.session.scalar(select(func.count()).select_from(Workshop)) == workshops
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == enrolments


def test_demo_has_materials_a_discussion_and_groups_to_try(runner, db, client):
    from lga.discussions.models import DiscussionPost
    from lga.groupwork.models import GroupMember, GroupTask
    from lga.materials.models import Material
    from tests.conftest import login

    assert runner.invoke(args=["lga", "demo"]).exit_code == 0
    workshop_id = db.session.scalar(select(Material.workshop_id))
    authors = db.session.scalars(select(User).join(DiscussionPost, DiscussionPost.author_id == User.id)).all()
    assert len({a.municipality_id for a in authors}) == 3  # colleagues from three municipalities
    assert db.session.scalar(select(func.count()).select_from(GroupTask).where(GroupTask.workshop_id == workshop_id)) == 1
    trainee = db.session.scalar(select(User).where(User.email == "trainee@example.org"))
    assert db.session.scalar(select(GroupMember.group_id).where(GroupMember.user_id == trainee.id,
                                                               GroupMember.workshop_id == workshop_id))
    login(client, trainee, "demo-password")
    for path in (f"/workshops/{workshop_id}/materials", f"/workshops/{workshop_id}/discussions",
                 f"/workshops/{workshop_id}/groups"):
        assert client.get(path).status_code == 200, path


def test_demo_gives_each_role_something_to_see(runner, db):
    from lga.catalogue.models import workshop_trainer

    assert runner.invoke(args=["lga", "demo"]).exit_code == 0
    trainee = db.session.scalar(select(User).where(User.email == "trainee@example.org"))
    today = date.today()
    mine = db.session.execute(
        select(Enrolment.status, Workshop.start_date, Workshop.end_date)
        .join(Workshop, Workshop.id == Enrolment.workshop_id).where(Enrolment.user_id == trainee.id)).all()
    assert any(s == "completed" and end < today for s, _, end in mine)
    assert any(s == "enrolled" and start > today for s, start, _ in mine)
    assert any(s in ("waitlisted", "requested") and start > today for s, start, _ in mine)

    trainer = db.session.scalar(select(User).where(User.email == "trainer@example.org"))
    taught = set(db.session.scalars(select(workshop_trainer.c.workshop_id)
                                    .where(workshop_trainer.c.user_id == trainer.id)))
    assert len(taught) >= 4
    places = db.session.execute(
        select(Enrolment.workshop_id, func.count(func.distinct(User.municipality_id)))
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.workshop_id.in_(taught), Enrolment.status.in_(("enrolled", "completed")))
        .group_by(Enrolment.workshop_id)).all()
    assert sum(1 for _, municipalities in places if municipalities >= 3) >= 3

    pending = db.session.scalar(
        select(func.count()).select_from(Enrolment).join(Workshop, Workshop.id == Enrolment.workshop_id)
        .where(Workshop.requires_approval.is_(True), Enrolment.status == "requested"))
    assert pending >= 2


def test_demo_accounts_can_log_in(runner, client, db):
    runner.invoke(args=["lga", "demo"])
    from tests.conftest import post_form

    for email in ("admin@example.org", "manager@example.org", "donor@example.org", "trainer@example.org",
                  "trainee@example.org"):
        c = client.application.test_client()
        response = post_form(c, "/login", {"email": email, "password": "demo-password"})
        assert response.status_code == 302, email


def test_scale_generator_at_two_percent(runner, db):
    """The large demo data at 2%: places within capacity, one row per person and workshop,
    waitlists only where full, nobody asking after the start; a second run adds nothing.
    The date is pinned so that seed 5 gives coming workshops with waitlists."""
    from lga.demo.scale import generate, local_to_utc

    assert runner.invoke(args=["lga", "load-modules"]).exit_code == 0
    today = date(2026, 3, 16)
    counts = generate(seed=5, echo=lambda line: None, today=today, scale=0.02)
    assert counts["trainees"] == 400 and counts["workshops"] == 40 and counts["enrolments"] > 2000

    per_workshop = db.session.execute(
        select(Workshop.id, Workshop.capacity, Workshop.end_date,
               func.count().filter(Enrolment.status.in_(("enrolled", "completed"))),
               func.count().filter(Enrolment.status == "waitlisted"),
               func.count(), func.count(func.distinct(Enrolment.user_id)))
        .join(Enrolment, Enrolment.workshop_id == Workshop.id)
        .group_by(Workshop.id, Workshop.capacity, Workshop.end_date)).all()
    assert len(per_workshop) >= 20
    for workshop_id, capacity, end, holding, waiting, rows, people in per_workshop:
        assert holding <= capacity, workshop_id
        assert rows == people, workshop_id  # nobody twice in a workshop
        if waiting:
            assert holding == capacity and end >= today, workshop_id
    statuses = dict(db.session.execute(
        select(Enrolment.status, func.count()).group_by(Enrolment.status)).tuples().all())
    assert statuses["completed"] > statuses["cancelled"] > 0
    assert statuses["waitlisted"] > 0 and statuses["enrolled"] > 0 and statuses["rejected"] > 0
    assert db.session.scalar(
        select(func.count()).select_from(Enrolment).join(Workshop, Workshop.id == Enrolment.workshop_id)
        .where(Enrolment.status == "completed", Workshop.end_date >= today)) == 0
    asked = db.session.execute(
        select(Enrolment.requested_at, Workshop.start_date)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)).all()
    assert all(requested.date() < start for requested, start in asked)

    _check_scale_attendance(db, counts, local_to_utc(today, 12 * 60))

    tables = (User, Workshop, Enrolment, Attendance, Certificate)
    before = [db.session.scalar(select(func.count()).select_from(t)) for t in tables]
    assert generate(seed=5, echo=lambda line: None, today=today, scale=0.02) == {}
    assert [db.session.scalar(select(func.count()).select_from(t)) for t in tables] == before


def _check_scale_attendance(db, counts, now):
    """The generated attendance: one row per place holder per started session and none for the
    sessions to come; sources, minutes and recorders as the app writes them; completion as the
    app's rule computes it; one certificate per completed enrolment."""
    from lga.attendance import completion
    from lga.attendance.certificates import ALPHABET
    from lga.attendance.online_import import DEFAULT_SHARE
    from lga.catalogue.models import WorkshopSession, workshop_trainer
    from lga.enrolment.models import HOLDS_PLACE

    total = db.session.scalar(select(func.count()).select_from(Attendance))
    assert total > 0 and counts["attendance"] == total
    # Nobody outside the workshop's place holders, and nothing for sessions that have not started.
    outsiders = db.session.scalar(
        select(func.count()).select_from(Attendance)
        .join(WorkshopSession, WorkshopSession.id == Attendance.session_id)
        .outerjoin(Enrolment, (Enrolment.workshop_id == WorkshopSession.workshop_id)
                   & (Enrolment.user_id == Attendance.user_id) & Enrolment.status.in_(HOLDS_PLACE))
        .where(Enrolment.id.is_(None)))
    assert outsiders == 0
    sessions = db.session.execute(select(WorkshopSession.id, WorkshopSession.workshop_id, WorkshopSession.starts_at,
                                         WorkshopSession.ends_at)).all()
    started = {s.id: s for s in sessions if s.starts_at <= now}
    assert len(started) < len(sessions)  # the date gives sessions to come
    per_session = dict(db.session.execute(
        select(Attendance.session_id, func.count()).group_by(Attendance.session_id)).tuples().all())
    assert set(per_session) <= set(started)
    holders = dict(db.session.execute(
        select(Enrolment.workshop_id, func.count()).where(Enrolment.status.in_(HOLDS_PLACE))
        .group_by(Enrolment.workshop_id)).tuples().all())
    # Everyone holding a place has a row for every started session.
    assert all(per_session.get(s.id, 0) == holders.get(s.workshop_id, 0) for s in started.values())

    modes = dict(db.session.execute(select(Workshop.id, Workshop.mode)).tuples().all())
    trainers = set(db.session.execute(select(workshop_trainer.c.workshop_id, workshop_trainer.c.user_id)).tuples())
    rows = db.session.execute(select(Attendance.session_id, Attendance.user_id, Attendance.status, Attendance.source,
                                     Attendance.minutes_online, Attendance.checked_in_at, Attendance.recorded_by_id,
                                     Attendance.updated_at, Attendance.checkin_ticket)).all()
    for row in rows:
        session = started[row.session_id]
        length = int((session.ends_at - session.starts_at).total_seconds() // 60)
        online = row.source in ("zoom", "teams")
        assert (row.minutes_online is not None) == online, row
        if online:
            assert modes[session.workshop_id] in ("virtual", "hybrid"), row
            assert 0 <= row.minutes_online <= length and row.updated_at >= session.ends_at, row
            assert row.status == ("present" if row.minutes_online * 100 >= DEFAULT_SHARE * length else "partial"), row
        if row.source == "qr":
            assert modes[session.workshop_id] != "virtual" and row.status in ("present", "late"), row
            assert abs(row.checked_in_at - session.starts_at).total_seconds() <= 3600, row
        assert row.recorded_by_id is None or (session.workshop_id, row.recorded_by_id) in trainers or (
            row.source == "qr" and row.recorded_by_id == row.user_id), row
        assert row.updated_at <= now and row.checkin_ticket is None
    mix = {}
    for row in rows:
        mix[row.status] = mix.get(row.status, 0) + 1
        mix[row.source] = mix.get(row.source, 0) + 1
    assert mix["present"] > total * 0.8 and mix["late"] and mix["excused"] and mix["absent"] and mix["partial"], mix
    assert mix["roll_call"] and mix["qr"] and mix.get("zoom", 0) + mix.get("teams", 0) > 0, mix

    # Completion as the app computes it: nothing to change, whoever completed met the rule.
    checked = 0
    started_workshops = {s.workshop_id for s in started.values()}
    for workshop in db.session.scalars(select(Workshop).where(Workshop.id.in_(started_workshops))):
        needed = completion.required_sessions(workshop, sum(1 for s in sessions if s.workshop_id == workshop.id))
        attended = completion.attended_counts(workshop.id)
        for user_id, status in db.session.execute(select(Enrolment.user_id, Enrolment.status).where(
                Enrolment.workshop_id == workshop.id, Enrolment.status.in_(HOLDS_PLACE))).tuples():
            assert (attended.get(user_id, 0) >= needed) == (status == "completed"), (workshop.id, user_id)
            checked += status == "completed"
        assert completion.recompute(workshop.id) == 0
    completed = db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.status == "completed"))
    assert checked == completed > 0

    certificates = db.session.execute(select(Certificate.code, Certificate.issued_at, Enrolment.status)
                                      .join(Enrolment, Enrolment.id == Certificate.enrolment_id)).all()
    assert counts["certificates"] == len(certificates) == completed
    assert all(status == "completed" and issued <= now for _code, issued, status in certificates)
    assert all(re.fullmatch(rf"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}", c) for c, _i, _s in certificates)
