"""The outreach figures are right: each one recomputed here, in plain Python over the rows, on
generated data that holds the edge cases (a person in several workshops, cancelled and
waitlisted people with attendance, partial attendance, a workshop across the period's edge, a
cancelled workshop, night-free sessions on several days)."""
from __future__ import annotations

import io
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

import openpyxl
import pytest
from sqlalchemy import select

from lga.accounts.models import Municipality, User
from lga.attendance.models import Attendance, Certificate
from lga.catalogue.models import Module, Programme, Workshop, WorkshopSession
from lga.catalogue.scheduling import local_midnight
from lga.enrolment.models import Enrolment
from lga.reports.outreach import Filters, outreach

PERIOD = (date(2026, 3, 1), date(2026, 6, 30))


def _generate(factory, db, seed=11, prefix="", year=2026):
    rng = random.Random(seed)
    programmes = ["LGA", "DEM", "SSSM"]
    modules = [factory.module(code=f"{prefix}m{i}", programme=programmes[i % 3]) for i in range(3)]
    municipalities = db.session.scalars(select(Municipality).order_by(Municipality.id)).all()[:6]
    people = [factory.user(password=None, sex=rng.choice(["female", "male", "undisclosed"]),
                           municipality_id=rng.choice(municipalities).id,
                           community=rng.choice([None, "albanian", "serb", "roma"])) for _ in range(30)]
    starts = [date(year, 2, 27), date(year, 3, 10), date(year, 4, 20), date(year, 6, 29), date(year, 7, 3),
              date(year, 5, 5), date(year, 5, 6), date(year, 1, 15)]
    for number, start in enumerate(starts):
        module = modules[number % 3]
        days = 1 + number % 3  # some span the period's edge
        workshop = factory.workshop(module=module, start=start, days=days, sessions=0,
                                    mode=rng.choice(["in_person", "virtual", "hybrid"]),
                                    programme=module.programme.code,
                                    status="cancelled" if number == 5 else "published")
        for day in range(days):
            for slot in range(2):
                starts_at = datetime.combine(start + timedelta(days=day), time(8 + 3 * slot), tzinfo=timezone.utc)
                db.session.add(WorkshopSession(workshop_id=workshop.id, title=f"S{day}{slot}", format="lecture",
                                               starts_at=starts_at,
                                               ends_at=starts_at + timedelta(minutes=rng.choice([60, 90, 120]))))
        db.session.flush()
        for person in rng.sample(people, 12):
            status = rng.choices(["enrolled", "completed", "cancelled", "waitlisted"], [4, 4, 1, 1])[0]
            enrolment = Enrolment(workshop_id=workshop.id, user_id=person.id, status=status)
            db.session.add(enrolment)
            db.session.flush()
            if status == "completed" and rng.random() < 0.8:
                db.session.add(Certificate(code=f"C{workshop.id}-{person.id}", enrolment_id=enrolment.id,
                                           revoked_at=datetime.now(timezone.utc) if rng.random() < 0.1 else None))
            for session in db.session.scalars(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id)):
                kind = rng.choices(["present", "late", "partial", "excused", "absent", None], [6, 1, 2, 1, 1, 1])[0]
                if kind is None:
                    continue
                minutes = rng.choice([None, 20, 45, 200]) if kind == "partial" else None
                db.session.add(Attendance(session_id=session.id, user_id=person.id, status=kind,
                                          source="zoom" if minutes else "roll_call", minutes_online=minutes))
    db.session.commit()


