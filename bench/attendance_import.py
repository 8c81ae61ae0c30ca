"""A 1,000-row Zoom participant report for one session, and the timed ``flask lga import-attendance``.

Used by ``run.py``; on its own: ``python bench/attendance_import.py DATABASE_URL SESSION_ID OUT.csv``
writes the report without importing it.

The report looks like Zoom's "Reports > Usage > Participants > Export" with the meeting block
(see lga/attendance/online_report.py and tests/unit/test_online_report.py): times in Kosovo's
local time as ``11/24/2026 09:01:12 AM``, one row per join/leave interval, sorted by join time.
Its rows:

* the people holding a place who were in the meeting (their record for the session is present,
  late or partial, or there is none): by email, about one in ten by name only ("Besa Gashi
  (iPhone)"), one in five in two or three intervals (a dropped connection), some also on a phone
  without signing in (a name-only row next to their email rows); joins from a few minutes before
  the start, leaves up to a few minutes after the end, so that the import has something to clip;
* fillers that match nobody (the host, guests, interpreters, phones dialling in) up to 1,000 rows.

Whoever was excused or absent is left out. Minutes keep each person on the same side of the
"present" share (75%) as their record, but are never the minutes already recorded: so a real
import writes every matched person (the work being timed) even on a database that a previous
run already imported into, and completion and certificates do not flip between runs.
"""
from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

KOSOVO = ZoneInfo("Europe/Belgrade")
ROWS = 1_000
PRESENT_SHARE = 75          # lga.attendance.online_import.DEFAULT_SHARE (generated workshops keep it)
NAME_ONLY = 0.10            # matched by name, not email
SPLIT = 0.20                # in two or three intervals
PHONE_TOO = 0.05            # also joined from a phone without signing in
MIN_FILLERS = 40

PEOPLE = """
    SELECT u.id, u.email, u.given_name, u.family_name, a.status, a.minutes_online
    FROM enrolment e JOIN user_account u ON u.id = e.user_id
    LEFT JOIN attendance a ON a.session_id = :session AND a.user_id = u.id
    WHERE e.workshop_id = :workshop AND e.status IN ('enrolled', 'completed')
    ORDER BY u.id"""
SESSION = "SELECT workshop_id, title, starts_at, ends_at FROM workshop_session WHERE id = :session"
FILLER_NAMES = ("Guest", "iPhone", "Samsung Galaxy", "Call-in User", "Përkthyes", "Vëzhgues", "Zyra",
                "Interpreter", "Mysafir", "Gost", "Laptop")


@dataclass
class Report:
    path: Path
    rows: int
    people: int          # place holders in the report
    by_name: int         # of them, with no email in any row
    fillers: int         # rows that match nobody
    session_minutes: int


@dataclass
class ImportRun:
    label: str
    seconds: float
    returncode: int
    summary: str = ""    # "Zoom report: ... matched, ... not matched (...)"
    written: str = ""    # "Written: N attendance records changed." or "Dry run: ..."
    output_tail: list[str] = field(default_factory=list)


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _zoom_time(moment: datetime) -> str:
    return moment.astimezone(KOSOVO).strftime("%m/%d/%Y %I:%M:%S %p")


