"""Online attendance: a Teams or Zoom report matched to a session's people and written once."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from lga.attendance.models import Attendance
from lga.audit.models import AuditEntry
from lga.catalogue.models import WorkshopSession
from lga.enrolment.models import Enrolment

# A Teams "attendance report" as Teams saves it: UTF-16 with BOM, tabs, the summary first.
# The session runs 09:00-12:00 in Prishtina on 24 November 2026 (08:00-11:00 UTC).
TEAMS = "\r\n".join([
    "1. Summary",
    "Meeting title\tPlanifikimi i financimit",
    "Attended participants\t4",
    "Start time\t11/24/26, 8:50:00 AM",
    "End time\t11/24/26, 12:10:00 PM",
    "",
    "2. Participants",
    "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
    "Valbona Krasniqi\t11/24/26, 8:50:00 AM\t11/24/26, 12:10:00 PM\t3h 20m\tValbona.Krasniqi@prizren.example\t\tAttendee",
    "Dragan Đorđević\t11/24/26, 9:00:00 AM\t11/24/26, 10:00:00 AM\t1h\t\t\tAttendee",
    "Arta Gashi (Guest)\t11/24/26, 9:00:00 AM\t11/24/26, 11:45:00 AM\t2h 45m\t\t\tAttendee",
    "Someone Unknown\t11/24/26, 9:00:00 AM\t11/24/26, 12:00:00 PM\t3h\t\t\tAttendee",
    "",
    "3. In-Meeting Activities",
    "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole",
    "Valbona Krasniqi\t11/24/26, 8:50:00 AM\t11/24/26, 12:10:00 PM\t3h 20m\tValbona.Krasniqi@prizren.example\tAttendee",
    "Dragan Đorđević\t11/24/26, 9:00:00 AM\t11/24/26, 10:00:00 AM\t1h\t\tAttendee",
    "Arta Gashi (Guest)\t11/24/26, 9:00:00 AM\t11/24/26, 11:45:00 AM\t2h 45m\t\tAttendee",
    "Someone Unknown\t11/24/26, 9:00:00 AM\t11/24/26, 12:00:00 PM\t3h\t\tAttendee",
    "",
]).encode("utf-16")


def teams_session(factory, db, *, trainers=(), with_besa=False):
    """The session of the Teams report above and the people it names, enrolled. With ``with_besa``
    also Besa Hoxha, who joined from a colleague's laptop (the report's "Someone Unknown")."""
    from datetime import date

    workshop = factory.workshop(start=date(2026, 11, 24), sessions=1, mode="virtual",
                                meeting_url="https://teams.example/m", trainers=list(trainers))
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id))
    session.starts_at = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
    session.ends_at = datetime(2026, 11, 24, 11, 0, tzinfo=timezone.utc)
    people = {
        "valbona": factory.user(password=None, email="valbona.krasniqi@prizren.example", given_name="Valbona",
                                family_name="Krasniqi"),
        "dragan": factory.user(password=None, email="dragan@gracanica.example", given_name="Dragan",
                               family_name="Djordjevic"),
        "arta": factory.user(password=None, email="arta@peja.example", given_name="Arta", family_name="Gashi"),
    }
    if with_besa:
        people["besa"] = factory.user(password=None, email="besa@ferizaj.example", given_name="Besa",
                                      family_name="Hoxha")
    for person in people.values():
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    return session, people


def _setup(factory, db, tmp_path):
    session, people = teams_session(factory, db)
    path = tmp_path / "attendance.csv"
    path.write_bytes(TEAMS)
    return session, people, path


def _records(db, session_id):
    db.session.expire_all()
    return {a.user_id: (a.status, a.minutes_online, a.source)
            for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session_id))}


def test_teams_report_is_matched_clipped_and_written_once(runner, factory, db, tmp_path):
    session, people, path = _setup(factory, db, tmp_path)
    result = runner.invoke(args=["lga", "import-attendance", "--session", str(session.id), str(path)])
    assert result.exit_code == 0, result.output
    assert "3 matched, 1 not matched" in result.output and "Someone Unknown" in result.output
    assert _records(db, session.id) == {
        people["valbona"].id: ("present", 180, "teams"),  # email in another case; early and late minutes cut
        people["dragan"].id: ("partial", 60, "teams"),    # Đorđević = Djordjevic
        people["arta"].id: ("present", 165, "teams"),     # (Guest) dropped; 165/180 is above 75%
    }
    audited = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "attendance.changed"))
    again = runner.invoke(args=["lga", "import-attendance", "--session", str(session.id), str(path)])
    assert "Written: 0 attendance records changed." in again.output
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "attendance.changed")) == audited


def test_the_trainers_word_in_the_room_stands(runner, factory, db, tmp_path):
    session, people, path = _setup(factory, db, tmp_path)
    db.session.add(Attendance(session_id=session.id, user_id=people["dragan"].id, status="excused", source="roll_call"))
    db.session.commit()
    runner.invoke(args=["lga", "import-attendance", "--session", str(session.id), str(path)])
    status, minutes, source = _records(db, session.id)[people["dragan"].id]
    assert (status, minutes, source) == ("excused", 60, "roll_call")


def test_a_higher_share_makes_fewer_present(runner, factory, db, tmp_path):
    session, people, path = _setup(factory, db, tmp_path)
    from lga.catalogue.models import Workshop

    db.session.get(Workshop, session.workshop_id).online_share = 95
    db.session.commit()
    runner.invoke(args=["lga", "import-attendance", "--session", str(session.id), str(path)])
    assert _records(db, session.id)[people["arta"].id][0] == "partial"


def test_dry_run_and_broken_files_write_nothing(runner, factory, db, tmp_path):
    session, _people, path = _setup(factory, db, tmp_path)
    result = runner.invoke(args=["lga", "import-attendance", "--session", str(session.id), "--dry-run", str(path)])
    assert result.exit_code == 0 and "nothing was written" in result.output
    broken = tmp_path / "broken.csv"
    broken.write_bytes(TEAMS[: len(TEAMS) // 2])
    result = runner.invoke(args=["lga", "import-attendance", "--session", str(session.id), str(broken)])
    assert result.exit_code == 1 and "Nothing was written." in result.output
    assert runner.invoke(args=["lga", "import-attendance", "--session", "999999", str(path)]).exit_code == 2
    assert _records(db, session.id) == {}
