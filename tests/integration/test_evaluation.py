"""Workshop evaluations: once per participant, anonymous by construction, aggregates for the
staff only from three answers on, and, where the workshop asks for it, part of completion."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select

from lga.audit.models import AuditEntry
from lga.catalogue.models import WorkshopSession
from lga.enrolment.models import Enrolment
from lga.evaluation.models import EvaluationAnswer, EvaluationItem, EvaluationResponse, EvaluationSubmission
from tests.conftest import login, post_form


@pytest.fixture()
def held(factory, db):
    """A workshop whose only session ended an hour ago: its evaluation is open."""
    trainer = factory.user(roles=("trainer",), locale="en")
    workshop = factory.workshop(start=date.today(), trainers=[trainer], sessions=1)
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id))
    now = datetime.now(timezone.utc)
    session.starts_at, session.ends_at = now - timedelta(hours=3), now - timedelta(hours=1)
    db.session.commit()

    def participant(**kwargs):
        person = factory.user(locale="en", **kwargs)
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
        db.session.commit()
        return person

    return {"trainer": trainer, "workshop": workshop, "session": session, "participant": participant}


def _items(db):
    return db.session.scalars(select(EvaluationItem).order_by(EvaluationItem.position)).all()


def _answers(db, likert: list[int], comments=("", "")) -> dict:
    items = _items(db)
    data = {}
    for item, value in zip([i for i in items if i.kind == "likert"], likert):
        data[f"item-{item.id}"] = str(value)
    for item, text in zip([i for i in items if i.kind == "comment"], comments):
        data[f"item-{item.id}"] = text
    return data


def test_a_participant_answers_once_and_stays_anonymous(client, held, db):
    person = held["participant"](given_name="Besa", family_name="Hoxha")
    login(client, person)
    url = f"/workshops/{held['workshop'].id}/evaluation"
    page = client.get(url).get_data(as_text=True)
    assert "The topic of the workshop was relevant to my work." in page and 'type="radio"' in page
    # A required statement left out: refused, nothing written.
    incomplete = post_form(client, url, _answers(db, [5, 4, 4]))
    assert incomplete.status_code == 400 and "answer every statement" in incomplete.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EvaluationSubmission)) == 0
    done = post_form(client, url, _answers(db, [5, 4, 4, 3, 5, 4], ("The budget part", "")))
    assert done.status_code == 200 and "Thank you" in done.get_data(as_text=True)
    again = post_form(client, url, _answers(db, [1, 1, 1, 1, 1, 1]))
    assert "Thank you" in again.get_data(as_text=True)  # the form is not offered twice
    assert db.session.scalar(select(func.count()).select_from(EvaluationSubmission)) == 1
    assert db.session.scalar(select(func.count()).select_from(EvaluationResponse)) == 1
    assert db.session.scalar(select(func.count()).select_from(EvaluationAnswer)) == 7  # six marks, one comment
    # Nothing joins what was answered to who answered: no person, no time of day, a random key.
    columns = {c["name"] for c in inspect(db.engine).get_columns("evaluation_response")}
    assert columns == {"id", "evaluation_id", "submitted_on"}
    response = db.session.scalar(select(EvaluationResponse))
    assert len(response.id) == 32 and not response.id.isdigit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "evaluation.submitted"))
    assert "budget" not in str(entry.changes) and "5" not in str(entry.changes)


def test_only_participants_answer_and_only_the_workshops_staff_see_results(client, held, db, app, factory):
    login(client, factory.user(locale="en"))
    assert client.get(f"/workshops/{held['workshop'].id}/evaluation").status_code == 403
    other = app.test_client()
    login(other, factory.user(roles=("trainer",)))
    assert other.get(f"/workshops/{held['workshop'].id}/evaluation/results").status_code == 403


def test_closed_evaluation_is_refused(client, held, db):
    held["session"].starts_at = datetime.now(timezone.utc) - timedelta(days=30)
    held["session"].ends_at = held["session"].starts_at + timedelta(hours=2)
    db.session.commit()
    person = held["participant"]()
    login(client, person)
    url = f"/workshops/{held['workshop'].id}/evaluation"
    assert "closed" in client.get(url).get_data(as_text=True)
    response = post_form(client, url, _answers(db, [5, 5, 5, 5, 5, 5]))
    assert response.status_code == 400 and db.session.scalar(select(func.count()).select_from(EvaluationSubmission)) == 0


def test_results_are_aggregates_shown_from_three_answers(client, held, db, app, count_queries):
    plans = [([5, 4, 4, 3, 5, 4], ("Useful examples", "")), ([4, 4, 5, 2, 4, 4], ("", "More time")),
             ([5, 5, 5, 4, 5, 5], ("", "")), ([3, 2, 4, 3, 3, 3], ("Group work", "Shorter lectures"))]
    names = []
    trainer = app.test_client()
    login(trainer, held["trainer"])
    url = f"/workshops/{held['workshop'].id}/evaluation/results"
    for number, (likert, comments) in enumerate(plans):
        person = held["participant"](given_name=f"Person{number}")
        names.append(person.full_name)
        visitor = app.test_client()
        login(visitor, person)
        post_form(visitor, f"/workshops/{held['workshop'].id}/evaluation", _answers(db, likert, comments))
        if number == 1:  # two answers: nothing shown yet
            page = trainer.get(url).get_data(as_text=True)
            assert "Results are shown once at least 3 people have answered" in page and "More time" not in page
    page = trainer.get(url).get_data(as_text=True)
    first = [p[0][0] for p in plans]
    assert f"{sum(first) / len(first):.2f}" in page  # the mean of the first statement: 4.25
    assert "4 of 4 participants answered" in page
    for comment in ("Useful examples", "More time", "Group work", "Shorter lectures"):
        assert comment in page
    assert not any(name in page for name in names)
    with count_queries() as small:
        trainer.get(url)
    person = held["participant"]()
    visitor = app.test_client()
    login(visitor, person)
    post_form(visitor, f"/workshops/{held['workshop'].id}/evaluation", _answers(db, [1, 1, 1, 1, 1, 1], ("x", "y")))
    with count_queries() as large:
        trainer.get(url)
    assert large.count == small.count


def test_a_workshop_can_require_the_evaluation_for_completion(client, held, db):
    from lga.attendance import services as attendance

    held["workshop"].evaluation_required = True
    db.session.commit()
    person = held["participant"]()
    attendance.set_statuses(held["session"], {person.id: "present"}, actor=held["trainer"])
    db.session.commit()
    status = lambda: db.session.scalar(select(Enrolment.status).where(Enrolment.user_id == person.id))  # noqa: E731
    assert status() == "enrolled"
    login(client, person)
    assert "evaluation not submitted yet" in client.get("/my/trainings").get_data(as_text=True)
    post_form(client, f"/workshops/{held['workshop'].id}/evaluation", _answers(db, [4, 4, 4, 4, 4, 4]))
    db.session.expire_all()
    assert status() == "completed"