def _pieces(rng: random.Random, start: datetime, end: datetime, minutes: int, count: int) -> list[tuple]:
    """Up to ``count`` disjoint intervals inside [start, end] adding up to ``minutes`` whole minutes,
    at least a minute apart (touching ones would merge into one)."""
    length = int((end - start).total_seconds() // 60)
    if minutes >= length:
        return [(start, end)]
    count = max(1, min(count, minutes, length - minutes + 1))
    sizes = [minutes // count] * count
    sizes[-1] += minutes - sum(sizes)
    spare = length - minutes - (count - 1)  # gap minutes beyond the one between every two pieces
    cuts = sorted(rng.randint(0, spare) for _ in range(count))
    shares = [cuts[0]] + [cuts[i] - cuts[i - 1] for i in range(1, count)]  # leading gap, then inner extras
    intervals, at = [], start
    for k, size in enumerate(sizes):
        at += timedelta(minutes=shares[k] + (1 if k else 0))
        intervals.append((at, at + timedelta(minutes=size)))
        at += timedelta(minutes=size)
    return intervals


def _minutes(rng: random.Random, present: bool, length: int, current: int | None) -> int:
    """Minutes on the same side of the present share as the record, other than the recorded ones."""
    floor = -(-PRESENT_SHARE * length // 100)
    low, high = (floor, length) if present else (min(5, floor - 1), floor - 1)
    if present:  # most stay to the end
        minutes = high - int(rng.random() ** 2 * (high - low))
    else:
        minutes = rng.randint(low, high)
    if minutes == current and high > low:
        minutes = minutes - 1 if minutes > low else minutes + 1
    return minutes


def _fold(name: str) -> str:
    """Roughly as the app folds names for matching (case, accents, đ)."""
    text = unicodedata.normalize("NFKD", name.casefold().replace("đ", "d"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def build_report(database_url: str, session_id: int, out: Path, *, rows: int = ROWS, seed: int = 2026) -> Report:
    """Write the report for ``session_id`` to ``out`` (see the module's docstring)."""
    from sqlalchemy import create_engine, text

    rng = random.Random(seed * 1_000_003 + session_id)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            session = conn.execute(text(SESSION), {"session": session_id}).one()
            people = conn.execute(text(PEOPLE), {"session": session_id, "workshop": session.workshop_id}).all()
    finally:
        engine.dispose()
    start, end = _aware(session.starts_at), _aware(session.ends_at)
    length = max(1, int((end - start).total_seconds() // 60))

    # Which folded names are unique: a name-only row of a person sharing a name stays unmatched
    # in the app, so only unique ones are chosen to be matched by name.
    names: dict[str, int] = {}
    for person in people:
        key = _fold(f"{person.given_name} {person.family_name}")
        names[key] = names.get(key, 0) + 1

    records = []  # (join, leave, name, email)
    in_report = by_name = 0
    budget = rows - MIN_FILLERS
    for person in people:
        if person.status in ("excused", "absent"):
            continue  # not in the meeting
        if len(records) >= budget:
            break
        in_report += 1
        full = f"{person.given_name} {person.family_name}"
        present = person.status != "partial"
        minutes = _minutes(rng, present, length, person.minutes_online)
        count = 1 if rng.random() >= SPLIT or len(records) + 3 > budget else rng.choice((2, 2, 3))
        intervals = _pieces(rng, start, end, minutes, count)
        # Around the session: whoever is there from the start joined a few minutes early; some
        # stay on after the end. The import clips both away, so the minutes stay as drawn.
        first_join, first_leave = intervals[0]
        if first_join == start:
            intervals[0] = (first_join - timedelta(minutes=rng.randint(1, 10), seconds=rng.randrange(60)), first_leave)
        last_join, last_leave = intervals[-1]
        if last_leave == end and rng.random() < 0.5:
            intervals[-1] = (last_join, last_leave + timedelta(minutes=rng.randint(1, 8), seconds=rng.randrange(60)))
        name_only = names[_fold(full)] == 1 and rng.random() < NAME_ONLY
        by_name += name_only
        email = "" if name_only else person.email
        shown = f"{full} (iPhone)" if name_only and rng.random() < 0.3 else full
        records.extend((a, b, shown, email) for a, b in intervals)
        if not name_only and rng.random() < PHONE_TOO and len(records) < budget:
            # The phone next to the laptop: same name, no email; the reader folds it into the person.
            a, b = intervals[0]
            records.append((a, min(b, a + timedelta(minutes=rng.randint(2, 20))), f"{full} (Phone)", ""))
    fillers = rows - len(records)
    host = ("Trajneri KLGI", "trainer@klgi.example")
    records.append((start - timedelta(minutes=15), end + timedelta(minutes=10), *host))
    for k in range(fillers - 1):
        a = start + timedelta(minutes=rng.randint(-10, length - 1), seconds=rng.randrange(60))
        b = min(a + timedelta(minutes=rng.randint(1, length)), end + timedelta(minutes=15))
        email = f"guest{k + 1}@partner.example" if rng.random() < 0.3 else ""
        records.append((a, b, f"{rng.choice(FILLER_NAMES)} {k + 1}", email))
    records.sort(key=lambda r: (r[0], r[2]))

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    meeting_start, meeting_end = start - timedelta(minutes=15), end + timedelta(minutes=10)
    writer.writerow(["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)",
                     "Participants", ""])
    writer.writerow([f"8{session_id:010d}"[:11], session.title, _zoom_time(meeting_start), _zoom_time(meeting_end),
                     host[1], int((meeting_end - meeting_start).total_seconds() // 60), len(records), ""])
    writer.writerow([])
    writer.writerow(["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest",
                     "Recording Consent", ""])
    for join, leave, name, email in records:
        duration = -(-int((leave - join).total_seconds()) // 60)
        writer.writerow([name, email, _zoom_time(join), _zoom_time(leave), duration, "No" if email else "Yes", "Y", ""])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return Report(path=out, rows=len(records), people=in_report, by_name=by_name, fillers=fillers,
                  session_minutes=length)


def _run(label: str, args: list[str], env: dict[str, str], cwd: Path) -> ImportRun:
    cmd = [sys.executable, "-m", "flask", *args]
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = round(time.perf_counter() - started, 2)
    lines = (done.stdout + done.stderr).splitlines()
    run = ImportRun(label=label, seconds=seconds, returncode=done.returncode, output_tail=lines[-5:])
    run.summary = next((line for line in lines if " report: " in line), "")
    run.written = next((line for line in lines if line.startswith(("Written:", "Dry run:"))), "")
    return run


def time_imports(database_url: str, session_id: int, by_email: str | None, report: Path, env: dict[str, str],
                 cwd: Path) -> list[ImportRun]:
    """Wall seconds of: the app starting (``--help``), a dry run, the import, the same import again."""
    base = ["lga", "import-attendance", "--session", str(session_id)] + (["--by", by_email] if by_email else [])
    runs = [_run("startup (--help)", ["lga", "import-attendance", "--help"], env, cwd)]
    for label, extra in (("dry run", ["--dry-run"]), ("import", []), ("import again", [])):
        runs.append(_run(label, [*base, *extra, str(report)], env, cwd))
    return runs


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    made = build_report(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
    print(made)
