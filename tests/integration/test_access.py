"""Access as a mechanism: every endpoint declares who may use it, and the declaration holds."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lga import access
from tests.conftest import login

ROLES = access.ROLES


def sample_urls(app, objects) -> dict[str, str]:
    """A concrete URL for every GET endpoint. A new endpoint with URL arguments must be taught
    here, so that it is tested like every other."""
    args = {
        "static": {"filename": "css/app.css"},
        "catalogue.programme": {"code": "LGA"},
        "catalogue.module": {"code": objects["module"].code},
        "catalogue.reading": {"code": objects["module"].code, "slug": "notes"},
        "accounts.person": {"user_id": objects["person"].id},
        "accounts.reset_password": {"token": "not-a-token"},
        "admin.reference_list": {"kind": "municipalities"},
        "admin.reference_edit": {"kind": "municipalities"},
        "catalogue.calendar_month": {"year": 2026, "month": 11},
        "catalogue.workshop": {"workshop_id": objects["workshop"].id},
        "catalogue.workshop_ics": {"workshop_id": objects["workshop"].id},
        "catalogue.workshop_edit": {"workshop_id": objects["workshop"].id},
        "catalogue.workshop_sessions": {"workshop_id": objects["workshop"].id},
        "catalogue.session_edit": {"workshop_id": objects["workshop"].id,
                                   "session_id": objects["session_id"]},
        "enrolment.roster": {"workshop_id": objects["workshop"].id},
        "attendance.roll_call": {"session_id": objects["session_id"]},
        "attendance.sheet": {"workshop_id": objects["workshop"].id},
        "attendance.workshop_certificates": {"workshop_id": objects["workshop"].id},
        "attendance.verify": {"code": objects["certificate"]},
        "attendance.certificate_pdf": {"code": objects["certificate"]},
        "attendance.sheet_csv": {"workshop_id": objects["workshop"].id},
        "attendance.sheet_xlsx": {"workshop_id": objects["workshop"].id},
        "attendance.checkin_screen": {"session_id": objects["session_id"]},
        "attendance.checkin_qr": {"session_id": objects["session_id"]},
        "attendance.checkin_code": {"session_id": objects["session_id"], "code": "ABCDEF"},
        "attendance.checkin_ticket": {"ticket": "not-a-ticket"},
        "attendance.report_upload": {"session_id": objects["session_id"]},
        "attendance.report_preview": {"token": "not-a-token"},
        "enrolment.feed": {"token": objects["feed_token"]},
        "enrolment.import_preview": {"token": "not-a-token"},
        "quizzes.workshop_quizzes": {"workshop_id": objects["workshop"].id},
        "quizzes.quiz_page": {"workshop_id": objects["workshop"].id, "quiz_id": objects["quiz"]},
        "quizzes.attempt": {"attempt_id": objects["attempt"]},
        "quizzes.summary": {"attempt_id": objects["attempt"]},
        "quizzes.review": {"attempt_id": objects["attempt"]},
        "evaluation.form": {"workshop_id": objects["workshop"].id},
        "evaluation.results": {"workshop_id": objects["workshop"].id},
        "evaluation.template_edit": {"template_id": objects["evaluation_template"]},
        "evaluation.template_preview": {"template_id": objects["evaluation_template"]},
        "evaluation.item_new": {"template_id": objects["evaluation_template"]},
        "evaluation.item_edit": {"template_id": objects["evaluation_template"],
                                 "item_id": objects["evaluation_item"]},
        "reports.outreach_download": {"fmt": "json"},
        "reports.participants_download": {"fmt": "csv"},
        "reports.api_outreach": {"from": "2026-01-01", "to": "2026-12-31"},
        "quizzes.quiz_new": {"workshop_id": objects["workshop"].id},
        "quizzes.quiz_edit": {"workshop_id": objects["workshop"].id, "quiz_id": objects["quiz"]},
        "quizzes.results": {"workshop_id": objects["workshop"].id, "quiz_id": objects["quiz"]},
        "quizzes.analysis": {"workshop_id": objects["workshop"].id, "quiz_id": objects["quiz"]},
        "quizzes.learning_gain": {"workshop_id": objects["workshop"].id},
        "quizzes.bank": {"code": objects["module"].code},
        "quizzes.bank_import": {"code": objects["module"].code},
        "quizzes.bank_export": {"code": objects["module"].code},
        "quizzes.question_page": {"question_id": objects["question"]},
        "discussions.board": {"workshop_id": objects["workshop"].id},
        "discussions.thread": {"thread_id": objects["thread"]},
        "discussions.edit": {"post_id": objects["post"]},
        "discussions.unsubscribe": {"token": "not-a-token"},
        "visits.plan": {"session_id": objects["visit_session"]},
        "visits.edit": {"session_id": objects["visit_session"]},
        "visits.reports": {"session_id": objects["visit_session"]},
        "materials.workshop_materials": {"workshop_id": objects["workshop"].id},
        "materials.material": {"workshop_id": objects["workshop"].id, "material_id": objects["note"]},
        "materials.download": {"workshop_id": objects["workshop"].id, "material_id": objects["material_file"]},
        "materials.material_new": {"workshop_id": objects["workshop"].id},
        "materials.material_edit": {"workshop_id": objects["workshop"].id, "material_id": objects["note"]},
        "groupwork.overview": {"workshop_id": objects["workshop"].id},
        "groupwork.task_new": {"workshop_id": objects["workshop"].id},
        "groupwork.task_edit": {"task_id": objects["task"]},
        "groupwork.task": {"task_id": objects["task"]},
        "groupwork.submission": {"task_id": objects["task"], "group_id": objects["group"]},
        "groupwork.history": {"task_id": objects["task"], "group_id": objects["group"]},
        "groupwork.file": {"file_id": objects["submission_file"]},
    }
    urls = {}
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in urls:
                continue
            urls[rule.endpoint] = url_for(rule.endpoint, **args.get(rule.endpoint, {}))
    return urls


@pytest.fixture()
def objects(factory, db):
    from lga.catalogue.models import ModuleReading

    from lga.enrolment.services import feed_token

    module = factory.module(code="access-module")
    db.session.add(ModuleReading(module_id=module.id, slug="notes", position=0,
                                 title={"sq": "Shënime", "en": "Notes"}, body={"sq": "Tekst", "en": "Text"}))
    person = factory.user(roles=("trainee",))
    workshop = factory.workshop(module=module)
    from sqlalchemy import select

    from lga.catalogue.models import WorkshopSession

    session = db.session.scalar(select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id))
    session_id = session.id
    now = datetime.now(timezone.utc)
    session.checkin_opens_at, session.checkin_closes_at = now, now + timedelta(hours=1)  # the QR image exists
    token = feed_token(person)
    from lga.attendance.models import Certificate
    from lga.enrolment.models import Enrolment

    enrolment = Enrolment(workshop_id=workshop.id, user_id=person.id, status="completed")
    db.session.add(enrolment)
    db.session.flush()
    db.session.add(Certificate(code="ABCD-EFGH-JKLM", enrolment_id=enrolment.id))
    from lga.quizzes.models import Attempt, AttemptAnswer, Question, Quiz, QuizQuestion

    question = Question(module_id=module.id, title="Q1", qtype="truefalse", text={"sq": "A?", "en": "A?"},
                        text_format="moodle", general_feedback={}, key={"correct": True})
    quiz = Quiz(module_id=module.id, code="pre-test", kind="pre_test", title={"sq": "Test", "en": "Test"})
    db.session.add_all([question, quiz])
    db.session.flush()
    db.session.add(QuizQuestion(quiz_id=quiz.id, question_id=question.id, position=0, points=1.0))
    attempt = Attempt(quiz_id=quiz.id, workshop_id=workshop.id, user_id=person.id, number=1, state="finished",
                      layout={"questions": [question.id], "choices": {}}, max_points=1.0, points=1.0, percent=100.0,
                      passed=True, finished_at=now)
    db.session.add(attempt)
    db.session.flush()
    answer = AttemptAnswer(attempt_id=attempt.id, question_id=question.id, response={"value": True}, fraction=1.0)
    db.session.add(answer)
    from lga.discussions.models import DiscussionPost, DiscussionThread
    from lga.visits.models import VisitReport

    thread = DiscussionThread(workshop_id=workshop.id, author_id=person.id, title="Budget plans", post_count=1)
    visit = WorkshopSession(workshop_id=workshop.id, title="Visit", format="study_visit",
                            starts_at=session.starts_at + timedelta(hours=3), ends_at=session.starts_at + timedelta(hours=5))
    db.session.add_all([thread, visit])
    db.session.flush()
    post = DiscussionPost(thread_id=thread.id, author_id=person.id, body="Hello")
    db.session.add_all([post, VisitReport(session_id=visit.id, user_id=person.id, observed="A", to_apply="B")])
    db.session.flush()
    db.session.commit()
    from lga.evaluation.models import EvaluationItem

    evaluation_item = db.session.scalar(select(EvaluationItem).order_by(EvaluationItem.id))  # the standard form's
    from lga import storage
    from lga.groupwork.models import GroupMember, GroupSubmission, GroupTask, SubmissionFile, WorkGroup
    from lga.materials.models import Material

    key = storage.new_key()
    storage.storage().put(key, b"notes", "text/plain")
    note = Material(workshop_id=workshop.id, kind="note", title="Note", body="Text")
    stored = Material(workshop_id=workshop.id, kind="file", title="File", storage_key=key, filename="a.txt",
                      content_type="text/plain", size=5)
    group = WorkGroup(workshop_id=workshop.id, name="Group 1")
    task = GroupTask(workshop_id=workshop.id, title="Plan", deadline=now + timedelta(days=1))
    db.session.add_all([note, stored, group, task])
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, user_id=person.id, workshop_id=workshop.id))
    submission = GroupSubmission(task_id=task.id, group_id=group.id, version=1, text="Draft")
    db.session.add(submission)
    db.session.flush()
    key = storage.new_key()
    storage.storage().put(key, b"plan", "text/plain")
    submitted = SubmissionFile(submission_id=submission.id, storage_key=key, filename="plan.txt",
                               content_type="text/plain", size=4, added_in=1)
    db.session.add(submitted)
    db.session.commit()
    return {"note": note.id, "material_file": stored.id, "group": group.id, "task": task.id,
            "submission_file": submitted.id,
            "evaluation_template": evaluation_item.template_id, "evaluation_item": evaluation_item.id,
            "thread": thread.id, "post": post.id, "visit_session": visit.id,
            "module": module, "person": person, "workshop": workshop, "feed_token": token,
            "session_id": session_id, "certificate": "ABCD-EFGH-JKLM", "quiz": quiz.id, "attempt": attempt.id,
            "question": question.id, "answer": answer.id}


# Endpoints open to any logged-in user whose object check then admits only some roles (the
# sample certificate belongs to another person: only its workshop's staff and managers may have it).
OBJECT_ROLES = {"attendance.certificate_pdf": {"trainer", "manager", "admin"},
                "quizzes.workshop_quizzes": {"trainer", "manager", "admin"},
                "quizzes.quiz_page": {"trainer", "manager", "admin"},
                "evaluation.form": {"trainer", "manager", "admin"},
                # Discussions and study visits: the workshop's members only (the sample person is the
                # only participant), and only its author edits a post.
                "discussions.board": {"trainer", "manager", "admin"},
                "discussions.thread": {"trainer", "manager", "admin"},
                "discussions.edit": set(),
                "visits.plan": {"trainer", "manager", "admin"},
                "materials.workshop_materials": {"trainer", "manager", "admin"},
                "materials.material": {"trainer", "manager", "admin"},
                "materials.download": {"trainer", "manager", "admin"},
                "groupwork.overview": {"trainer", "manager", "admin"},
                "groupwork.task": {"trainer", "manager", "admin"}}
# Someone else's quiz attempt is as unknown as a made-up number (404); only its owner takes it, and
# the workshop's staff review it.
UNKNOWN_UNLESS = {"quizzes.attempt": set(), "quizzes.summary": set(),
                  "quizzes.review": {"trainer", "manager", "admin"},
                  # A group's submission is as unknown as a made-up one to all but its members and the staff.
                  "groupwork.submission": {"trainer", "manager", "admin"},
                  "groupwork.history": {"trainer", "manager", "admin"},
                  "groupwork.file": {"trainer", "manager", "admin"}}

# GET endpoints whose job is to send the browser elsewhere.
# (The sample quiz is a module's: its edit page sends to the quiz; staff are sent from the
# evaluation form to its results.)
REDIRECTS = {"catalogue.calendar_month_now", "quizzes.quiz_edit", "evaluation.form"}


def test_every_endpoint_declares_access(app):
    assert access.undeclared_endpoints(app) == []
    for endpoint, view in app.view_functions.items():
        assert access.rule_for(view) is not None, endpoint


def test_app_refuses_to_start_with_an_undeclared_endpoint(app, monkeypatch, database_url):
    import lga

    original = lga._register_blueprints

    def with_stray_view(new_app):
        original(new_app)
        new_app.add_url_rule("/stray", "stray", lambda: "no declaration")

    monkeypatch.setattr(lga, "_register_blueprints", with_stray_view)
    with pytest.raises(RuntimeError, match="stray"):
        lga.create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})


def test_undeclared_endpoint_is_refused_at_request_time():
    """Fail closed even if a view slipped past the start-up check."""
    from flask import Flask

    from lga.extensions import login_manager

    probe = Flask("probe")
    probe.secret_key = "x"
    login_manager.init_app(probe)
    probe.add_url_rule("/x", "x", lambda: "x")
    probe.before_request(access.enforce)
    assert probe.test_client().get("/x").status_code == 403


def _expected(rule: access.Rule, role: str | None) -> str:
    if rule.kind == access.PUBLIC:
        return "ok"
    if rule.kind == access.ANONYMOUS:
        return "ok" if role is None else "home"
    if role is None:
        return "login"
    if rule.kind == access.AUTHENTICATED or role in rule.roles:
        return "ok"
    return "forbidden"


def _outcome(response) -> str:
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 302:
        location = response.headers["Location"]
        if "/login" in location:
            return "login"
        if location.rstrip("/").endswith(("", "localhost")) and location.endswith("/"):
            return "home"
        return "redirect:" + location
    if response.status_code in (200, 400):
        return "ok"
    return f"status:{response.status_code}"


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_get_endpoint_as_every_role(app, client, factory, objects, db, role):
    if role is not None:
        user = factory.user(roles=(role,))
        if role == access.TRAINER:  # object checks let trainers into their own workshops only
            from lga.catalogue.models import workshop_trainer

            db.session.execute(workshop_trainer.insert().values(workshop_id=objects["workshop"].id, user_id=user.id))
            db.session.commit()
        login(client, user)
    urls = sample_urls(app, objects)
    failures = []
    for endpoint, url in sorted(urls.items()):
        rule = access.rule_for_endpoint(app, endpoint)
        if endpoint == "accounts.reset_password":
            expected = "ok"  # public page: an unknown token gets a 400 page explaining why
        else:
            expected = _expected(rule, role)
        if endpoint in OBJECT_ROLES and role is not None:
            expected = "ok" if role in OBJECT_ROLES[endpoint] else "forbidden"
        if url.startswith("/api/") and expected == "login":
            expected = "status:401"  # the API answers machines with JSON, not the login page
        if endpoint in UNKNOWN_UNLESS and role is not None:
            expected = "ok" if role in UNKNOWN_UNLESS[endpoint] else "status:404"
        outcome = _outcome(client.get(url))
        if endpoint in REDIRECTS and expected == "ok" and outcome.startswith("redirect:"):
            outcome = "ok"
        if outcome != expected:
            failures.append(f"{endpoint} {url} as {role or 'anonymous'}: expected {expected}, got {outcome}")
    assert not failures, "\n".join(failures)


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/admin/people")
    assert response.status_code == 302
    assert "/login?next=%2Fadmin%2Fpeople" in response.headers["Location"]


def test_every_post_without_csrf_token_is_refused(app, client, objects):
    urls = []
    with app.test_request_context():
        from flask import url_for

        defaults = {"kind": "municipalities", "item_id": 1, "user_id": objects["person"].id, "token": "x",
                    "workshop_id": objects["workshop"].id, "session_id": objects["session_id"], "enrolment_id": 1,
                    "ticket": "x", "code": "ABCDEF", "quiz_id": objects["quiz"], "attempt_id": objects["attempt"],
                    "answer_id": objects["answer"], "question_id": objects["question"], "token_id": 1,
                    "template_id": objects["evaluation_template"], "thread_id": objects["thread"],
                    "post_id": objects["post"], "report_id": 1,
                    "material_id": objects["note"], "task_id": objects["task"], "group_id": objects["group"],
                    "file_id": objects["submission_file"]}
        for rule in app.url_map.iter_rules():
            if "POST" in rule.methods:
                urls.append(url_for(rule.endpoint, **{a: defaults[a] for a in rule.arguments}))
    assert urls, "no POST endpoints found"
    for url in urls:
        response = client.post(url, data={"email": "x@example.org", "password": "x"})
        assert response.status_code == 400, url


def test_post_with_csrf_token_from_another_session_is_refused(app, factory):
    from tests.conftest import csrf_token

    first, second = app.test_client(), app.test_client()
    token = csrf_token(first, "/login")
    user = factory.user()
    response = second.post("/login", data={"csrf_token": token, "email": user.email,
                                           "password": "correct horse battery"})
    assert response.status_code == 400


def test_navigation_follows_declarations(client, factory):
    anonymous = client.get("/").get_data(as_text=True)
    assert 'href="/admin/"' not in anonymous
    login(client, factory.user(roles=("admin",)))
    admin = client.get("/").get_data(as_text=True)
    assert 'href="/admin/"' in admin and 'href="/admin/people"' in admin
