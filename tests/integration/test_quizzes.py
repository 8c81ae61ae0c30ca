"""Quizzes end to end on the server: taking an attempt (saved as one goes, resumed, timed by the
server, submitted once), keys that never leak, grading and regrading, marking by hand, grades by
method, completion needing the post-test, item analysis and learning gain."""
from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lga.db_types import utcnow
from lga.enrolment.models import Enrolment
from lga.quizzes import attempts as service
from lga.quizzes import bank
from lga.quizzes.models import Attempt, AttemptAnswer, Question, Quiz, QuizGrade, QuizQuestion
from tests.conftest import login, post_form

# Feedback and accepted answers carry markers so a test can tell they never reached a page early.
GIFT = """
$CATEGORY: finance/specific-grant

// source: seeds/001 "Granti i Veçantë për Shërbime Sociale"
::Q1::Which grant finances social services by minimum standards?{
=The Specific Grant#FEEDBACK-RIGHT-1
~The General Grant#FEEDBACK-WRONG-1
~No grant#FEEDBACK-WRONG-2
####GENERAL-FEEDBACK-1
}

::Q2::Which bodies drafted the model municipal plan?{
~%50%MPMS
~%50%The AKK collegium
~%-100%The Assembly of Kosovo
}

::Q3::Municipalities have full and exclusive competences in family services.{TRUE}

::Q4::Which association of municipalities took part?{=SECRET-ACCEPTED =AKK}

::Q5::For which year was the budget planned?{#2021:0}

::Q6::Match the acronym.{
=MPMS -> Ministry
=QPS -> Centre for Social Work
=AKK -> Association
}
"""
RIGHT = {"Q1": "The Specific Grant", "Q3": True, "Q4": "akk", "Q5": "2021"}