def _expected(db, f: Filters) -> dict:
    """Every figure, the slow and obvious way."""
    lo, hi = local_midnight(f.date_from), local_midnight(f.date_to + timedelta(days=1))
    programme_of = {p.id: p.code for p in db.session.scalars(select(Programme))}
    module_of = {m.id: m.code for m in db.session.scalars(select(Module))}

    def workshop_ok(w):
        return (w.status == "published" and (f.programme is None or programme_of[w.programme_id] == f.programme)
                and (f.module is None or module_of[w.module_id] == f.module) and (f.mode is None or w.mode == f.mode))

    def person_ok(u):
        return ((f.sex is None or u.sex == f.sex) and (f.municipality_id is None or u.municipality_id == f.municipality_id)
                and (f.community is None or (u.community or "undisclosed") == f.community))

    workshops = {w.id: w for w in db.session.scalars(select(Workshop)) if workshop_ok(w)}
    sessions = [s for s in db.session.scalars(select(WorkshopSession))
                if s.workshop_id in workshops and lo <= s.starts_at < hi]
    by_id = {s.id: s for s in sessions}
    users = {u.id: u for u in db.session.scalars(select(User))}
    holds = {(e.workshop_id, e.user_id) for e in db.session.scalars(select(Enrolment))
             if e.status in ("enrolled", "completed")}
    participations = [a for a in db.session.scalars(select(Attendance))
                      if a.session_id in by_id and a.status in ("present", "late", "partial")
                      and (by_id[a.session_id].workshop_id, a.user_id) in holds and person_ok(users[a.user_id])]

    def minutes(s):
        return (s.ends_at - s.starts_at).total_seconds() / 60

    def hours(a):
        s = by_id[a.session_id]
        if a.status in ("present", "late"):
            return minutes(s) / 60
        return min(a.minutes_online or 0, minutes(s)) / 60

    in_period = {s.workshop_id for s in sessions}
    ended = {wid for wid in in_period if workshops[wid].end_date <= f.date_to}
    places = [e for e in db.session.scalars(select(Enrolment))
              if e.workshop_id in ended and e.status in ("enrolled", "completed") and person_ok(users[e.user_id])]
    valid = {c.enrolment_id for c in db.session.scalars(select(Certificate)) if c.revoked_at is None}
    by_sex = defaultdict(set)
    for a in participations:
        by_sex[users[a.user_id].sex].add(a.user_id)
    by_municipality = defaultdict(set)
    for a in participations:
        by_municipality[users[a.user_id].municipality_id].add(a.user_id)
    return {
        "workshops": len(in_period), "sessions": len(sessions),
        "training_hours": round(sum(minutes(s) for s in sessions) / 60, 2),
        "participants": len({a.user_id for a in participations}), "participations": len(participations),
        "participant_days": len({(a.user_id, by_id[a.session_id].starts_at.date()) for a in participations}),
        "person_hours": round(sum(hours(a) for a in participations), 2),
        "places_ended": len(places), "completed": sum(1 for e in places if e.status == "completed"),
        "certificates": sum(1 for e in places if e.status == "completed" and e.id in valid),
        "by_sex": {sex: len(ids) for sex, ids in by_sex.items()},
        "by_municipality": {str(m): len(ids) for m, ids in by_municipality.items()},
    }


@pytest.mark.parametrize("filters", [
    {},
    {"programme": "DEM"},
    {"module": "m1"},
    {"mode": "virtual"},
    {"sex": "female"},
    {"community": "undisclosed"},
    {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 10)},  # a workshop across the edge
])
def test_every_figure_matches_a_recount(factory, db, filters):
    _generate(factory, db)
    values = {"date_from": PERIOD[0], "date_to": PERIOD[1]} | filters
    f = Filters(**values)
    got, want = outreach(f), _expected(db, f)
    for name in ("workshops", "sessions", "training_hours", "participants", "participations", "participant_days",
                 "person_hours", "places_ended", "completed", "certificates"):
        assert getattr(got, name) == pytest.approx(want[name]), name
    assert {b.key: b.participants for b in got.by_sex if b.participants} == want["by_sex"]
    assert {b.key: b.participants for b in got.by_municipality if b.participants} == want["by_municipality"]
    # Every municipality is listed, zeros included; the month rows cover the period.
    assert len(got.by_municipality) == db.session.query(Municipality).filter(Municipality.is_active.is_(True)).count()
    assert got.monthly[0]["month"] == f.date_from.strftime("%Y-%m")
    assert sum(m["sessions"] for m in got.monthly) == want["sessions"]


def test_cancelled_and_waitlisted_people_never_count_even_with_attendance(factory, db):
    workshop = factory.workshop(start=date(2026, 4, 1), sessions=1)
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id))
    for status in ("cancelled", "waitlisted", "requested", "rejected"):
        person = factory.user(password=None)
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status=status))
        db.session.add(Attendance(session_id=session.id, user_id=person.id, status="present"))
    db.session.commit()
    result = outreach(Filters(*PERIOD))
    assert (result.workshops, result.sessions, result.participants, result.participations) == (1, 1, 0, 0)


