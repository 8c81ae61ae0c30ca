"""Study visits: the trainer plans the visit (host, itinerary inside the session and in order,
logistics), participants read it; after the visit each participant files one report, edits it
until a trainer accepts it, and sees the review. Bad input changes nothing."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lga.attendance.models import Attendance
from lga.catalogue.models import WorkshopSession
from lga.catalogue.scheduling import to_utc
from lga.enrolment.models import Enrolment
from lga.visits.models import VisitPlan, VisitReport, VisitStop
from tests.conftest import login, post_form


@pytest.fixture()
def visit(factory, db, app):
    """A study visit from 09:00 to 13:00 Kosovo time, a week ahead (or ``ended``)."""
    trainer = factory.user(roles=("trainer",), locale="en")
    workshop = factory.workshop(trainers=[trainer], title="Social services")
    day = workshop.start_date
    with app.test_request_context():
        session = WorkshopSession(workshop_id=workshop.id, title="Visit to the Centre for Social Work",
                                  format="study_visit", starts_at=to_utc(day, time(9)), ends_at=to_utc(day, time(13)))
    db.session.add(session)
    db.session.commit()

    def participant(**kwargs):
        person = factory.user(locale="en", **kwargs)
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
        db.session.commit()
        return person

    def ended():
        now = datetime.now(timezone.utc)
        session.starts_at, session.ends_at = now - timedelta(hours=5), now - timedelta(hours=1)
        db.session.commit()

    return {"trainer": trainer, "workshop": workshop, "session": session, "participant": participant,
            "ended": ended}


def _plan_form(stops, **values) -> dict:
    data = {"host_institution": "QPS Prizren", "host_municipality_id": "", "meeting_point": "Bus station",
            "meeting_time": "08:45", "transport": "By **bus**", "what_to_bring": "- ID card", "notes": "",
            "rows": str(len(stops))}
    data.update(values)
    for i, stop in enumerate(stops):
        for key, value in zip(("position", "at", "place", "address", "note"), stop):
            data[f"stop-{i}-{key}"] = value
    return data


GOOD = [("1", "09:30", "Centre for Social Work", "Rr. Remzi Ademaj", "Meet the director"),
        ("2", "11:00", "Day-care centre", "", ""),
        ("3", "12:30", "Municipal directorate", "", "Q&A")]


def _stops(db):
    return [(s.position, s.place) for s in db.session.scalars(select(VisitStop).order_by(VisitStop.position))]


def test_the_trainer_plans_the_visit_and_participants_read_it(app, client, visit, db, factory):
    trainer = app.test_client()
    login(trainer, visit["trainer"])
    sid = visit["session"].id
    assert trainer.get(f"/sessions/{sid}/visit/edit").status_code == 200
    prizren = factory.municipality("prizren")
    response = post_form(trainer, f"/sessions/{sid}/visit/edit", _plan_form(GOOD, host_municipality_id=str(prizren.id)))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert _stops(db) == [(0, "Centre for Social Work"), (1, "Day-care centre"), (2, "Municipal directorate")]
    # Reorder (the directorate moved first would break the time order: refused) and remove one.
    refused = post_form(trainer, f"/sessions/{sid}/visit/edit",
                        _plan_form([("3", *GOOD[0][1:]), ("2", *GOOD[1][1:]), ("1", *GOOD[2][1:])]))
    assert refused.status_code == 400 and "in the order of their times" in refused.get_data(as_text=True)
    assert len(_stops(db)) == 3
    changed = _plan_form([GOOD[0], ("3", "10:00", "Library", "", ""), GOOD[2]])
    changed["stop-2-remove"] = "1"
    assert post_form(trainer, f"/sessions/{sid}/visit/edit", changed).status_code == 302
    assert _stops(db) == [(0, "Centre for Social Work"), (1, "Library")]
    # A participant reads it (phone-friendly page), with Markdown and the host municipality.
    login(client, visit["participant"]())
    html = client.get(f"/sessions/{sid}/visit").get_data(as_text=True)
    assert "QPS Prizren" in html and "Prizren" in html and "Centre for Social Work" in html and "09:30" in html
    assert "<strong>bus</strong>" in html and "Bus station" in html and "08:45" in html
    # The timetable of the workshop links to it.
    workshop_html = client.get(f"/workshops/{visit['workshop'].id}").get_data(as_text=True)
    assert f'href="/sessions/{sid}/visit"' in workshop_html
    # The trainer's page links to the roll call: attendance is taken like any session.
    assert f'href="/sessions/{sid}/roll-call"' in trainer.get(f"/sessions/{sid}/visit").get_data(as_text=True)


@pytest.mark.parametrize("stops, values, message", [
    ([("1", "08:30", "Too early", "", "")], {}, "outside the visit"),
    ([("1", "13:30", "Too late", "", "")], {}, "outside the visit"),
    ([("1", "9.30", "Bad time", "", "")], {}, "HH:MM"),
    ([("1", "10:00", "", "Somewhere", "")], {}, "name the place"),
    ([("1", "11:00", "B", "", ""), ("2", "10:00", "A", "", "")], {}, "in the order of their times"),
    ([("x", "10:00", "A", "", "")], {}, "must be a number"),
    (GOOD, {"meeting_time": "14:00"}, "before the visit ends"),
    (GOOD, {"host_municipality_id": "999999"}, "municipality from the list"),
    (GOOD, {"transport": "x" * 5001}, "at most 5000 characters"),
])
def test_a_bad_plan_is_refused_and_the_old_one_stays(app, visit, db, stops, values, message):
    trainer = app.test_client()
    login(trainer, visit["trainer"])
    sid = visit["session"].id
    assert post_form(trainer, f"/sessions/{sid}/visit/edit", _plan_form(GOOD)).status_code == 302
    response = post_form(trainer, f"/sessions/{sid}/visit/edit", _plan_form(stops, host_institution="Changed", **values))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(VisitPlan.host_institution)) == "QPS Prizren"
    assert [p for _pos, p in _stops(db)] == [s[2] for s in GOOD]


def test_only_the_workshops_trainers_edit_the_plan_and_only_members_read_it(app, client, visit, factory, db):
    sid = visit["session"].id
    login(client, factory.user(roles=("trainer",), locale="en"))  # trains another workshop
    assert client.get(f"/sessions/{sid}/visit/edit").status_code == 403
    assert post_form(client, f"/sessions/{sid}/visit/edit", _plan_form(GOOD)).status_code == 403
    assert client.get(f"/sessions/{sid}/visit").status_code == 403
    outsider = app.test_client()
    login(outsider, factory.user(locale="en"))
    assert outsider.get(f"/sessions/{sid}/visit").status_code == 403
    participant = app.test_client()
    login(participant, visit["participant"]())
    assert participant.get(f"/sessions/{sid}/visit/edit").status_code == 403
    assert participant.get(f"/sessions/{sid}/visit/reports").status_code == 403
    # A session that is not a study visit has no visit page.
    lecture = db.session.scalar(select(WorkshopSession.id).where(WorkshopSession.workshop_id == visit["workshop"].id,
                                                                  WorkshopSession.format == "lecture"))
    assert participant.get(f"/sessions/{lecture}/visit").status_code == 404


def _report(client, sid, observed="We saw the case management system.", to_apply="A shared register of cases."):
    return post_form(client, f"/sessions/{sid}/visit/report", {"observed": observed, "to_apply": to_apply})


def _reports(db) -> int:
    return db.session.scalar(select(func.count()).select_from(VisitReport))


def test_a_report_only_after_the_visit_and_only_by_a_participant(app, client, visit, db, factory):
    sid = visit["session"].id
    person = visit["participant"]()
    login(client, person)
    early = _report(client, sid)
    assert early.status_code == 400 and "once the visit has ended" in early.get_data(as_text=True)
    assert _reports(db) == 0
    visit["ended"]()
    outsider = app.test_client()
    login(outsider, factory.user(locale="en"))
    assert _report(outsider, sid).status_code == 403
    # Recorded absent at the roll call: no report.
    absent = visit["participant"]()
    db.session.add(Attendance(session_id=sid, user_id=absent.id, status="absent"))
    db.session.commit()
    other = app.test_client()
    login(other, absent)
    refused = _report(other, sid)
    assert refused.status_code == 400 and "were not on this visit" in refused.get_data(as_text=True)
    # Empty and oversized answers.
    assert "answer both questions" in _report(client, sid, observed="  ").get_data(as_text=True)
    assert "at most 3000 characters" in _report(client, sid, to_apply="x" * 3001).get_data(as_text=True)
    assert _reports(db) == 0
    assert _report(client, sid).status_code == 302
    assert _reports(db) == 1


def test_report_review_cycle(app, client, visit, db, mailbox):
    sid = visit["session"].id
    visit["ended"]()
    person = visit["participant"](given_name="Besa", family_name="Hoxha")
    login(client, person)
    assert _report(client, sid, observed="First draft").status_code == 302
    assert _report(client, sid, observed="Second draft").status_code == 302  # editable before review
    assert _reports(db) == 1
    trainer = app.test_client()
    login(trainer, visit["trainer"])
    html = trainer.get(f"/sessions/{sid}/visit/reports").get_data(as_text=True)
    assert "Besa Hoxha" in html and "Second draft" in html
    report = db.session.scalar(select(VisitReport))
    # Asking for changes needs a comment.
    refused = post_form(trainer, f"/visit-reports/{report.id}/review", {"decision": "changes_requested", "comment": ""})
    assert refused.status_code == 302
    db.session.expire_all()
    assert db.session.get(VisitReport, report.id).status == "submitted"
    assert post_form(trainer, f"/visit-reports/{report.id}/review",
                     {"decision": "changes_requested", "comment": "Say what you would apply in Prizren."}).status_code == 302
    mailbox.wait_for(1)
    (message,) = mailbox.to(person.email)
    assert "was reviewed" in str(message["Subject"])
    assert "Say what you would apply in Prizren." in mailbox.text_of(message)
    page = client.get(f"/sessions/{sid}/visit").get_data(as_text=True)
    assert "Changes requested" in page and "Say what you would apply in Prizren." in page
    assert _report(client, sid, to_apply="A shared register in Prizren.").status_code == 302
    db.session.expire_all()
    assert db.session.get(VisitReport, report.id).status == "submitted"
    assert post_form(trainer, f"/visit-reports/{report.id}/review", {"decision": "accepted"}).status_code == 302
    page = client.get(f"/sessions/{sid}/visit").get_data(as_text=True)
    assert "Accepted" in page and 'name="observed"' not in page
    late = _report(client, sid, observed="Sneaky change")
    assert late.status_code == 400 and "accepted and can no longer be changed" in late.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(VisitReport, report.id).observed == "We saw the case management system."
    # A participant cannot review.
    assert post_form(client, f"/visit-reports/{report.id}/review", {"decision": "accepted"}).status_code == 403


def test_reports_page_runs_a_fixed_number_of_queries(app, visit, db, count_queries):
    sid = visit["session"].id
    trainer = app.test_client()
    login(trainer, visit["trainer"])

    def add(n):
        for _ in range(n):
            person = visit["participant"]()
            db.session.add(VisitReport(session_id=sid, user_id=person.id, observed="Seen", to_apply="Apply"))
        db.session.commit()

    add(2)
    trainer.get(f"/sessions/{sid}/visit/reports")
    with count_queries() as few:
        assert trainer.get(f"/sessions/{sid}/visit/reports").status_code == 200
    add(30)
    with count_queries() as many:
        assert trainer.get(f"/sessions/{sid}/visit/reports").status_code == 200
    assert few.count == many.count, "\n".join(many.statements)