@pytest.fixture()
def setup(factory, db):
    module = factory.module(code="finance")
    questions = bank.parse_file(GIFT, language="en")
    bank.import_questions(module, questions, language="en")
    by_title = {q.title: q for q in db.session.scalars(select(Question).where(Question.module_id == module.id))}
    trainer = factory.user(roles=("trainer",), locale="en")
    workshop = factory.workshop(module=module, start=date.today(), trainers=[trainer], sessions=1)

    def quiz(kind="pre_test", **kwargs):
        values = dict(module_id=module.id, code=kind.replace("_", "-"), kind=kind,
                      title={"en": kind, "sq": kind}, shuffle_questions=False, shuffle_choices=False,
                      attempts_allowed=2, pass_mark=60, review="immediately",
                      opens_at=utcnow() - timedelta(hours=1), closes_at=utcnow() + timedelta(days=1))
        values.update(kwargs)
        row = Quiz(**values)
        db.session.add(row)
        db.session.flush()
        for position, title in enumerate(["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]):
            db.session.add(QuizQuestion(quiz_id=row.id, question_id=by_title[title].id, position=position))
        db.session.commit()
        return row

    def participant(**kwargs):
        person = factory.user(locale="en", **kwargs)
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
        db.session.commit()
        return person

    return {"module": module, "q": by_title, "trainer": trainer, "workshop": workshop, "quiz": quiz,
            "participant": participant}


def _choice_id(question: Question, text: str) -> int:
    return next(c["id"] for c in question.key["choices"] if c["text"].get("en") == text)


def _form_for(setup, answers: dict, attempt: Attempt) -> dict:
    """Form fields for the given answers, as the attempt page names them (options by the
    attempt's tokens)."""
    q = setup["q"]
    data = {}
    for title, value in answers.items():
        question = q[title]
        _to_id, token = service.token_maps(attempt.layout, question.id)
        if question.qtype == "single":
            data[f"q{question.id}-choice"] = token[_choice_id(question, value)]
        elif question.qtype == "multi":
            data[f"q{question.id}-choices"] = [token[_choice_id(question, v)] for v in value]
        elif question.qtype == "truefalse":
            data[f"q{question.id}-value"] = "true" if value else "false"
        elif question.qtype == "short":
            data[f"q{question.id}-text"] = value
        elif question.qtype == "numerical":
            data[f"q{question.id}-value"] = value
        elif question.qtype == "matching":
            pairs = {p["left"]["en"]: p["id"] for p in question.key["pairs"]}
            rights = {p["right"]["en"]: p["id"] for p in question.key["pairs"]}
            for left, right in value.items():
                data[f"q{question.id}-pair-{pairs[left]}"] = token[rights[right]]
    return data


def _start(client, setup, quiz) -> Attempt:
    response = post_form(client, f"/workshops/{setup['workshop'].id}/quizzes/{quiz.id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    from lga.extensions import db

    return db.session.get(Attempt, attempt_id)


def _take(client, setup, quiz, answers: dict) -> Attempt:
    attempt = _start(client, setup, quiz)
    post_form(client, f"/attempts/{attempt.id}", {**_form_for(setup, answers, attempt), "goto": "0"})
    post_form(client, f"/attempts/{attempt.id}/summary")
    from lga.extensions import db

    db.session.expire_all()
    return db.session.get(Attempt, attempt.id)


def test_taking_a_quiz_saves_as_one_goes_resumes_and_submits_once(client, setup, db):
    quiz = setup["quiz"](review="immediately")
    person = setup["participant"]()
    login(client, person)
    attempt = _start(client, setup, quiz)
    # Starting twice gives the same attempt (a double click, a second tab).
    assert _start(client, setup, quiz).id == attempt.id
    page = client.get(f"/attempts/{attempt.id}?page=0").get_data(as_text=True)
    assert "Which grant finances" in page
    # Save answers as the person goes: an autosave, then a page turn.
    q = setup["q"]
    saved = post_form(client, f"/attempts/{attempt.id}/save", _form_for(setup, {"Q1": "The Specific Grant"}, attempt))
    assert saved.status_code == 200 and saved.get_json()["saved"] == 1
    post_form(client, f"/attempts/{attempt.id}", {**_form_for(setup, {"Q4": "AKK"}, attempt), "goto": "4"})
    # A reload loses nothing, and the attempt resumes on the page where it was left.
    resumed = client.get(f"/workshops/{setup['workshop'].id}/quizzes/{quiz.id}").get_data(as_text=True)
    assert f"/attempts/{attempt.id}?page=4" in resumed
    page = client.get(f"/attempts/{attempt.id}?page=0").get_data(as_text=True)
    token = service.token_maps(attempt.layout, q["Q1"].id)[1][_choice_id(q["Q1"], "The Specific Grant")]
    assert re.search(rf'value="{token}" checked', page)
    page = client.get(f"/attempts/{attempt.id}?page=3").get_data(as_text=True)
    assert 'value="AKK"' in page
    # Submit; a second submit changes nothing.
    post_form(client, f"/attempts/{attempt.id}", {**_form_for(setup, {"Q3": True, "Q5": "2021"}, attempt), "goto": "5"})
    post_form(client, f"/attempts/{attempt.id}/summary")
    db.session.expire_all()
    done = db.session.get(Attempt, attempt.id)
    assert done.state == "finished" and done.percent == pytest.approx(400 / 6, abs=0.01)
    finished_at = done.finished_at
    assert post_form(client, f"/attempts/{attempt.id}/summary").status_code == 302
    assert post_form(client, f"/attempts/{attempt.id}/save", _form_for(setup, {"Q2": ["MPMS"]}, attempt)).status_code == 409
    db.session.expire_all()
    again = db.session.get(Attempt, attempt.id)
    assert (again.finished_at, again.percent) == (finished_at, done.percent)
    assert db.session.scalar(select(func.count()).select_from(QuizGrade)) == 1


def test_keys_never_reach_a_page_before_review(client, setup, db):
    quiz = setup["quiz"](review="after_close")
    person = setup["participant"]()
    login(client, person)
    attempt = _start(client, setup, quiz)
    secrets = ["FEEDBACK-RIGHT", "FEEDBACK-WRONG", "GENERAL-FEEDBACK", "SECRET-ACCEPTED", "2021", "fraction"]
    pages = [client.get(f"/attempts/{attempt.id}?page={i}").get_data(as_text=True) for i in range(6)]
    pages.append(client.get(f"/attempts/{attempt.id}/summary").get_data(as_text=True))
    pages.append(json.dumps(post_form(client, f"/attempts/{attempt.id}/save",
                                      _form_for(setup, {"Q1": "The General Grant"}, attempt)).get_json()))
    for html in pages:
        for secret in secrets:
            assert secret not in html
    # Options are named by random tokens: neither the key's ids (right answer often first in the
    # file) nor, in matching, the pair an item belongs to.
    q = setup["q"]
    matching = pages[5]
    for pair in q["Q6"].key["pairs"]:
        assert f'<option value="{pair["id"]}"' not in matching
    assert f'name="q{q["Q1"].id}-choice" value="1"' not in pages[0]
    # Finished, but the quiz has not closed: the review shows the grade, not the answers.
    post_form(client, f"/attempts/{attempt.id}/summary")
    review = client.get(f"/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Grade" in review
    for secret in secrets[:4]:
        assert secret not in review
    # Once it closes, the review shows the feedback and the right answers.
    quiz.opens_at, quiz.closes_at = utcnow() - timedelta(days=2), utcnow() - timedelta(minutes=1)
    db.session.commit()
    review = client.get(f"/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "FEEDBACK-WRONG-1" in review and "GENERAL-FEEDBACK-1" in review


def test_nobody_reads_or_writes_another_persons_attempt(client, setup, db, app, factory):
    quiz = setup["quiz"]()
    owner = setup["participant"]()
    login(client, owner)
    attempt = _start(client, setup, quiz)
    other = app.test_client()
    login(other, setup["participant"]())
    for url in (f"/attempts/{attempt.id}", f"/attempts/{attempt.id}/summary", f"/attempts/{attempt.id}/review"):
        assert other.get(url).status_code == 404
    for url in (f"/attempts/{attempt.id}", f"/attempts/{attempt.id}/save", f"/attempts/{attempt.id}/summary"):
        assert post_form(other, url, _form_for(setup, {"Q1": "The Specific Grant"}, attempt)).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == 0
    # Someone without a place cannot start.
    stranger = app.test_client()
    login(stranger, factory.user(locale="en"))
    response = post_form(stranger, f"/workshops/{setup['workshop'].id}/quizzes/{quiz.id}/start", follow_redirects=True)
    assert "Only participants" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_the_server_keeps_the_clock(client, setup, db, runner):
    quiz = setup["quiz"](time_limit_minutes=10)
    person = setup["participant"]()
    login(client, person)
    attempt = _start(client, setup, quiz)
    assert attempt.deadline is not None
    post_form(client, f"/attempts/{attempt.id}/save", _form_for(setup, {"Q1": "The Specific Grant", "Q3": True}, attempt))
    # Time runs out while the phone is off; an answer arriving after it is refused.
    attempt.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = post_form(client, f"/attempts/{attempt.id}/save", _form_for(setup, {"Q5": "2021"}, attempt))
    assert late.status_code == 409
    db.session.expire_all()
    done = db.session.get(Attempt, attempt.id)
    assert done.state == "finished" and done.finished_at == done.deadline
    assert done.percent == pytest.approx(200 / 6, abs=0.01)  # Q1 and Q3, saved in time; not Q5
    # Another attempt left to the clock is closed by the cron command, as of its deadline.
    second = _start(client, setup, quiz)
    second.deadline = utcnow() - timedelta(minutes=5)
    db.session.commit()
    result = runner.invoke(args=["lga", "close-attempts"])
    assert "Attempts closed: 1." in result.output
    db.session.expire_all()
    assert db.session.get(Attempt, second.id).state == "finished"


@pytest.mark.parametrize("method,expected", [("highest", 100.0), ("last", 50.0), ("first", 50.0)])
def test_grading_method_chooses_the_attempt_that_counts(client, setup, db, method, expected):
    quiz = setup["quiz"](grading_method=method, attempts_allowed=3)
    person = setup["participant"]()
    login(client, person)
    everything = {"Q1": "The Specific Grant", "Q2": ["MPMS", "The AKK collegium"], "Q3": True, "Q4": "akk",
                  "Q5": "2021", "Q6": {"MPMS": "Ministry", "QPS": "Centre for Social Work", "AKK": "Association"}}
    half = {"Q1": "The Specific Grant", "Q3": True, "Q5": "2021"}
    assert _take(client, setup, quiz, half).percent == 50.0
    assert _take(client, setup, quiz, everything).percent == 100.0
    assert _take(client, setup, quiz, half).percent == 50.0
    grade = db.session.scalar(select(QuizGrade).where(QuizGrade.user_id == person.id))
    assert grade.percent == expected
    # Three attempts allowed and used: a fourth is refused.
    refused = post_form(client, f"/workshops/{setup['workshop'].id}/quizzes/{quiz.id}/start", follow_redirects=True)
    assert "used all your attempts" in refused.get_data(as_text=True)


def test_partial_credit_penalties_and_matching(client, setup, db):
    quiz = setup["quiz"]()
    person = setup["participant"]()
    login(client, person)
    attempt = _take(client, setup, quiz, {
        "Q2": ["MPMS", "The Assembly of Kosovo"],  # 50% - 100%: nothing
        "Q6": {"MPMS": "Ministry", "QPS": "Association", "AKK": "Centre for Social Work"},  # 1 of 3
        "Q4": "  A.K.K ",  # not an accepted answer
    })
    scores = {a.question_id: a.fraction for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}
    q = setup["q"]
    assert scores[q["Q2"].id] == 0.0 and scores[q["Q6"].id] == pytest.approx(1 / 3) and scores[q["Q4"].id] == 0.0


def test_fixing_a_key_regrades_and_a_trainer_marks_a_short_answer(client, setup, db, app):
    quiz = setup["quiz"]()
    person = setup["participant"]()
    login(client, person)
    attempt = _take(client, setup, quiz, {"Q1": "The General Grant", "Q4": "Asociacioni i Komunave"})
    assert attempt.percent == 0.0
    trainer = app.test_client()
    login(trainer, setup["trainer"])
    q1 = setup["q"]["Q1"]
    form = {f"fraction-{c['id']}": "100" if c["text"]["en"] == "The General Grant" else "0" for c in q1.key["choices"]}
    response = post_form(trainer, f"/questions/{q1.id}", form, follow_redirects=True)
    assert "1 attempt was regraded" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).percent == pytest.approx(100 / 6, abs=0.01)
    assert db.session.get(Question, q1.id).version == 2
    # A key that gives no answer 100% is refused and changes nothing.
    bad = {f"fraction-{c['id']}": "50" for c in q1.key["choices"]}
    assert post_form(trainer, f"/questions/{q1.id}", bad).status_code == 400
    # The trainer accepts the long form of the short answer by hand.
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id,
                                                          AttemptAnswer.question_id == setup["q"]["Q4"].id))
    post_form(trainer, f"/answers/{answer.id}/override", {"percent": "100", "note": "The full name is right"})
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).percent == pytest.approx(200 / 6, abs=0.01)
    grade = db.session.scalar(select(QuizGrade).where(QuizGrade.user_id == person.id))
    assert grade.percent == pytest.approx(200 / 6, abs=0.01)
    # The participant cannot mark their own answer.
    assert post_form(client, f"/answers/{answer.id}/override", {"percent": "100"}).status_code == 403


def test_completion_needs_the_post_test_where_there_is_one(client, setup, db, app):
    from lga.attendance import services as attendance
    from lga.catalogue.models import WorkshopSession

    post = setup["quiz"](kind="post_test", pass_mark=50)
    person = setup["participant"]()
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.workshop_id == setup["workshop"].id))
    attendance.set_statuses(session, {person.id: "present"}, actor=setup["trainer"])
    db.session.commit()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment.status == "enrolled"  # present, but the post-test is still to pass
    login(client, person)
    _take(client, setup, post, {"Q1": "The Specific Grant", "Q3": True, "Q5": "2021"})
    db.session.expire_all()
    assert db.session.scalar(select(Enrolment.status).where(Enrolment.user_id == person.id)) == "completed"