def test_the_report_runs_a_fixed_number_of_queries(factory, db, count_queries):
    _generate(factory, db, seed=3)
    with count_queries() as small:
        outreach(Filters(*PERIOD))
    _generate(factory, db, seed=4, prefix="more-")
    with count_queries() as large:
        outreach(Filters(*PERIOD))
    assert large.count == small.count <= 16


def test_learning_gain_and_satisfaction(factory, db):
    from lga.evaluation.models import Evaluation, EvaluationAnswer, EvaluationItem, EvaluationResponse
    from lga.evaluation.services import default_template
    from lga.quizzes.models import Attempt, Quiz, QuizGrade

    workshop = factory.workshop(start=date(2026, 4, 1), sessions=1)
    other = factory.workshop(start=date(2026, 9, 1), sessions=1)  # outside the period
    pre = Quiz(workshop_id=workshop.id, kind="pre_test", title={"en": "Pre"})
    post = Quiz(workshop_id=workshop.id, kind="post_test", title={"en": "Post"})
    db.session.add_all([pre, post])
    db.session.flush()
    grades = [(40.0, 80.0), (60.0, 90.0), (50.0, None), (None, 70.0)]  # only the first two have both
    for pre_pct, post_pct in grades:
        person = factory.user(password=None)
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="completed"))
        for quiz, pct in ((pre, pre_pct), (post, post_pct)):
            if pct is None:
                continue
            attempt = Attempt(quiz_id=quiz.id, workshop_id=workshop.id, user_id=person.id, number=1, state="finished",
                              layout={"questions": []}, max_points=1, points=pct / 100, percent=pct, passed=pct >= 60)
            db.session.add(attempt)
            db.session.flush()
            db.session.add(QuizGrade(quiz_id=quiz.id, workshop_id=workshop.id, user_id=person.id,
                                     attempt_id=attempt.id, percent=pct, passed=pct >= 60))
    template = default_template()
    items = db.session.scalars(select(EvaluationItem).where(EvaluationItem.template_id == template.id,
                                                            EvaluationItem.kind == "likert")).all()
    overall = next(i for i in items if i.dimension == "overall")
    for w, marks in ((workshop, [5, 3, 4]), (other, [1, 1])):
        evaluation = Evaluation(workshop_id=w.id, template_id=template.id)
        db.session.add(evaluation)
        db.session.flush()
        for n, mark in enumerate(marks):
            response = EvaluationResponse(id=f"{w.id:04d}{n:028d}", evaluation_id=evaluation.id,
                                          submitted_on=date(2026, 4, 2))
            db.session.add(response)
            db.session.flush()
            for item in items:
                db.session.add(EvaluationAnswer(response_id=response.id, item_id=item.id,
                                                value=mark if item.id == overall.id else 4))
    db.session.commit()
    result = outreach(Filters(*PERIOD))
    assert (result.pre_mean, result.post_mean, result.tested_both) == (50.0, 85.0, 2)
    assert result.learning_gain == pytest.approx((85 - 50) / (100 - 50), abs=1e-3)
    assert result.satisfaction_overall == pytest.approx(4.0)  # (5 + 3 + 4) / 3; the other workshop is outside
    assert result.satisfaction_all == pytest.approx((5 + 3 + 4 + 4 * 5 * 3) / 18, abs=0.01)
    assert result.evaluations == 3


