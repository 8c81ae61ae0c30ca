"""Enrolment rules and pages: places, requests, waitlists, cancellation, rosters, fixed query counts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lga.enrolment import services as enrolment
from lga.enrolment.models import Enrolment
from lga.enrolment.services import EnrolmentError
from tests.conftest import login, post_form


def _upcoming(factory, **kwargs):
    kwargs.setdefault("start", date.today() + timedelta(days=14))
    return factory.workshop(**kwargs)


def _status(db, workshop, person) -> str | None:
    db.session.expire_all()
    row = enrolment.enrolment_of(workshop.id, person.id)
    return row.status if row else None


def test_trainee_enrols_from_the_workshop_page(client, factory, as_role, db):
    me = as_role("trainee")
    workshop = _upcoming(factory, title="Mirëqenia sociale dhe shërbimet sociale")
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert f'action="/workshops/{workshop.id}/enrol"' in page
    response = post_form(client, f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert response.status_code == 200
    assert _status(db, workshop, me) == "enrolled"
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert 'action="/enrolments/' in page  # the cancel button replaced the enrol button
    # Enrolling twice is refused with a message, not an error page.
    response = post_form(client, f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_anonymous_visitors_are_asked_to_log_in(client, factory):
    workshop = _upcoming(factory)
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert f"/login?next=/workshops/{workshop.id}" in page
    response = post_form(client, f"/workshops/{workshop.id}/enrol")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_database_refuses_a_second_row_for_the_same_person(app, factory, db):
    workshop = _upcoming(factory)
    person = factory.user()
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="waitlisted"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_capacity_waitlist_and_first_come_first_served(app, factory, db):
    workshop = _upcoming(factory, capacity=2)
    people = [factory.user() for _ in range(5)]
    rows = [enrolment.enrol(workshop.id, p) for p in people]
    db.session.commit()
    assert [r.status for r in rows] == ["enrolled", "enrolled", "waitlisted", "waitlisted", "waitlisted"]
    assert [enrolment.waitlist_position(r) for r in rows[2:]] == [1, 2, 3]
    # The second in the queue cancels: nobody is promoted (it held no place), the queue closes up.
    enrolment.cancel(rows[3], actor=people[3])
    db.session.commit()
    assert enrolment.waitlist_position(rows[4]) == 2
    # An enrolled person cancels: the first on the waitlist gets the place.
    promoted = enrolment.cancel(rows[0], actor=people[0])
    db.session.commit()
    assert [p.user_id for p in promoted] == [people[2].id]
    assert [_status(db, workshop, p) for p in people] == ["cancelled", "enrolled", "enrolled", "cancelled", "waitlisted"]
    assert enrolment.places_taken(workshop.id) == 2


def test_approval_flow(client, factory, as_role, db):
    trainer = factory.user(roles=("trainer",))
    workshop = _upcoming(factory, capacity=1, requires_approval=True, trainers=[trainer])
    first, second, third = factory.user(), factory.user(), factory.user()
    for person in (first, second, third):
        enrolment.enrol(workshop.id, person)
    db.session.commit()
    assert {_status(db, workshop, p) for p in (first, second, third)} == {"requested"}

    login(client, trainer)
    roster = client.get(f"/workshops/{workshop.id}/roster?tab=requested").get_data(as_text=True)
    assert first.full_name in roster and second.full_name in roster
    rows = {p.id: enrolment.enrolment_of(workshop.id, p.id) for p in (first, second, third)}
    post_form(client, f"/enrolments/{rows[first.id].id}/approve")
    post_form(client, f"/enrolments/{rows[second.id].id}/approve")  # no place left: waitlist
    response = post_form(client, f"/enrolments/{rows[third.id].id}/reject", {"reason": ""}, follow_redirects=True)
    assert "flash-error" in response.get_data(as_text=True)
    assert _status(db, workshop, third) == "requested"
    post_form(client, f"/enrolments/{rows[third.id].id}/reject", {"reason": "Kjo punëtori është për QPS."})
    assert [_status(db, workshop, p) for p in (first, second, third)] == ["enrolled", "waitlisted", "rejected"]
    assert enrolment.enrolment_of(workshop.id, third.id).reason == "Kjo punëtori është për QPS."
    # A declined person cannot simply ask again.
    with pytest.raises(EnrolmentError):
        enrolment.enrol(workshop.id, third)
    db.session.rollback()


def test_only_trainers_of_the_workshop_decide(client, factory, as_role, db):
    workshop = _upcoming(factory, requires_approval=True, trainers=[factory.user(roles=("trainer",))])
    person = factory.user()
    row = enrolment.enrol(workshop.id, person)
    db.session.commit()
    as_role("trainer")
    assert post_form(client, f"/enrolments/{row.id}/approve").status_code == 403
    assert _status(db, workshop, person) == "requested"


def test_trainee_cannot_cancel_someone_else(client, factory, as_role, db):
    workshop = _upcoming(factory)
    other = factory.user()
    row = enrolment.enrol(workshop.id, other)
    db.session.commit()
    as_role("trainee")
    assert post_form(client, f"/enrolments/{row.id}/cancel").status_code == 403
    assert _status(db, workshop, other) == "enrolled"


def test_cancellation_deadline(client, factory, as_role, db):
    me = as_role("trainee")
    workshop = _upcoming(factory, cancel_until=datetime.now(timezone.utc) - timedelta(hours=1))
    row = enrolment.enrol(workshop.id, me)
    db.session.commit()
    response = post_form(client, f"/enrolments/{row.id}/cancel", follow_redirects=True)
    assert "flash-error" in response.get_data(as_text=True)
    assert _status(db, workshop, me) == "enrolled"
    manager = factory.user(roles=("manager",))
    enrolment.cancel(enrolment.enrolment_of(workshop.id, me.id), actor=manager)
    db.session.commit()
    assert _status(db, workshop, me) == "cancelled"


def test_enrolment_window(app, factory, db):
    now = datetime.now(timezone.utc)
    not_yet = _upcoming(factory, enrol_opens_at=now + timedelta(days=1))
    closed = _upcoming(factory, enrol_closes_at=now - timedelta(minutes=1))
    draft = _upcoming(factory, status="draft")
    person = factory.user()
    for workshop in (not_yet, closed, draft):
        with pytest.raises(EnrolmentError):
            enrolment.enrol(workshop.id, person)
        db.session.rollback()
    # Staff may still put someone on the list after enrolment closed.
    manager = factory.user(roles=("manager",))
    assert enrolment.enrol_direct(closed, person, actor=manager).status == "enrolled"
    db.session.commit()


def test_re_enrolling_after_cancelling_joins_the_end_of_the_queue(app, factory, db):
    workshop = _upcoming(factory, capacity=1)
    a, b, c = factory.user(), factory.user(), factory.user()
    enrolment.enrol(workshop.id, a)
    enrolment.enrol(workshop.id, b)
    row_c = enrolment.enrol(workshop.id, c)
    db.session.commit()
    enrolment.cancel(enrolment.enrolment_of(workshop.id, b.id), actor=b)
    db.session.commit()
    again = enrolment.enrol(workshop.id, b)
    db.session.commit()
    assert again.status == "waitlisted" and enrolment.waitlist_position(again) == 2
    assert enrolment.waitlist_position(row_c) == 1
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 3


def test_staff_enrol_people_directly(client, factory, as_role, db):
    trainer = as_role("trainer")
    workshop = _upcoming(factory, capacity=1, trainers=[trainer])
    first, second = factory.user(), factory.user()
    post_form(client, f"/workshops/{workshop.id}/roster/add", {"email": first.email.upper()})
    post_form(client, f"/workshops/{workshop.id}/roster/add", {"email": second.email})
    response = post_form(client, f"/workshops/{workshop.id}/roster/add", {"email": "nobody@example.org"},
                         follow_redirects=True)
    assert "flash-error" in response.get_data(as_text=True)
    assert [_status(db, workshop, p) for p in (first, second)] == ["enrolled", "waitlisted"]
    row = enrolment.enrolment_of(workshop.id, first.id)
    assert row.source == "staff" and row.decided_by_id == trainer.id


def test_roster_shows_municipality_and_institution(client, factory, as_role, db):
    trainer = as_role("trainer")
    workshop = _upcoming(factory, trainers=[trainer])
    person = factory.user(municipality_id=factory.municipality("gracanice").id,
                          institution_type_id=factory.institution_type("dshms").id, position="Drejtor")
    enrolment.enrol(workshop.id, person)
    db.session.commit()
    html = client.get(f"/workshops/{workshop.id}/roster").get_data(as_text=True)
    assert person.full_name in html and "Graçanicë" in html and "Drejtor" in html


def _enrol_many(factory, db, workshop, n, status="enrolled"):
    for _ in range(n):
        person = factory.user(password=None)  # no login needed: skip the slow hashing
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status=status))
    db.session.commit()


def test_roster_runs_a_fixed_number_of_queries(client, factory, as_role, db, count_queries):
    trainer = as_role("trainer")
    workshop = _upcoming(factory, trainers=[trainer], capacity=500, sessions=3)
    _enrol_many(factory, db, workshop, 3)
    url = f"/workshops/{workshop.id}/roster"
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _enrol_many(factory, db, workshop, 60)
    with count_queries() as large:
        html = client.get(url).get_data(as_text=True)
    assert large.count == small.count, "\n".join(large.statements)
    assert small.count <= 20  # 15 for the roster, up to 5 for completion progress (attendance, post-test)
    assert "?tab=enrolled&amp;page=2" in html or "page=2" in html  # 63 rows: paginated by 50


def test_my_trainings_runs_a_fixed_number_of_queries(client, factory, as_role, db, count_queries):
    me = as_role("trainee")

    def add(n, days):
        for _ in range(n):
            workshop = factory.workshop(start=date.today() + timedelta(days=days), sessions=2)
            db.session.add(Enrolment(workshop_id=workshop.id, user_id=me.id,
                                     status="enrolled" if days > 0 else "completed"))
        db.session.commit()

    add(1, 10)
    add(1, -30)
    client.get("/my/trainings")
    with count_queries() as small:
        assert client.get("/my/trainings").status_code == 200
    add(8, 20)
    add(30, -60)
    with count_queries() as large:
        html = client.get("/my/trainings").get_data(as_text=True)
    assert large.count == small.count, "\n".join(large.statements)
    assert "page=2" in html


def test_overview_runs_a_fixed_number_of_queries(client, factory, as_role, db, count_queries):
    as_role("manager")
    first = _upcoming(factory, requires_approval=True)
    _enrol_many(factory, db, first, 2, status="requested")
    client.get("/manage/workshops")
    with count_queries() as small:
        assert client.get("/manage/workshops").status_code == 200
    for _ in range(30):
        workshop = _upcoming(factory, requires_approval=True)
        _enrol_many(factory, db, workshop, 1, status="requested")
    with count_queries() as large:
        html = client.get("/manage/workshops").get_data(as_text=True)
    assert large.count == small.count, "\n".join(large.statements)
    assert "page=2" in html


def test_overview_counts_places_in_sql(client, factory, as_role, db):
    as_role("manager")
    workshop = _upcoming(factory, capacity=2, title="Punëtoria e numëruar")
    _enrol_many(factory, db, workshop, 2)
    _enrol_many(factory, db, workshop, 3, status="waitlisted")
    html = client.get("/manage/workshops").get_data(as_text=True)
    row = html[html.index("Punëtoria e numëruar"):]
    assert "2 / 2" in row[:2000]


def test_a_trainer_sees_only_their_workshops_in_the_overview(client, factory, as_role):
    trainer = as_role("trainer")
    _upcoming(factory, title="Imja", trainers=[trainer])
    _upcoming(factory, title="E tjetrit", trainers=[factory.user(roles=("trainer",))])
    html = client.get("/manage/workshops").get_data(as_text=True)
    assert "Imja" in html and "E tjetrit" not in html


def test_calendar_filters_and_month_view(client, factory, db):
    today = date.today()
    prizren = _upcoming(factory, title="Në Prizren", mode="in_person")
    online = _upcoming(factory, title="Online DEM", programme="DEM", mode="virtual", meeting_url="https://zoom.us/j/1")
    online.municipality_id = factory.municipality("peje").id
    _upcoming(factory, title="Draft", status="draft")
    factory.workshop(title="E kaluar", start=today - timedelta(days=30))
    db.session.commit()
    html = client.get("/calendar").get_data(as_text=True)
    assert "Në Prizren" in html and "Online DEM" in html and "Draft" not in html and "E kaluar" not in html
    html = client.get("/calendar?mode=virtual").get_data(as_text=True)
    assert "Online DEM" in html and "Në Prizren" not in html
    html = client.get("/calendar?programme=DEM").get_data(as_text=True)
    assert "Online DEM" in html and "Në Prizren" not in html
    html = client.get("/calendar?municipality=prizren").get_data(as_text=True)
    assert "Në Prizren" in html and "Online DEM" not in html
    # A stale filter value is ignored rather than an error.
    assert client.get("/calendar?municipality=atlantis").status_code == 200
    start = prizren.start_date
    html = client.get(f"/calendar/month/{start.year}/{start.month}").get_data(as_text=True)
    assert f'href="/workshops/{prizren.id}"' in html
    assert client.get("/calendar/month/2026/13").status_code == 404


def test_calendar_list_runs_a_fixed_number_of_queries(client, factory, db, count_queries):
    _upcoming(factory)
    client.get("/calendar")
    with count_queries() as small:
        client.get("/calendar")
    for i in range(30):
        _upcoming(factory, programme=("LGA", "DEM", "SSSM")[i % 3])
    with count_queries() as large:
        html = client.get("/calendar").get_data(as_text=True)
    assert large.count == small.count, "\n".join(large.statements)
    assert "page=2" in html


def test_workshop_page_hides_drafts_and_meeting_links(client, factory, as_role, db):
    draft = _upcoming(factory, status="draft")
    assert client.get(f"/workshops/{draft.id}").status_code == 404
    online = _upcoming(factory, mode="virtual", meeting_url="https://teams.example/meet/secret")
    assert "meet/secret" not in client.get(f"/workshops/{online.id}").get_data(as_text=True)
    me = as_role("trainee")
    enrolment.enrol(online.id, me)
    db.session.commit()
    assert "meet/secret" in client.get(f"/workshops/{online.id}").get_data(as_text=True)