def test_item_analysis_and_learning_gain(client, setup, db, app):
    pre = setup["quiz"](kind="pre_test", review="never")
    post = setup["quiz"](kind="post_test")
    everything = {"Q1": "The Specific Grant", "Q2": ["MPMS", "The AKK collegium"], "Q3": True, "Q4": "akk",
                  "Q5": "2021", "Q6": {"MPMS": "Ministry", "QPS": "Centre for Social Work", "AKK": "Association"}}
    plans = [  # (pre answers, post answers) per person
        ({"Q3": True}, everything),
        ({"Q1": "The General Grant", "Q3": True}, {k: everything[k] for k in ("Q1", "Q2", "Q3", "Q5")}),
        ({"Q1": "The Specific Grant", "Q3": False, "Q5": "2021"}, {k: everything[k] for k in ("Q1", "Q3", "Q5")}),
        ({}, {"Q1": "No grant", "Q3": True}),
    ]
    people = []
    for pre_answers, post_answers in plans:
        person = setup["participant"]()
        people.append(person)
        visitor = app.test_client()
        login(visitor, person)
        _take(visitor, setup, pre, pre_answers)
        _take(visitor, setup, post, post_answers)
    trainer = app.test_client()
    login(trainer, setup["trainer"])
    # Learning gain, checked against the definitions.
    html = trainer.get(f"/workshops/{setup['workshop'].id}/learning-gain").get_data(as_text=True)
    pres = [100 / 6, 100 / 6, 200 / 6, 0.0]
    posts = [100.0, 400 / 6, 300 / 6, 100 / 6]
    mean_pre, mean_post = sum(pres) / 4, sum(posts) / 4
    assert f"{mean_pre:.1f}%" in html and f"{mean_post:.1f}%" in html
    assert f"{(mean_post - mean_pre) / (100 - mean_pre):.2f}" in html
    gains = [(b - a) / (100 - a) for a, b in zip(pres, posts)]
    assert f"{sum(gains) / 4:.2f}" in html
    # Item analysis of the post-test, recomputed here from the scores.
    scores = {p.id: {} for p in people}
    for answer, user_id in db.session.execute(select(AttemptAnswer, Attempt.user_id).join(
            Attempt, Attempt.id == AttemptAnswer.attempt_id).where(Attempt.quiz_id == post.id)):
        scores[user_id][answer.question_id] = answer.fraction
    q1 = setup["q"]["Q1"].id
    x = [scores[p.id].get(q1, 0.0) for p in people]
    totals = [sum(scores[p.id].values()) for p in people]
    y = [(t - xi) / 5 for t, xi in zip(totals, x)]
    n = 4
    r = (n * sum(a * b for a, b in zip(x, y)) - sum(x) * sum(y)) / math.sqrt(
        (n * sum(a * a for a in x) - sum(x) ** 2) * (n * sum(b * b for b in y) - sum(y) ** 2))
    from lga.quizzes.analysis import items

    population, stats = items(post, setup["workshop"].id)
    first = next(s for s in stats if s.question.id == q1)
    assert population == 4 and first.facility == pytest.approx(75.0) and first.discrimination == pytest.approx(r, abs=1e-3)
    right = _choice_id(setup["q"]["Q1"], "The Specific Grant")
    assert first.picks == {right: 3, _choice_id(setup["q"]["Q1"], "No grant"): 1}
    page = trainer.get(f"/workshops/{setup['workshop'].id}/quizzes/{post.id}/analysis")
    assert page.status_code == 200 and "75%" in page.get_data(as_text=True)


