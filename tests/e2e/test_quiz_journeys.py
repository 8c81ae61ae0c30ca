"""A quiz in the browser: a trainee takes a timed pre-test on a phone, loses the connection and
reloads half-way without losing an answer, submits; the trainer reads the item analysis."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from lga.db_types import utcnow
from lga.enrolment.models import Enrolment
from lga.quizzes import bank
from lga.quizzes.models import Attempt, AttemptAnswer, Question, Quiz, QuizQuestion
from tests.e2e.test_workshop_journeys import log_in, no_horizontal_scroll
from tests.integration.test_quizzes import GIFT


def _pre_test(db, factory):
    module = factory.module(code="e2e-finance")
    bank.import_questions(module, bank.parse_file(GIFT, language="en"), language="en")
    trainer = factory.user(roles=("trainer",), given_name="Burim")
    workshop = factory.workshop(module=module, start=date.today() + timedelta(days=1), trainers=[trainer],
                                title="Planifikimi i financimit")
    quiz = Quiz(module_id=module.id, code="pre-test", kind="pre_test", title={"sq": "Testi paraprak", "en": "Pre-test"},
                time_limit_minutes=15, attempts_allowed=1, shuffle_questions=False, shuffle_choices=False,
                pass_mark=60, review="never")
    db.session.add(quiz)
    db.session.flush()
    questions = {q.title: q for q in db.session.scalars(select(Question).where(Question.module_id == module.id))}
    for position, title in enumerate(["Q1", "Q3", "Q4", "Q5", "Q2", "Q6"]):
        db.session.add(QuizQuestion(quiz_id=quiz.id, question_id=questions[title].id, position=position))
    person = factory.user(given_name="Dafinë", family_name="Çeku")
    others = [factory.user(password=None) for _ in range(3)]
    for someone in [person, *others]:
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=someone.id, status="enrolled"))
    db.session.commit()
    return workshop, quiz, trainer, person, questions


def _saved(phone):
    phone.locator(".save-status.saved").wait_for()


def test_trainee_takes_a_timed_pre_test_on_a_phone_and_the_trainer_reads_the_analysis(
        app, page, phone, shot, db, factory):
    workshop, quiz, trainer, person, questions = _pre_test(db, factory)
    log_in(phone, person)
    phone.goto(f"/workshops/{workshop.id}")
    phone.locator(f"a[href='/workshops/{workshop.id}/quizzes']").first.click()
    phone.locator(f"a[href='/workshops/{workshop.id}/quizzes/{quiz.id}']").click()
    shot(phone, "quiz-start-phone")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(re.compile(r"/attempts/\d+"))
    attempt_id = int(re.search(r"/attempts/(\d+)", phone.url).group(1))
    assert phone.locator(".timer").is_visible()
    no_horizontal_scroll(phone)

    # Question 1: picking an answer saves it at once.
    phone.locator("label.option", has_text="The Specific Grant").click()
    _saved(phone)
    shot(phone, "quiz-question-phone")
    phone.locator("button[name=goto][value='1']").first.click()
    phone.wait_for_url(re.compile(r"page=1"))
    # Question 2 while the connection is down: the answer waits on the phone ...
    phone.context.set_offline(True)
    phone.locator("label.option", has_text=re.compile("^ *(E vërtetë|True) *$")).click()
    phone.locator(".save-status.offline").wait_for()
    shot(phone, "quiz-offline-phone")
    # ... and is sent when it comes back.
    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    _saved(phone)
    # A reload half-way loses nothing.
    phone.reload()
    assert phone.locator("input[type=radio][value=true]").is_checked()
    phone.goto(f"/attempts/{attempt_id}?page=0")
    option = phone.locator("label.option", has_text="The Specific Grant").locator("input")
    assert option.is_checked()
    # Question 3, a short answer typed and saved, then finish.
    phone.goto(f"/attempts/{attempt_id}?page=2")
    phone.fill("input[type=text]", "AKK")
    phone.locator("button[name=goto][value=summary]").click()
    phone.wait_for_url(re.compile(r"/summary$"))
    shot(phone, "quiz-summary-phone")
    phone.locator("main form button[type=submit]").first.click()
    phone.wait_for_url(re.compile(r"/review$"))
    no_horizontal_scroll(phone)
    shot(phone, "quiz-result-phone")
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == "finished" and attempt.percent == 50.0  # 3 of 6, nothing lost
    answers = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
    assert len(answers) == 3
    assert "50.0%" in phone.locator("main").inner_text()
    assert "The General Grant" not in phone.locator(".feedback, .right").all_inner_texts()  # review "never"

    # Other participants take it too (quickly, on the server) so that the analysis has data.
    from lga.quizzes import attempts as service

    for i, someone in enumerate(db.session.scalars(select(Enrolment.user_id).where(
            Enrolment.workshop_id == workshop.id, Enrolment.user_id != person.id)).all()):
        from lga.accounts.models import User

        other = service.start(quiz, workshop, db.session.get(User, someone), now=utcnow())
        q1 = questions["Q1"]
        pick = q1.key["choices"][0 if i < 2 else 1]["id"]
        service.save(other, {q1.id: {"choice": pick}, questions["Q3"].id: {"value": i != 0}})
        service.finish(other)
    db.session.commit()

    log_in(page, trainer)
    page.goto(f"/workshops/{workshop.id}/quizzes")
    page.locator(f"a[href='/workshops/{workshop.id}/quizzes/{quiz.id}/analysis']").click()
    page.wait_for_url(re.compile(r"/analysis$"))
    table = page.locator("main table")
    assert table.is_visible()
    first_row = table.locator("tbody tr").first
    assert "Q1" in first_row.inner_text() and "75%" in first_row.inner_text()
    shot(page, "quiz-item-analysis")
