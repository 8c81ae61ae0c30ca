"""Reading Zoom participant reports and Teams attendance reports as the platforms export them:
encodings, summaries before the list, header languages, reconnects, two devices, and files that
must be refused whole."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from lga.attendance.online_report import (
    OnlineReport, ReportError, fold_name, merge_intervals, read_report,
)

UTC = timezone.utc


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def by_name(report: OnlineReport) -> dict:
    return {fold_name(p.name): p for p in report.participants}


# --- Fixtures, in the platforms' own shapes ----------------------------------------------------

# Zoom web portal, Reports > Usage > Participants > Export with "meeting data": UTF-8, commas,
# a trailing comma on every line, 12-hour US times, one row per join/leave interval.
ZOOM_WITH_SUMMARY = (
    "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants,\n"
    '812 3456 7890,"Planifikimi buxhetor, dita 1",11/24/2026 08:55:02 AM,11/24/2026 12:03:40 PM,'
    "trainer@klgi.example,189,5,\n"
    "\n"
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent,\n"
    "Trajneri KLGI,trainer@klgi.example,11/24/2026 08:55:02 AM,11/24/2026 12:03:40 PM,189,No,,\n"
    "Arbëresha Çeku,arberesha.ceku@prishtina.example,11/24/2026 09:01:12 AM,11/24/2026 10:15:40 AM,75,No,Y,\n"
    "Dragan Đorđević (iPhone),dragan@gracanica.example,11/24/2026 10:30:00 AM,11/24/2026 11:30:00 AM,60,No,Y,\n"
    "Arbëresha Çeku,arberesha.ceku@prishtina.example,11/24/2026 10:22:05 AM,11/24/2026 12:00:00 PM,98,No,Y,\n"
    "Dragan Đorđević,DRAGAN@gracanica.example,11/24/2026 09:00:00 AM,11/24/2026 11:00:00 AM,120,No,Y,\n"
    "Besa Gashi,,11/24/2026 09:30:00 AM,11/24/2026 11:00:30 AM,91,Yes,Y,\n"
)

# An older Zoom export: no meeting block, five columns, ISO times.
ZOOM_OLD = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
    "Agim Morina,agim.morina@peja.example,2026-11-24 09:00:00,2026-11-24 09:40:59,41\n"
    "Agim Morina (Agim's Galaxy),,2026-11-24 09:40:00,2026-11-24 10:00:00,20\n"
)

# Teams, current export (Attendance > Download): UTF-16 LE with BOM, tabs, three sections.
TEAMS_EN = "\r\n".join([
    "1. Summary",
    "Meeting title\tMenaxhimi i financave komunale",
    "Attended participants\t3",
    "Start time\t11/24/26, 8:58:10 AM",
    "End time\t11/24/26, 12:01:44 PM",
    "Meeting duration\t3h 3m 34s",
    "Average attendance time\t2h 26m 3s",
    "",
    "2. Participants",
    "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
    "Trajneri KLGI\t11/24/26, 8:58:10 AM\t11/24/26, 12:01:44 PM\t3h 3m 34s\ttrainer@klgi.example\t"
    "trainer@klgi.example\tOrganizer",
    "Valbona Krasniqi\t11/24/26, 9:02:00 AM\t11/24/26, 11:45:00 AM\t2h 28m\tvalbona.krasniqi@prizren.example\t"
    "valbona.krasniqi@prizren.example\tAttendee",
    "Ilir Berisha (External)\t11/24/26, 9:10:00 AM\t11/24/26, 10:40:00 AM\t1h 30m\t\t"
    "ilir.berisha_mail.example#EXT#@klgi.onmicrosoft.example\tAttendee",
    "",
    "3. In-Meeting Activities",
    "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole",
    "Trajneri KLGI\t11/24/26, 8:58:10 AM\t11/24/26, 12:01:44 PM\t3h 3m 34s\ttrainer@klgi.example\tOrganizer",
    "Valbona Krasniqi\t11/24/26, 9:02:00 AM\t11/24/26, 10:00:00 AM\t58m\tvalbona.krasniqi@prizren.example\tAttendee",
    "Valbona Krasniqi\t11/24/26, 10:15:00 AM\t11/24/26, 11:45:00 AM\t1h 30m\tvalbona.krasniqi@prizren.example\tAttendee",
    "Ilir Berisha (External)\t11/24/26, 9:10:00 AM\t11/24/26, 10:40:00 AM\t1h 30m\t\tAttendee",
    "",
])

# The same export from a German Teams: German labels, day-first dotted dates, 24-hour clock.
TEAMS_DE = "\r\n".join([
    "1. Zusammenfassung",
    "Besprechungstitel\tMenaxhimi i financave komunale",
    "Teilnehmer insgesamt\t2",
    "Startzeit\t24.11.26, 08:58:10",
    "Endzeit\t24.11.26, 12:01:44",
    "Besprechungsdauer\t3 Std. 3 Min. 34 Sek.",
    "",
    "2. Teilnehmer",
    "Name\tErster Beitritt\tLetztes Verlassen\tDauer der Besprechung\tE-Mail\tTeilnehmer-ID (UPN)\tRolle",
    "Trajneri KLGI\t24.11.26, 08:58:10\t24.11.26, 12:01:44\t3 Std. 3 Min.\ttrainer@klgi.example\t"
    "trainer@klgi.example\tOrganisator",
    "Žaklina Čolić\t24.11.26, 09:05:00\t24.11.26, 11:05:00\t1 Std. 40 Min.\tzaklina@gracanica.example\t"
    "zaklina@gracanica.example\tTeilnehmer",
    "",
    "3. Aktivitäten in der Besprechung",
    "Name\tBeitreten\tVerlassen\tDauer\tE-Mail\tRolle",
    "Trajneri KLGI\t24.11.26, 08:58:10\t24.11.26, 12:01:44\t3 Std. 3 Min.\ttrainer@klgi.example\tOrganisator",
    "Žaklina Čolić\t24.11.26, 09:05:00\t24.11.26, 10:00:00\t55 Min.\tzaklina@gracanica.example\tTeilnehmer",
    "Žaklina Čolić\t24.11.26, 10:20:00\t24.11.26, 11:05:00\t45 Min.\tzaklina@gracanica.example\tTeilnehmer",
    "",
])

# Teams' older attendance list: a summary, then one row per join or leave event.
TEAMS_OLD = "\r\n".join([
    "Meeting Summary",
    "Total Number of Participants\t3",
    "Meeting Title\tProkurimi publik",
    "Meeting Start Time\t11/24/2026, 9:00:00 AM",
    "Meeting End Time\t11/24/2026, 11:00:00 AM",
    "",
    "Full Name\tUser Action\tTimestamp",
    "Trajneri KLGI\tJoined\t11/24/2026, 9:00:00 AM",
    "Drita Hoxha\tJoined\t11/24/2026, 9:05:00 AM",
    "Drita Hoxha\tLeft\t11/24/2026, 9:45:00 AM",
    "Drita Hoxha\tJoined\t11/24/2026, 9:50:00 AM",
    "Drita Hoxha\tJoined\t11/24/2026, 10:00:00 AM",  # her phone as well
    "Drita Hoxha\tLeft\t11/24/2026, 10:30:00 AM",
    "Drita Hoxha\tLeft\t11/24/2026, 10:40:00 AM",
    "Fatmir Rexhepi\tJoined before\t11/24/2026, 9:00:00 AM",  # never leaves: counted to the end
    "Trajneri KLGI\tLeft\t11/24/2026, 11:00:00 AM",
])


def teams_bytes(text: str) -> bytes:
    return text.encode("utf-16")  # BOM + little-endian, as Teams saves it


# --- Zoom ------------------------------------------------------------------------------------

def test_zoom_report_with_meeting_block():
    report = read_report("participants_81234567890.csv", ZOOM_WITH_SUMMARY.encode("utf-8"))
    assert report.platform == "zoom" and report.encoding == "utf-8"
    assert report.title == "Planifikimi buxhetor, dita 1"
    # 08:55:02 in Prishtina in November is 07:55:02 UTC.
    assert (report.starts_at, report.ends_at) == (utc(2026, 11, 24, 7, 55, 2), utc(2026, 11, 24, 11, 3, 40))
    assert [p.name for p in report.participants] == [
        "Trajneri KLGI", "Arbëresha Çeku", "Dragan Đorđević (iPhone)", "Besa Gashi"]
    people = by_name(report)

    arberesha = people["arberesha ceku"]  # reconnected: the gap 10:15:40-10:22:05 is not counted
    assert arberesha.email == "arberesha.ceku@prishtina.example"
    assert arberesha.intervals == [(utc(2026, 11, 24, 8, 1, 12), utc(2026, 11, 24, 9, 15, 40)),
                                   (utc(2026, 11, 24, 9, 22, 5), utc(2026, 11, 24, 11, 0, 0))]
    assert arberesha.minutes == 172  # 74:28 + 97:55 = 172:23, rounded down
    assert arberesha.rows == [6, 8]

    dragan = people["dragan dordevic"]  # laptop 9:00-11:00 and phone 10:30-11:30: 150, not 180
    assert dragan.email == "dragan@gracanica.example"
    assert dragan.intervals == [(utc(2026, 11, 24, 8, 0), utc(2026, 11, 24, 10, 30))]
    assert dragan.minutes == 150 and dragan.rows == [7, 9]

    besa = people["besa gashi"]  # a guest: a name and no email
    assert besa.email is None and besa.minutes == 90 and besa.rows == [10]


def test_zoom_older_export_iso_times_and_a_second_device_without_sign_in():
    report = read_report("participants.csv", ZOOM_OLD.encode("utf-8"))
    assert report.platform == "zoom" and report.title is None
    # No meeting block: the report spans its first join to its last leave.
    assert (report.starts_at, report.ends_at) == (utc(2026, 11, 24, 8, 0), utc(2026, 11, 24, 9, 0))
    [agim] = report.participants  # the phone's name-only row joins the signed-in person
    assert agim.email == "agim.morina@peja.example"
    assert agim.intervals == [(utc(2026, 11, 24, 8, 0), utc(2026, 11, 24, 9, 0))]
    assert agim.minutes == 60 and agim.rows == [2, 3]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be"])
def test_zoom_in_every_unicode_encoding(encoding):
    content = ZOOM_WITH_SUMMARY.encode(encoding)
    if encoding == "utf-16-be":
        content = b"\xfe\xff" + content
    report = read_report("participants.csv", content)
    assert "Arbëresha Çeku" in [p.name for p in report.participants]
    assert by_name(report)["dragan dordevic"].minutes == 150


def test_zoom_resaved_by_a_spreadsheet_with_semicolons_and_day_first_dates():
    text = ("Name (Original Name);User Email;Join Time;Leave Time;Duration (Minutes);Guest\r\n"
            "Lule Berisha;lule@ferizaj.example;24/11/2026 09:00;24/11/2026 10:30;90;No\r\n"
            "Blerim Shala;;03/11/2026 09:15;03/11/2026 10:00;45;Yes\r\n")
    report = read_report("participants.csv", text.encode("cp1250"))
    lule, blerim = report.participants
    assert lule.intervals == [(utc(2026, 11, 24, 8, 0), utc(2026, 11, 24, 9, 30))]
    # 24/11 settles the file as day-first, so 03/11 is the 3rd of November.
    assert blerim.intervals[0][0] == utc(2026, 11, 3, 8, 15)


def test_zoom_flattened_export_takes_the_participants_email_not_the_hosts():
    text = ("Topic,Meeting ID,User Name,User Email,Start Time,End Time,Duration (Minutes),Participants,"
            "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
            "Auditimi,812 3456 7890,Trajneri KLGI,trainer@klgi.example,11/24/2026 09:00:00 AM,"
            "11/24/2026 10:00:00 AM,60,2,Mimoza Kelmendi,mimoza@gjakova.example,11/24/2026 09:05:00 AM,"
            "11/24/2026 09:55:00 AM,50,No\n")
    report = read_report("participants.csv", text.encode())
    assert report.title == "Auditimi" and report.starts_at == utc(2026, 11, 24, 8, 0)
    [mimoza] = report.participants
    assert (mimoza.name, mimoza.email, mimoza.minutes) == ("Mimoza Kelmendi", "mimoza@gjakova.example", 50)


# --- Teams -----------------------------------------------------------------------------------

def test_teams_current_export_uses_the_in_meeting_activities():
    report = read_report("meetingAttendanceReport(Menaxhimi).csv", teams_bytes(TEAMS_EN))
    assert report.platform == "teams" and report.encoding == "utf-16"
    assert report.title == "Menaxhimi i financave komunale"
    assert (report.starts_at, report.ends_at) == (utc(2026, 11, 24, 7, 58, 10), utc(2026, 11, 24, 11, 1, 44))
    people = by_name(report)
    assert set(people) == {"trajneri klgi", "valbona krasniqi", "ilir berisha"}
    valbona = people["valbona krasniqi"]  # out 10:00-10:15: 58 + 90 minutes, not 163
    assert valbona.minutes == 148 and len(valbona.intervals) == 2
    assert valbona.rows == [18, 19]
    ilir = people["ilir berisha"]  # a guest's UPN is no email address
    assert ilir.name == "Ilir Berisha (External)" and ilir.email is None and ilir.minutes == 90


def test_teams_participants_section_alone_gives_first_join_to_last_leave():
    text = TEAMS_EN.split("3. In-Meeting Activities")[0]
    report = read_report("meetingAttendanceReport.csv", teams_bytes(text))
    valbona = by_name(report)["valbona krasniqi"]
    assert valbona.intervals == [(utc(2026, 11, 24, 8, 2), utc(2026, 11, 24, 10, 45))]
    assert valbona.minutes == 163 and valbona.rows == [12]


def test_teams_in_german():
    report = read_report("Anwesenheitsbericht.csv", teams_bytes(TEAMS_DE))
    assert report.platform == "teams" and report.title == "Menaxhimi i financave komunale"
    assert report.starts_at == utc(2026, 11, 24, 7, 58, 10)
    zaklina = by_name(report)["zaklina colic"]
    assert zaklina.email == "zaklina@gracanica.example"
    assert zaklina.intervals == [(utc(2026, 11, 24, 8, 5), utc(2026, 11, 24, 9, 0)),
                                 (utc(2026, 11, 24, 9, 20), utc(2026, 11, 24, 10, 5))]
    assert zaklina.minutes == 100


def test_teams_older_event_list_pairs_joins_and_leaves():
    report = read_report("meetingAttendanceList.csv", teams_bytes(TEAMS_OLD))
    assert report.platform == "teams" and report.title == "Prokurimi publik"
    people = by_name(report)
    drita = people["drita hoxha"]  # 9:05-9:45, then 9:50-10:40 on two devices: 40 + 50
    assert drita.intervals == [(utc(2026, 11, 24, 8, 5), utc(2026, 11, 24, 8, 45)),
                               (utc(2026, 11, 24, 8, 50), utc(2026, 11, 24, 9, 40))]
    assert drita.minutes == 90 and drita.rows == [9, 10, 11, 12, 13, 14]
    assert people["trajneri klgi"].minutes == 120
    assert people["fatmir rexhepi"].minutes == 120  # still in at the meeting's end


def test_teams_without_bom_and_in_utf8_is_read_too():
    assert read_report("a.csv", TEAMS_EN.encode("utf-16-le")).encoding == "utf-16-le"
    report = read_report("a.csv", TEAMS_EN.encode("utf-8-sig"))
    assert report.encoding == "utf-8-sig" and by_name(report)["valbona krasniqi"].minutes == 148


def test_naive_times_are_read_in_the_given_zone_summer_and_winter():
    summer = ZOOM_OLD.replace("2026-11-24", "2026-06-10")
    assert read_report("p.csv", summer.encode()).starts_at == utc(2026, 6, 10, 7, 0)  # CEST, UTC+2
    other = read_report("p.csv", ZOOM_OLD.encode(), tz=ZoneInfo("America/New_York"))
    assert other.starts_at == utc(2026, 11, 24, 14, 0)


# --- Files refused whole -----------------------------------------------------------------------

def error_of(content: bytes, filename: str = "report.csv") -> str:
    with pytest.raises(ReportError) as caught:
        read_report(filename, content)
    return str(caught.value)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_files(content):
    assert "empty" in error_of(content)


def test_binary_garbage_and_workbooks():
    assert "text" in error_of(bytes(range(256)) * 4)
    assert "text" in error_of(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x00")
    assert "workbook" in error_of(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "report.xlsx")


def test_a_file_that_is_no_meeting_report():
    assert "neither" in error_of("Emri;Email;Komuna\nBesa;besa@example.org;Prizren\n".encode())


def test_only_the_summary():
    zoom_summary = ZOOM_WITH_SUMMARY.split("\n\n")[0] + "\n"
    assert "neither" in error_of(zoom_summary.encode())
    teams_summary = TEAMS_EN.split("2. Participants")[0]
    assert "neither" in error_of(teams_bytes(teams_summary))


def test_a_header_without_rows():
    assert "no participants" in error_of(ZOOM_OLD.splitlines()[0].encode())


def test_missing_columns_are_named():
    text = ZOOM_OLD.replace(",Leave Time", ",Left At")
    message = error_of(text.encode())
    assert "required columns" in message and "Leave time" in message and "Join time" not in message


def test_truncated_files():
    cut = ZOOM_WITH_SUMMARY[:ZOOM_WITH_SUMMARY.index("11/24/2026 10:22:05 AM") + 15]
    message = error_of(cut.encode())
    assert message.startswith("Line 8:") and "11/24/2026 10:" in message
    cut_row = TEAMS_EN[:TEAMS_EN.rindex("\tAttendee")].rsplit("\t", 3)[0]  # the last row loses its leave
    assert error_of(teams_bytes(cut_row)).startswith("Line 20:")
    half_character = teams_bytes(TEAMS_EN)[:-1]  # odd length: UTF-16 broken mid-character
    assert "text" in error_of(half_character)


def test_leave_before_join_names_the_line():
    text = ZOOM_OLD.replace("2026-11-24 09:40:59", "2026-11-24 08:40:59")
    with pytest.raises(ReportError) as caught:
        read_report("p.csv", text.encode())
    assert caught.value.line == 2
    assert str(caught.value) == "Line 2: the leave time is before the join time."


def test_unreadable_times_and_actions_name_the_line():
    assert error_of(ZOOM_OLD.replace("2026-11-24 10:00:00", "yesterday").encode()).startswith("Line 3:")
    assert error_of(ZOOM_OLD.replace("2026-11-24 10:00:00", "2026-02-30 10:00:00").encode()).startswith("Line 3:")
    assert error_of(teams_bytes(TEAMS_OLD.replace("Left\t11/24/2026, 9:45", "Waved\t11/24/2026, 9:45"))) \
        .startswith("Line 10:")


# --- Names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, folded", [
    ("  Arbëresha   ÇEKU ", "arberesha ceku"),
    ("Dragan Đorđević", "dragan dordevic"),
    ("Dragan Djordjevic", "dragan dordevic"),
    ("Драган Ђорђевић", "dragan dordevic"),
    ("Žaklina Čolić-Šćekić", "zaklina colic scekic"),
    ("Ilir Berisha (External)", "ilir berisha"),
    ("Besa Gashi (Guest)", "besa gashi"),
    ("Agim Morina (Agim's Galaxy (2))", "agim morina"),
    ("Valbona Krasniqi [KK Prizren]", "valbona krasniqi"),
])
def test_fold_name(name, folded):
    assert fold_name(name) == folded


# --- Properties ------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_give_a_report_or_a_report_error(content):
    try:
        assert isinstance(read_report("x.csv", content), OnlineReport)
    except ReportError as error:
        assert str(error)


FIXTURES = [ZOOM_WITH_SUMMARY.encode(), ZOOM_OLD.encode(), teams_bytes(TEAMS_EN), teams_bytes(TEAMS_OLD),
            TEAMS_DE.encode("utf-8")]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(FIXTURES), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40),
                                                     st.binary(max_size=6)), max_size=4))
def test_damaged_real_reports_give_a_report_or_a_report_error(content, damage):
    for at, cut, insert in damage:
        at %= len(content) + 1
        content = content[:at] + insert + content[at + cut:]
    try:
        report = read_report("x.csv", content)
    except ReportError as error:
        assert str(error)
    else:
        for person in report.participants:
            assert person.minutes == sum((e - s for s, e in person.intervals), timedelta()) // timedelta(minutes=1)


BASE = utc(2026, 11, 24)
minute_intervals = st.lists(st.tuples(st.integers(0, 600), st.integers(0, 120)), max_size=25)


@given(minute_intervals)
def test_merge_intervals_is_the_union(spans):
    intervals = [(BASE + timedelta(minutes=s), BASE + timedelta(minutes=s + n)) for s, n in spans]
    merged = merge_intervals(intervals)
    assert all(a[1] < b[0] for a, b in zip(merged, merged[1:]))  # sorted, disjoint, not touching
    assert all(start <= end for start, end in merged)
    grid = {m for s, n in spans for m in range(s, s + n)}  # minutes covered, counted once
    total = sum((end - start for start, end in merged), timedelta())
    assert total == timedelta(minutes=len(grid))
    assert total <= sum((end - start for start, end in intervals), timedelta())
    assert merge_intervals(merged) == merged


@given(st.text())
def test_fold_name_is_idempotent(name):
    assert fold_name(fold_name(name)) == fold_name(name)