def test_pages_and_grading_run_a_fixed_number_of_queries(client, setup, db, count_queries, factory):
    quiz = setup["quiz"]()
    person = setup["participant"]()
    login(client, person)
    attempt = _start(client, setup, quiz)
    client.get(f"/attempts/{attempt.id}?page=1")
    with count_queries() as page:
        client.get(f"/attempts/{attempt.id}?page=1")
    assert page.count <= 12, "\n".join(page.statements)
    post_form(client, f"/attempts/{attempt.id}", {**_form_for(setup, {"Q1": "The Specific Grant", "Q3": True,
                                                                      "Q4": "akk", "Q5": "2021"}, attempt), "goto": "0"})
    # Many more questions in the quiz: grading costs the same number of queries.
    module = setup["module"]
    extra = "\n\n".join(f"::X{i}::Statement {i}.{{TRUE}}" for i in range(40))
    bank.import_questions(module, bank.parse_file(extra, language="en"), language="en")
    big = setup["quiz"](code="big")
    for i, row in enumerate(db.session.scalars(select(Question).where(Question.title.like("X%")))):
        db.session.add(QuizQuestion(quiz_id=big.id, question_id=row.id, position=10 + i))
    db.session.commit()
    big_attempt = _start(client, setup, big)
    post_form(client, f"/attempts/{big_attempt.id}/save", {
        f"q{row.id}-value": "true" for row in db.session.scalars(select(Question).where(Question.title.like("X%")))})
    db.session.expire_all()
    big_attempt = db.session.get(Attempt, big_attempt.id)
    big_attempt.state = "finished"
    attempt = db.session.get(Attempt, attempt.id)
    attempt.state = "finished"
    with count_queries() as small:
        service.grade_attempts([attempt])
    with count_queries() as large:
        service.grade_attempts([big_attempt])
    # (Updates are batched per set of changed columns, so a mix of types may add a statement or two.)
    assert large.count <= small.count <= 20, "\n".join(large.statements)
    assert big_attempt.percent == pytest.approx(100 * 40 / 46, abs=0.01)


