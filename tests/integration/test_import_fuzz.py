"""Broken files through the web importers: never a 500, never half an import.

Hypothesis mangles real Zoom/Teams reports and staff lists (flipped, cut and inserted bytes,
dropped and repeated lines, cells replaced with junk), or sends bytes that are nothing at all, and
drives the whole web flow with each: upload, preview, save. Whatever it sends, the answer is a
page (a redirect or a clear 400), and what is written is all of an import or none of it.
"""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lga.accounts.models import User
from lga.attendance.models import Attendance, AttendanceUpload
from lga.catalogue.models import WorkshopSession
from lga.enrolment.models import HOLDS_PLACE, Enrolment, StaffImport
from tests.conftest import csrf_token
from tests.integration.test_attendance_import_web import ZOOM
from tests.integration.test_import_people import GOOD, csv_bytes, xlsx_bytes
from tests.integration.test_online_attendance import TEAMS

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
JUNK_CELLS = ["", "=HYPERLINK(\"x\")", "13/45/2026 25:61", "😀", "\x00", ";;;", "\"", "-1", "9" * 40, "Ë" * 300]


@st.composite
def mangled(draw, base: bytes) -> bytes:
    """``base`` after a few random edits of the kinds real files suffer."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 5))):
        edit = draw(st.sampled_from(["flip", "cut", "insert", "drop_line", "repeat_line", "junk_cell"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if edit == "flip":
            data[at] = draw(st.integers(0, 255))
        elif edit == "cut":
            data = data[:at]
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=20))
        else:
            lines = bytes(data).split(b"\n")
            index = draw(st.integers(0, len(lines) - 1))
            if edit == "drop_line":
                del lines[index]
            elif edit == "repeat_line":
                lines.insert(index, lines[index])
            else:
                separator = b"\t\x00" if b"\t\x00" in lines[index] else b"," if b"," in lines[index] else b";"
                cells = lines[index].split(separator)
                cells[draw(st.integers(0, len(cells) - 1))] = draw(st.sampled_from(JUNK_CELLS)).encode(
                    "utf-16-le" if separator == b"\t\x00" else "utf-8")
                lines[index] = separator.join(cells)
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_meeting_reports_never_break_the_importer(client, factory, as_role, db):
    trainer = as_role("trainer", locale="en")
    workshop = factory.workshop(start=date(2026, 11, 24), sessions=1, mode="virtual",
                                meeting_url="https://teams.example/m", trainers=[trainer])
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id))
    session.starts_at = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
    session.ends_at = datetime(2026, 11, 24, 11, 0, tzinfo=timezone.utc)
    people = [factory.user(password=None, email=email, given_name=given, family_name=family)
              for email, given, family in [("valbona.krasniqi@prizren.example", "Valbona", "Krasniqi"),
                                           ("dragan@gracanica.example", "Dragan", "Djordjevic"),
                                           ("besa@ferizaj.example", "Besa", "Hoxha")]]
    for person in people:
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    token = csrf_token(client)
    holders = {p.id for p in people}

    @FUZZ
    @given(content=st.one_of(mangled(TEAMS), mangled(ZOOM), st.binary(max_size=400)),
           name=st.sampled_from(["report.csv", "AttendanceReport.csv", "participants.txt", "x"]))
    def check(content, name):
        uploads = _count(db, AttendanceUpload)
        response = client.post(f"/sessions/{session.id}/attendance-import", data={
            "csrf_token": token, "file": (io.BytesIO(content), name)}, content_type="multipart/form-data")
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 400:
            assert _count(db, AttendanceUpload) == uploads  # refused: nothing kept
            return
        preview = response.headers["Location"]
        assert client.get(preview).status_code == 200
        saved = client.post(preview, data={"csrf_token": token, "action": "save"})
        assert saved.status_code == 302, saved.status_code
        assert _count(db, AttendanceUpload) == uploads
        written = set(db.session.scalars(select(Attendance.user_id).where(Attendance.session_id == session.id)))
        assert written <= holders  # only people holding a place, whatever the file said

    check()


def test_staff_lists_never_break_the_importer(client, factory, as_role, db):
    as_role("manager", locale="en")
    workshop = factory.workshop(start=date.today(), capacity=2)
    token = csrf_token(client)
    good_csv = csv_bytes(GOOD)
    good_xlsx = xlsx_bytes([line.split(";") for line in GOOD])

    @FUZZ
    @given(content=st.one_of(mangled(good_csv), mangled(good_csv.decode().encode("cp1250")),
                             mangled(good_xlsx), st.binary(max_size=400)),
           name=st.sampled_from(["staff.csv", "staff.xlsx", "staff.txt"]),
           into_workshop=st.booleans())
    def check(content, name, into_workshop):
        users, imports = _count(db, User), _count(db, StaffImport)
        places = _count(db, Enrolment, Enrolment.workshop_id == workshop.id, Enrolment.status.in_(HOLDS_PLACE))
        response = client.post("/manage/import", data={
            "csrf_token": token, "file": (io.BytesIO(content), name),
            "workshop_id": str(workshop.id) if into_workshop else ""}, content_type="multipart/form-data")
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 400:
            assert (_count(db, User), _count(db, StaffImport)) == (users, imports)
            return
        preview = response.headers["Location"]
        assert client.get(preview).status_code == 200
        confirmed = client.post(preview + "/confirm", data={"csrf_token": token})
        assert confirmed.status_code in (302, 400), confirmed.status_code
        if confirmed.status_code == 400:  # rows with problems: not one of them written
            assert _count(db, User) == users
            assert _count(db, Enrolment, Enrolment.workshop_id == workshop.id,
                          Enrolment.status.in_(HOLDS_PLACE)) == places
            client.post(preview + "/cancel", data={"csrf_token": token})
        assert _count(db, StaffImport) == imports
        # Never more places than the workshop has, whatever the file held.
        assert _count(db, Enrolment, Enrolment.workshop_id == workshop.id, Enrolment.status.in_(HOLDS_PLACE)) <= 2

    check()
