"""The list of participants behind the outreach figures: the right people with the right figures,
streamed (a fixed number of queries whatever the number of rows), safe in a spreadsheet, for
managers and admins only, and audited."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
from sqlalchemy import func, select

from lga.accounts.models import User
from lga.attendance.models import Attendance
from lga.audit.models import AuditEntry
from lga.catalogue.models import Workshop, WorkshopSession
from lga.catalogue.scheduling import local_midnight
from lga.enrolment.models import Enrolment
from tests.conftest import login
from tests.integration.test_outreach import PERIOD, _generate

QUERY = f"date_from={PERIOD[0].isoformat()}&date_to={PERIOD[1].isoformat()}"


def _expected(db) -> dict[tuple[str, str], int]:
    """{(workshop title, email): participations in the period} of the place holders of the
    published workshops with a session in the period, recomputed from the rows."""
    sessions = {s.id: s for s in db.session.scalars(select(WorkshopSession))}
    lo, hi = local_midnight(PERIOD[0]), local_midnight(PERIOD[1] + timedelta(days=1))
    inside = {sid for sid, s in sessions.items() if lo <= s.starts_at < hi}
    workshops = {w.id: w for w in db.session.scalars(select(Workshop).where(Workshop.status == "published"))
                 if any(sessions[sid].workshop_id == w.id for sid in inside)}
    want = {}
    emails = dict(db.session.execute(select(User.id, User.email)).tuples().all())
    for e in db.session.scalars(select(Enrolment).where(Enrolment.status.in_(("enrolled", "completed")))):
        if e.workshop_id not in workshops:
            continue
        taken = sum(1 for a in db.session.scalars(select(Attendance).where(Attendance.user_id == e.user_id))
                    if a.session_id in inside and sessions[a.session_id].workshop_id == e.workshop_id
                    and a.status in ("present", "late", "partial"))
        want[(workshops[e.workshop_id].title, emails[e.user_id])] = taken
    return want


def _csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_list_has_every_place_holder_with_their_figures(client, as_role, factory, db):
    _generate(factory, db)
    as_role("manager", locale="en")
    response = client.get(f"/reports/participants.csv?{QUERY}")
    assert response.status_code == 200 and response.streamed
    assert 'filename="participants-2026-03-01-2026-06-30.csv"' in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    got = {(r["Workshop"], r["Email"]): int(r["Participations in the period"]) for r in rows}
    assert got == _expected(db) and len(rows) == len(got) > 20
    assert {r["Place"] for r in rows} <= {"Enrolled", "Completed"}
    # The same rows in Excel.
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/participants.xlsx?{QUERY}").data), read_only=True)
    sheet = book["Participants"]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][0] == "Workshop" and len(lines) == len(rows) + 1
    # Every download is in the audit trail, with its filters and no personal data.
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.exported")).all()
    assert [e.changes["report"]["new"] for e in entries] == ["participants", "participants"]
    assert all("@" not in str(e.changes) for e in entries)


def test_everyone_who_asked_for_a_place(client, as_role, factory, db):
    _generate(factory, db)
    as_role("manager", locale="en")
    holders = _csv_rows(client.get(f"/reports/participants.csv?{QUERY}"))
    everyone = _csv_rows(client.get(f"/reports/participants.csv?{QUERY}&places=all"))
    assert {r["Place"] for r in everyone} >= {"Enrolled", "Completed", "Cancelled", "Waitlisted"}
    assert [r for r in everyone if r["Place"] in ("Enrolled", "Completed")] == holders
    assert all(r["Participations in the period"] == "0" for r in everyone if r["Place"] in ("Cancelled", "Waitlisted"))


def test_person_filters_narrow_the_list(client, as_role, factory, db):
    _generate(factory, db)
    as_role("manager", locale="en")
    rows = _csv_rows(client.get(f"/reports/participants.csv?{QUERY}&sex=female"))
    assert rows and {r["Sex"] for r in rows} == {"Women"}


def test_values_cannot_run_as_formulas(client, as_role, factory, db):
    _generate(factory, db)
    person = db.session.get(User, db.session.scalar(
        select(Enrolment.user_id).where(Enrolment.status == "enrolled")
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .where(Workshop.status == "published", Workshop.start_date >= PERIOD[0], Workshop.end_date <= PERIOD[1])))
    person.family_name = "=HYPERLINK(\"http://evil.example\")"
    db.session.commit()
    as_role("manager", locale="en")
    rows = _csv_rows(client.get(f"/reports/participants.csv?{QUERY}"))
    assert "'=HYPERLINK(\"http://evil.example\")" in {r["Family name"] for r in rows}
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/reports/participants.xlsx?{QUERY}").data))
    cells = [c for row in book["Participants"].iter_rows() for c in row if str(c.value).startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_list_streams_in_a_fixed_number_of_queries(client, as_role, factory, db, count_queries):
    as_role("manager", locale="en")

    def queries() -> int:
        with count_queries() as counter:
            response = client.get(f"/reports/participants.csv?{QUERY}")
            body = response.get_data(as_text=True)
        assert response.status_code == 200 and body.startswith("\ufeff")
        return counter.count

    _generate(factory, db, seed=3, prefix="a")
    few = db.session.scalar(select(func.count(Enrolment.id)))
    first = queries()
    _generate(factory, db, seed=4, prefix="b")
    _generate(factory, db, seed=5, prefix="c")
    assert db.session.scalar(select(func.count(Enrolment.id))) >= 3 * few
    assert queries() == first


def test_only_managers_and_admins_get_the_list(app, factory):
    for role, status in (("donor", 403), ("trainer", 403), ("trainee", 403), ("manager", 200), ("admin", 200)):
        client = app.test_client()
        login(client, factory.user(roles=(role,)))
        assert client.get(f"/reports/participants.csv?{QUERY}").status_code == status, role
    assert app.test_client().get(f"/reports/participants.csv?{QUERY}").status_code in (302, 401)
    client = app.test_client()
    login(client, factory.user(roles=("manager",)))
    assert client.get(f"/reports/participants.pdf?{QUERY}").status_code == 404


def test_the_command_writes_the_list(runner, factory, db, tmp_path):
    _generate(factory, db)
    out = tmp_path / "people.csv"
    result = runner.invoke(args=["lga", "report", "participants", "--from", "2026-03-01", "--to", "2026-06-30",
                                 "--language", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")[1:])))
    assert {(r["Workshop"], r["Email"]) for r in rows} == set(_expected(db))
    assert f"({len(rows):,} people)" in result.output
    xlsx = tmp_path / "people.xlsx"
    result = runner.invoke(args=["lga", "report", "participants", "--from", "2026-03-01", "--to", "2026-06-30",
                                 "--format", "xlsx", "-o", str(xlsx)])
    assert result.exit_code == 0 and xlsx.read_bytes()[:2] == b"PK"
    bad = runner.invoke(args=["lga", "report", "participants", "--from", "2026-06-30", "--to", "2026-03-01",
                              "-o", str(out)])
    assert bad.exit_code == 2 and "--to is before --from" in bad.output
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "report.exported")) == 2