def test_a_trainer_sets_up_a_workshop_quiz(client, setup, db, app):
    login(client, setup["trainer"])
    workshop, q = setup["workshop"], setup["q"]
    url = f"/workshops/{workshop.id}/quizzes/new"
    form = client.get(url).get_data(as_text=True)
    assert all(f'value="{question.id}"' in form for question in q.values())  # the module's bank is offered
    refused = post_form(client, url, {"kind": "practice", "title_sq": "", "attempts_allowed": "1", "pass_mark": "60",
                                      "grading_method": "highest", "review": "immediately",
                                      "opens_at": "2026-12-01T10:00", "closes_at": "2026-12-01T09:00"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Give the quiz a title" in html and "close after it opens" in html
    assert "Choose at least one question" in html and db.session.scalar(select(func.count()).select_from(Quiz)) == 0
    response = post_form(client, url, {
        "kind": "practice", "title_sq": "Ushtrim", "title_en": "Practice", "attempts_allowed": "0",
        "pass_mark": "50", "grading_method": "last", "review": "immediately", "time_limit_minutes": "5",
        "opens_at": "2026-11-01T08:00", "closes_at": "2027-01-01T08:00", "shuffle_questions": "y",
        "is_published": "y", "question_ids": [str(q["Q1"].id), str(q["Q3"].id)]})
    assert response.status_code == 302
    quiz = db.session.scalar(select(Quiz))
    assert (quiz.workshop_id, quiz.kind, quiz.title, quiz.attempts_allowed, quiz.time_limit_minutes) == (
        workshop.id, "practice", {"sq": "Ushtrim", "en": "Practice"}, 0, 5)
    assert quiz.opens_at.hour == 7  # 08:00 in Prishtina is 07:00 UTC in November
    assert [s.question_id for s in db.session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id)
                                                      .order_by(QuizQuestion.position))] == [q["Q1"].id, q["Q3"].id]
    # A participant takes it; raising the pass mark regrades.
    person = setup["participant"]()
    visitor = app.test_client()
    login(visitor, person)
    attempt = _take(visitor, setup, quiz, {"Q1": "The Specific Grant"})
    assert attempt.percent == 50.0 and attempt.passed
    edit = f"/workshops/{workshop.id}/quizzes/{quiz.id}/edit"
    assert 'value="Ushtrim"' in client.get(edit).get_data(as_text=True)
    post_form(client, edit, {"kind": "practice", "title_sq": "Ushtrim", "attempts_allowed": "0", "pass_mark": "60",
                             "grading_method": "last", "review": "immediately", "is_published": "y",
                             "question_ids": [str(q["Q1"].id), str(q["Q3"].id)]})
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).passed is False
    # Another trainer cannot touch it.
    other = app.test_client()
    from tests.factories import Factory

    login(other, Factory().user(roles=("trainer",)))
    assert other.get(edit).status_code == 403


