"""The attendance sheet: people × sessions on a page and in CSV/XLSX, safe against formula injection."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from lga.attendance.models import Attendance
from lga.catalogue.models import WorkshopSession
from lga.enrolment.models import Enrolment


def _setup(factory, db, trainer, n=2):
    workshop = factory.workshop(trainers=[trainer], start=date.today() - timedelta(days=1), sessions=2)
    sessions = db.session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id)
                                  .order_by(WorkshopSession.starts_at)).all()
    people = [factory.user(password=None, family_name=f"Krasniqi {i}") for i in range(n)]
    for person in people:
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    return workshop, sessions, people


def test_sheet_page_and_exports(client, factory, as_role, db):
    trainer = as_role("trainer", locale="en")
    workshop, sessions, people = _setup(factory, db, trainer)
    evil = factory.user(password=None, given_name="=HYPERLINK(\"http://x\")", family_name="@SUM(A1)",
                        position="+cmd")
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=evil.id, status="enrolled"))
    db.session.add_all([
        Attendance(session_id=sessions[0].id, user_id=people[0].id, status="present", source="roll_call"),
        Attendance(session_id=sessions[1].id, user_id=people[0].id, status="partial", source="zoom", minutes_online=40),
    ])
    db.session.commit()
    html = client.get(f"/workshops/{workshop.id}/attendance").get_data(as_text=True)
    assert people[0].full_name in html and "Present" in html and "40 minutes online" in html

    response = client.get(f"/workshops/{workshop.id}/attendance.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["Name", "Email"] and len(rows[0]) == 5 + 2 * 2
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name[people[0].full_name][5:] == ["Present", "", "Partly", "40"]
    dangerous = next(r for r in rows[1:] if "HYPERLINK" in r[0])
    assert dangerous[0].startswith("'=") and dangerous[4] == "'+cmd"

    response = client.get(f"/workshops/{workshop.id}/attendance.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Name" and len(values) == 4
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula


def test_sheet_runs_a_fixed_number_of_queries(client, factory, as_role, db, count_queries):
    trainer = as_role("trainer")
    workshop, _sessions, _people = _setup(factory, db, trainer, n=2)
    url = f"/workshops/{workshop.id}/attendance"
    client.get(url)
    with count_queries() as small:
        client.get(url)
    for _ in range(30):
        person = factory.user(password=None)
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    with count_queries() as large:
        client.get(url)
    assert large.count == small.count, "\n".join(large.statements)


def test_only_the_workshops_staff_see_the_sheet(client, factory, as_role, db):
    as_role("trainer")
    workshop, _sessions, _people = _setup(factory, db, factory.user(roles=("trainer",), password=None))
    for suffix in ("", ".csv", ".xlsx"):
        assert client.get(f"/workshops/{workshop.id}/attendance{suffix}").status_code == 403


def test_every_download_of_the_sheet_is_in_the_audit_trail(client, factory, as_role, db):
    from lga.audit.models import AuditEntry

    trainer = as_role("trainer")
    workshop, _sessions, _people = _setup(factory, db, trainer, n=2)
    for suffix in (".csv", ".xlsx"):
        assert client.get(f"/workshops/{workshop.id}/attendance{suffix}").status_code == 200
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "personal_data.exported")).all()
    assert [(e.actor_id, e.changes["format"]["new"]) for e in entries] == [(trainer.id, "csv"), (trainer.id, "xlsx")]
