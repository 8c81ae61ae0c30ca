"""Online attendance in the web UI: upload a Teams/Zoom report, match the rest by hand, save once."""
from __future__ import annotations

import io
import re
from sqlalchemy import func, select

from lga.attendance.models import Attendance, AttendanceUpload
from lga.enrolment.models import Enrolment
from tests.conftest import csrf_token, post_form
from tests.integration.test_online_attendance import TEAMS, teams_session

ZOOM = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
    "Besa Hoxha,,11/24/2026 09:00:00 AM,11/24/2026 10:30:00 AM,90,Yes\r\n"
    "Besa Hoxha,,11/24/2026 10:20:00 AM,11/24/2026 12:00:00 PM,100,Yes\r\n"
    "BH iPhone,,11/24/2026 09:00:00 AM,11/24/2026 12:00:00 PM,180,Yes\r\n"
).encode()


def _setup(factory, db, trainer):
    return teams_session(factory, db, trainers=[trainer], with_besa=True)


def _upload(client, session_id, content, name="AttendanceReport.csv", **kwargs):
    return client.post(f"/sessions/{session_id}/attendance-import", data={
        "csrf_token": csrf_token(client), "file": (io.BytesIO(content), name)}, content_type="multipart/form-data",
        **kwargs)


def _records(db, session_id):
    db.session.expire_all()
    return {a.user_id: (a.status, a.minutes_online, a.source)
            for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session_id))}


def _uploads(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AttendanceUpload))


def test_upload_match_by_hand_and_save_once(client, factory, as_role, db):
    trainer = as_role("trainer", locale="en")
    session, people = _setup(factory, db, trainer)
    response = _upload(client, session.id, TEAMS)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    preview_url = response.headers["Location"]
    assert _records(db, session.id) == {}  # nothing is written before the trainer saves

    html = client.get(preview_url).get_data(as_text=True)
    assert "Someone Unknown" in html and "Valbona Krasniqi" in html
    index = re.search(r'<select id="match-(\d+)" name="match-\d+"', html).group(1)
    # Only people not matched yet are offered for the unmatched row.
    select_html = html[html.index(f'id="match-{index}"'):].split("</select>")[0]
    assert people["besa"].email in select_html and people["valbona"].email not in select_html

    # "Check the matches again" shows the choice and still writes nothing.
    checked = post_form(client, preview_url, {"action": "check", f"match-{index}": str(people["besa"].id)})
    assert checked.status_code == 200
    assert re.search(rf'<option value="{people["besa"].id}" selected>', checked.get_data(as_text=True))
    assert _records(db, session.id) == {}

    saved = post_form(client, preview_url, {"action": "save", f"match-{index}": str(people["besa"].id)},
                      follow_redirects=True)
    assert saved.status_code == 200 and "4 records changed" in saved.get_data(as_text=True)
    assert _records(db, session.id) == {
        people["valbona"].id: ("present", 180, "teams"),
        people["dragan"].id: ("partial", 60, "teams"),
        people["arta"].id: ("present", 165, "teams"),
        people["besa"].id: ("present", 180, "teams"),  # matched by hand
    }
    assert _uploads(db) == 0
    # The link is spent; the same file again with the same choice changes nothing.
    assert client.get(preview_url).status_code == 400
    again = _upload(client, session.id, TEAMS)
    post_form(client, again.headers["Location"], {"action": "save", f"match-{index}": str(people["besa"].id)})
    assert _records(db, session.id)[people["besa"].id] == ("present", 180, "teams")


def test_zoom_intervals_of_one_person_are_merged(client, factory, as_role, db):
    trainer = as_role("trainer", locale="en")
    session, people = _setup(factory, db, trainer)
    response = _upload(client, session.id, ZOOM, name="participants_8112345678.csv")
    preview_url = response.headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    # Besa is found by name; her two overlapping intervals make 180 minutes, not 190.
    assert "Besa Hoxha" in html and ">180<" in html
    phone = re.search(r'<select id="match-(\d+)"', html).group(1)  # "BH iPhone" is not matched
    post_form(client, preview_url, {"action": "save", f"match-{phone}": str(people["besa"].id)})
    assert _records(db, session.id) == {people["besa"].id: ("present", 180, "zoom")}


def test_bad_files_and_bad_choices_write_nothing(client, factory, as_role, db):
    trainer = as_role("trainer", locale="en")
    session, people = _setup(factory, db, trainer)
    for content, message in [
        (b"", "The file is empty"),
        (b"Name,Colour\r\nArta,blue\r\n", "participant"),
        (b"PK\x03\x04 spreadsheet", "spreadsheet"),
    ]:
        response = _upload(client, session.id, content)
        assert response.status_code == 400
        assert message.lower() in response.get_data(as_text=True).lower()
    assert _uploads(db) == 0

    # A report of another day's meeting does not fit the session.
    other_day = TEAMS.decode("utf-16").replace("11/24/26", "11/25/26").encode("utf-16")
    response = _upload(client, session.id, other_day)
    assert response.status_code == 400 and "during the session" in response.get_data(as_text=True)

    preview_url = _upload(client, session.id, TEAMS).headers["Location"]
    stranger = factory.user(password=None)  # holds no place in the workshop
    refused = post_form(client, preview_url, {"action": "save", "match-3": str(stranger.id)})
    assert refused.status_code == 400 and "holding a place" in refused.get_data(as_text=True)
    assert post_form(client, preview_url, {"action": "save", "match-99": str(people["besa"].id)}).status_code == 400
    assert post_form(client, preview_url, {"action": "save", "match-x": "1"}).status_code == 400
    assert _records(db, session.id) == {} and _uploads(db) == 1
    # Discarding removes the file.
    post_form(client, preview_url.replace("/attendance-imports/", "/attendance-imports/", 1) + "/cancel")
    assert _uploads(db) == 0 and _records(db, session.id) == {}


def test_only_the_uploader_and_the_workshops_staff(client, factory, as_role, db):
    trainer = as_role("trainer", locale="en")
    session, _people = _setup(factory, db, trainer)
    preview_url = _upload(client, session.id, TEAMS).headers["Location"]
    post_form(client, "/logout")
    as_role("trainer")  # another trainer, not of this workshop
    assert client.get(f"/sessions/{session.id}/attendance-import").status_code == 403
    assert _upload(client, session.id, TEAMS).status_code == 403
    assert client.get(preview_url).status_code == 400  # someone else's report is unknown
    assert post_form(client, preview_url, {"action": "save"}).status_code == 400
    post_form(client, "/logout")
    as_role("trainee")
    assert client.get(f"/sessions/{session.id}/attendance-import").status_code == 403
    assert _records(db, session.id) == {} and _uploads(db) == 1


def test_preview_runs_a_fixed_number_of_queries(client, factory, as_role, db, count_queries):
    trainer = as_role("trainer", locale="en")
    session, _people = _setup(factory, db, trainer)
    preview_url = _upload(client, session.id, TEAMS).headers["Location"]
    client.get(preview_url)
    with count_queries() as small:
        client.get(preview_url)
    for i in range(25):
        person = factory.user(password=None, family_name=f"Morina {i}")
        db.session.add(Enrolment(workshop_id=session.workshop_id, user_id=person.id, status="enrolled"))
    db.session.commit()
    with count_queries() as large:
        client.get(preview_url)
    assert large.count == small.count, "\n".join(large.statements)