def test_the_summary_after_the_deadline_finishes_and_a_closing_moved_earlier_ends_attempts(client, setup, db, app):
    quiz = setup["quiz"](time_limit_minutes=30)
    person = setup["participant"]()
    login(client, person)
    attempt = _start(client, setup, quiz)
    attempt.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(f"/attempts/{attempt.id}/summary")
    assert response.status_code == 302 and response.headers["Location"].endswith("/review")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == "finished"
    # A workshop quiz whose closing the trainer moves earlier: attempts under way end then too.
    own = Quiz(workshop_id=setup["workshop"].id, kind="practice", title={"en": "Practice"}, attempts_allowed=0,
               opens_at=utcnow() - timedelta(hours=1), closes_at=utcnow() + timedelta(days=1))
    db.session.add(own)
    db.session.flush()
    db.session.add(QuizQuestion(quiz_id=own.id, question_id=setup["q"]["Q3"].id, position=0))
    db.session.commit()
    running = _start(client, setup, own)
    assert running.deadline == own.closes_at
    trainer = app.test_client()
    login(trainer, setup["trainer"])
    closes = (datetime.now(ZoneInfo("Europe/Belgrade")) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    post_form(trainer, f"/workshops/{setup['workshop'].id}/quizzes/{own.id}/edit", {
        "kind": "practice", "title_sq": "Ushtrim", "attempts_allowed": "0", "pass_mark": "60",
        "grading_method": "highest", "review": "immediately", "is_published": "y", "closes_at": closes,
        "opens_at": (datetime.now(ZoneInfo("Europe/Belgrade")) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "question_ids": [str(setup["q"]["Q3"].id)]})
    db.session.expire_all()
    assert db.session.get(Attempt, running.id).deadline < utcnow() + timedelta(hours=2, minutes=1)


def test_an_empty_date_follows_the_workshop(setup, db):
    from lga.catalogue.models import WorkshopSession

    post = setup["quiz"](kind="post_test", opens_at=None, closes_at=utcnow() + timedelta(days=30))
    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.workshop_id == setup["workshop"].id))
    span = service.window(post, setup["workshop"])
    assert span.opens == session.starts_at and span.closes == post.closes_at