def test_the_donor_report_from_the_command_line(runner, factory, db, tmp_path):
    import csv
    import json

    from openpyxl import load_workbook

    _generate(factory, db)
    want = _expected(db, Filters(*PERIOD))
    args = ["lga", "report", "outreach", "--from", "2026-03-01", "--to", "2026-06-30", "--language", "en"]
    result = runner.invoke(args=[*args, "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "r.xlsx", read_only=True)
    assert book.sheetnames == ["Summary", "Activities", "Participation", "Results"]
    summary = {row[0]: (row[1] if len(row) > 1 else None) for row in book["Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Participants (distinct people)"] == want["participants"]
    assert summary["Workshops"] == want["workshops"]
    activities = list(book["Activities"].iter_rows(values_only=True))
    assert len(activities) - 1 == want["workshops"]
    result = runner.invoke(args=[*args, "--format", "csv", "-o", str(tmp_path / "r.csv")])
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert ["Summary", "Sessions", str(want["sessions"])] in rows
    result = runner.invoke(args=[*args, "--format", "json", "-o", str(tmp_path / "r.json")])
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["participants"] == want["participants"] and len(data["by_municipality"]) >= 38
    bad = runner.invoke(args=["lga", "report", "outreach", "--from", "2026-13-01", "--to", "2026-06-30", "-o", "x"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    bad = runner.invoke(args=[*args, "--programme", "NOPE", "-o", str(tmp_path / "x.json")])
    assert bad.exit_code == 2 and "Unknown programme" in bad.output


def test_the_dashboard_for_managers_and_donors(client, as_role, factory, db, app):
    from lga.audit.models import AuditEntry
    from tests.conftest import login

    _generate(factory, db)
    as_role("manager", locale="en")
    query = "date_from=2026-03-01&date_to=2026-06-30"
    want = _expected(db, Filters(*PERIOD))
    page = client.get(f"/reports/outreach?{query}").get_data(as_text=True)
    assert "Outreach" in page and "<svg" in page and "Municipality (all 38)" in page
    assert "Not a valid choice" not in page  # filters left empty are "All", not an error
    assert f"<dt>Participants</dt><dd>{want['participants']}</dd>" in page
    download = client.get(f"/reports/outreach.xlsx?{query}")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report.exported")) is not None
    # A donor: aggregates, small counts hidden, in the downloads too; no list of people.
    donor = app.test_client()
    login(donor, factory.user(roles=("donor",), locale="en"))
    page = donor.get(f"/reports/outreach?{query}&sex=female&municipality=1").get_data(as_text=True)
    masked = outreach(Filters(*PERIOD, sex="female", municipality_id=1))
    assert 0 < masked.participants < 5  # the generated data has a small group here
    assert "<dt>Participants</dt><dd>&lt;5</dd>" in page
    assert "participants.csv" not in page and "participants.xlsx" not in page
    assert donor.get(f"/reports/participants.csv?{query}").status_code == 403
    small = donor.get(f"/reports/outreach.json?{query}&sex=female&municipality=1").get_json()
    assert small["participants"] == "<5" and small["person_hours"] is None
    book = openpyxl.load_workbook(io.BytesIO(donor.get(f"/reports/outreach.xlsx?{query}&sex=female&municipality=1").data))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Participants (distinct people)"] == "<5" and summary["Person-hours"] is None
    shown, months = [], False
    for row in book["Participation"].iter_rows(values_only=True):
        months = months or row[0] == "Month"
        people = row[2:4] if months else row[1:3]  # participants and participations (sessions are no people)
        shown += [v for v in people if isinstance(v, (int, str)) and v not in ("Participants", "Participations")]
    assert "<5" in shown and all(v == "<5" or v == 0 or v >= 5 for v in shown)
    csv_text = donor.get(f"/reports/outreach.csv?{query}&sex=female&municipality=1").get_data(as_text=True)
    assert "<5" in csv_text
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "report.exported")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.changes["masked"]["new"] is True


def test_the_dashboard_filters_by_topic(client, as_role, factory, db):
    from lga.catalogue.models import ModuleTopic

    _generate(factory, db)
    module = db.session.scalar(select(Module).where(Module.code == "m1"))
    db.session.add(ModuleTopic(module_id=module.id, code="specific-grant", title={"sq": "Granti", "en": "The grant"},
                               position=0))
    db.session.commit()
    as_role("manager", locale="en")
    page = client.get("/reports/outreach?date_from=2026-03-01&date_to=2026-06-30&topic=specific-grant")
    html = page.get_data(as_text=True)
    want = _expected(db, Filters(*PERIOD, module="m1"))  # the only module with that topic
    assert page.status_code == 200 and '<option selected value="specific-grant">' in html.replace(
        'value="specific-grant" selected', 'selected value="specific-grant"')
    assert f"<dt>Participants</dt><dd>{want['participants']}</dd>" in html
