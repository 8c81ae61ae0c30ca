"""Group work: forming groups (by hand, at random, mixing or matching municipalities), group
tasks, one shared submission per group with every version kept, no lost work when two members
save at once, the deadline, and the trainer's feedback and mark that every member sees."""
from __future__ import annotations

import io
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lga.audit.models import AuditEntry
from lga.enrolment.models import Enrolment
from lga.groupwork import grouping
from lga.groupwork.models import (
    GroupMember, GroupSubmission, GroupTask, SubmissionFile, SubmissionVersion, WorkGroup,
)
from tests.conftest import login, post_form

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
MUNICIPALITIES = ("prizren", "peje", "gjilan", "ferizaj")


def client_of(app, user):
    browser = app.test_client()
    login(browser, user)
    return browser


def stored_files(app) -> int:
    root = Path(app.config["LGA_STORAGE_URL"].removeprefix("file://"))
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def course(factory, db):
    trainer = factory.user(roles=("trainer",), locale="en")
    workshop = factory.workshop(trainers=[trainer])
    people = []
    for i in range(8):
        person = factory.user(locale="en", given_name=f"P{i}",
                              municipality_id=factory.municipality(MUNICIPALITIES[i % 4]).id)
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
        people.append(person)
    db.session.commit()
    return {"trainer": trainer, "workshop": workshop, "people": people}


def _groups(db, workshop_id) -> dict[str, set[int]]:
    rows = db.session.execute(select(WorkGroup.name, GroupMember.user_id).join(
        GroupMember, GroupMember.group_id == WorkGroup.id).where(WorkGroup.workshop_id == workshop_id)).all()
    groups: dict[str, set[int]] = {}
    for name, user_id in rows:
        groups.setdefault(name, set()).add(user_id)
    return groups


def _two_groups(db, course) -> tuple[WorkGroup, WorkGroup]:
    workshop, people = course["workshop"], course["people"]
    first = WorkGroup(workshop_id=workshop.id, name="Group A", position=1)
    second = WorkGroup(workshop_id=workshop.id, name="Group B", position=2)
    db.session.add_all([first, second])
    db.session.flush()
    for i, person in enumerate(people):
        db.session.add(GroupMember(group_id=(first if i < 4 else second).id, user_id=person.id,
                                   workshop_id=workshop.id))
    db.session.commit()
    return first, second


def _task(db, course, *, hours: float = 24, max_mark=20) -> GroupTask:
    task = GroupTask(workshop_id=course["workshop"].id, title="Draft the municipal plan for social services",
                     instructions="Write **section 3**: financing.", max_mark=max_mark,
                     deadline=datetime.now(timezone.utc) + timedelta(hours=hours))
    db.session.add(task)
    db.session.commit()
    return task


# --- Splitting ---------------------------------------------------------------------------------

def test_random_groups_are_balanced_by_number_or_by_size():
    people = list(range(23))
    by_number = grouping.split(people, "random", count=4, seed=1)
    assert sorted(len(g) for g in by_number) == [5, 6, 6, 6]
    assert sorted(p for g in by_number for p in g) == people
    by_size = grouping.split(people, "random", size=5, seed=1)
    assert len(by_size) == 5 and max(len(g) for g in by_size) - min(len(g) for g in by_size) <= 1


def test_mixing_spreads_each_trait_and_matching_keeps_it_together():
    people = [(i, town) for i, town in enumerate(["Prizren"] * 6 + ["Pejë"] * 3 + ["Gjilan"] * 3)]
    mixed = grouping.split(people, "mix", count=3, key=lambda p: p[1], seed=2)
    for group in mixed:
        towns = Counter(p[1] for p in group)
        assert towns == {"Prizren": 2, "Pejë": 1, "Gjilan": 1}
    matched = grouping.split(people, "match", key=lambda p: p[1], seed=2)
    assert sorted(len({p[1] for p in g}) for g in matched) == [1, 1, 1] and len(matched) == 3
    packed = grouping.split(people, "match", count=2, key=lambda p: p[1], seed=2)
    assert sorted(len(g) for g in packed) == [6, 6] and all(len({p[1] for p in g}) <= 2 for g in packed)
    assert any({p[1] for p in g} == {"Prizren"} for g in packed)
    split_big = grouping.split(people, "match", size=3, key=lambda p: p[1], seed=2)
    assert sorted(len(g) for g in split_big) == [3, 3, 3, 3] and all(len({p[1] for p in g}) == 1 for g in split_big)


# --- Forming groups on the web -------------------------------------------------------------------

def test_a_trainer_forms_groups_and_forming_them_again_replaces_them(app, client, course, db):
    workshop = course["workshop"]
    login(client, course["trainer"])
    url = f"/workshops/{workshop.id}/groups/generate"
    response = post_form(client, url, {"method": "random", "split": "count", "number": "3"})
    assert response.status_code == 302
    groups = _groups(db, workshop.id)
    assert sorted(len(m) for m in groups.values()) == [2, 3, 3]
    post_form(client, url, {"method": "mix", "trait": "municipality", "split": "size", "number": "4"})
    groups = _groups(db, workshop.id)
    assert len(groups) == 2 and count(db, WorkGroup) == 2
    for members in groups.values():  # four municipalities, two people each: one of each per group
        towns = {p.municipality_id for p in course["people"] if p.id in members}
        assert len(towns) == 4
    post_form(client, url, {"method": "match", "trait": "municipality", "split": "count", "number": ""})
    groups = _groups(db, workshop.id)
    assert len(groups) == 4 and all(len(m) == 2 for m in groups.values())
    assert "Prizren" in groups
    page = client.get(f"/workshops/{workshop.id}/groups").get_data(as_text=True)
    assert "Prizren" in page and "P0" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "groups.generated")) == 3


def test_groups_that_handed_in_work_are_not_formed_anew(app, client, course, db):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    db.session.add(GroupSubmission(task_id=task.id, group_id=first.id, version=1, text="Work"))
    db.session.commit()
    before = _groups(db, course["workshop"].id)
    login(client, course["trainer"])
    response = post_form(client, f"/workshops/{course['workshop'].id}/groups/generate",
                         {"method": "random", "split": "count", "number": "2"}, follow_redirects=True)
    assert "already handed in work" in response.get_data(as_text=True)
    assert _groups(db, course["workshop"].id) == before


def test_moving_people_by_hand(app, client, course, db, factory):
    first, second = _two_groups(db, course)
    workshop, people = course["workshop"], course["people"]
    login(client, course["trainer"])
    url = f"/workshops/{workshop.id}/groups/assign"
    response = post_form(client, url, {f"person-{people[0].id}": str(second.id), f"person-{people[1].id}": ""})
    assert response.status_code == 302
    groups = _groups(db, workshop.id)
    assert people[0].id in groups["Group B"] and people[1].id not in groups["Group A"] | groups["Group B"]
    # Someone without a place, or a group of another workshop: refused, nothing moves.
    stranger = factory.user()
    other = WorkGroup(workshop_id=factory.workshop().id, name="Elsewhere", position=1)
    db.session.add(other)
    db.session.commit()
    for data in ({f"person-{stranger.id}": str(first.id), f"person-{people[2].id}": str(second.id)},
                 {f"person-{people[2].id}": str(other.id)}):
        response = post_form(client, url, data, follow_redirects=True)
        assert "flash-error" in response.get_data(as_text=True)
        assert _groups(db, workshop.id) == groups
    # Adding, renaming and removing an empty group.
    post_form(client, f"/workshops/{workshop.id}/groups/add", {"name": "Budget team"})
    added = db.session.scalar(select(WorkGroup).where(WorkGroup.name == "Budget team"))
    post_form(client, f"/workshops/{workshop.id}/groups/{added.id}/rename", {"name": "Grants team"})
    db.session.refresh(added)
    assert added.name == "Grants team"
    assert post_form(client, f"/workshops/{workshop.id}/groups/{first.id}/delete").status_code == 302
    assert db.session.get(WorkGroup, first.id) is not None  # it still has members
    added_id = added.id
    post_form(client, f"/workshops/{workshop.id}/groups/{added_id}/delete")
    assert db.session.scalar(select(WorkGroup.id).where(WorkGroup.id == added_id)) is None


def test_a_participant_sees_their_group_and_its_tasks(app, client, course, db, factory):
    _two_groups(db, course)
    _task(db, course)
    login(client, course["people"][5])
    page = client.get(f"/workshops/{course['workshop'].id}/groups").get_data(as_text=True)
    assert "Your group: Group B" in page and "P4" in page and "P0" not in page
    assert "Draft the municipal plan" in page
    outsider = client_of(app, factory.user())
    assert outsider.get(f"/workshops/{course['workshop'].id}/groups").status_code == 403


# --- The shared submission -----------------------------------------------------------------------

def _page_url(task, group) -> str:
    return f"/group-tasks/{task.id}/groups/{group.id}"


def _save(client, task, group, text, version, files=(), remove=()):
    data = {"text": text, "version": str(version), "files": [(io.BytesIO(c), n) for n, c in files]}
    if remove:
        data["remove"] = [str(r) for r in remove]
    return post_form(client, _page_url(task, group), data, content_type="multipart/form-data")


def test_members_hand_in_one_shared_submission_and_every_version_is_kept(app, course, db):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    alice, bora = (client_of(app, course["people"][0]), client_of(app, course["people"][1]))
    assert alice.get(f"/group-tasks/{task.id}").status_code == 302  # a member is sent to their group's page
    assert _save(alice, task, first, "## Financing\n\nThe Specific Grant.", 0,
                 files=[("plan.pdf", PDF)]).status_code == 302
    assert _save(bora, task, first, "## Financing\n\nThe Specific Grant and own revenue.", 1,
                 files=[("budget.csv", b"year;amount\n2021;1000\n")]).status_code == 302
    plan = db.session.scalar(select(SubmissionFile).where(SubmissionFile.filename == "plan.pdf"))
    assert _save(alice, task, first, "## Financing\n\nThe Specific Grant and own revenue.", 2,
                 remove=[plan.id]).status_code == 302
    submission = db.session.scalar(select(GroupSubmission))
    assert submission.version == 3 and count(db, GroupSubmission) == 1
    assert count(db, SubmissionVersion) == 3
    page = bora.get(_page_url(task, first)).get_data(as_text=True)
    assert "own revenue" in page and "budget.csv" in page and "plan.pdf" not in page
    history = bora.get(_page_url(task, first) + "/history").get_data(as_text=True)
    assert "Version 3" in history and "Version 1" in history
    assert "Added the file plan.pdf" in history and "Removed the file plan.pdf" in history
    assert course["people"][0].full_name in history and course["people"][1].full_name in history
    # The removed file is still there for the old version.
    download = bora.get(f"/group-files/{plan.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_a_stale_version_loses_nothing_and_shows_the_newer_one(app, course, db):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    alice, bora = (client_of(app, course["people"][0]), client_of(app, course["people"][1]))
    _save(alice, task, first, "Version by Alice", 0)
    # Both start from version 1; Bora saves first.
    assert _save(bora, task, first, "Bora's improvement", 1).status_code == 302
    files_before = stored_files(app)
    response = _save(alice, task, first, "Alice's own improvement", 1, files=[("late.pdf", PDF)])
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "saved a newer version" in page
    assert "Bora&#39;s improvement" in page or "Bora's improvement" in page  # the newer version, shown
    assert "Alice&#39;s own improvement" in page or "Alice's own improvement" in page  # her text, kept
    submission = db.session.scalar(select(GroupSubmission))
    assert submission.version == 2 and submission.text == "Bora's improvement"
    assert count(db, SubmissionVersion) == 2 and count(db, SubmissionFile) == 0
    assert stored_files(app) == files_before


def test_two_first_versions_at_once_keep_one(app, course, db):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    alice, bora = (client_of(app, course["people"][0]), client_of(app, course["people"][1]))
    assert _save(alice, task, first, "Alice first", 0).status_code == 302
    assert _save(bora, task, first, "Bora first", 0).status_code == 409
    assert db.session.scalar(select(GroupSubmission.text)) == "Alice first"


def test_after_the_deadline_nothing_changes(app, course, db):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    alice = client_of(app, course["people"][0])
    _save(alice, task, first, "On time", 0)
    task = db.session.get(GroupTask, task.id)
    task.deadline = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.session.commit()
    files_before = stored_files(app)
    response = _save(alice, task, first, "Too late", 1, files=[("late.pdf", PDF)])
    assert response.status_code == 400 and "deadline for this task has passed" in response.get_data(as_text=True)
    submission = db.session.scalar(select(GroupSubmission))
    assert submission.version == 1 and submission.text == "On time"
    assert count(db, SubmissionFile) == 0 and stored_files(app) == files_before
    page = alice.get(_page_url(task, first)).get_data(as_text=True)
    assert "can no longer change" in page and 'name="version"' not in page


@pytest.mark.parametrize("name, content, message", [
    ("virus.exe", b"MZ", "are not accepted"),
    ("plan.pdf", b"no pdf here", "is not a pdf file"),
])
def test_a_bad_file_refuses_the_whole_save(app, course, db, name, content, message):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    alice = client_of(app, course["people"][0])
    files_before = stored_files(app)
    response = _save(alice, task, first, "Text", 0, files=[("good.pdf", PDF), (name, content)])
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert count(db, GroupSubmission) == 0 and count(db, SubmissionFile) == 0 and stored_files(app) == files_before


def test_an_oversized_file_in_a_submission_is_refused(app, course, db, monkeypatch):
    monkeypatch.setitem(app.config, "LGA_MATERIAL_MAX_BYTES", 100)
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    response = _save(client_of(app, course["people"][0]), task, first, "Text", 0, files=[("big.txt", b"x" * 101)])
    assert response.status_code == 400 and "too large" in response.get_data(as_text=True)
    assert count(db, GroupSubmission) == 0


def test_a_non_member_cannot_reach_another_groups_submission(app, course, db, factory):
    first, second = _two_groups(db, course)
    task = _task(db, course)
    alice = client_of(app, course["people"][0])
    _save(alice, task, first, "Group A's work", 0, files=[("plan.pdf", PDF)])
    stored = db.session.scalar(select(SubmissionFile))
    outsider_trainer = factory.user(roles=("trainer",))
    for person in (course["people"][5], factory.user(), outsider_trainer):  # other group, no place, other trainer
        browser = client_of(app, person)
        assert browser.get(_page_url(task, first)).status_code == 404
        assert browser.get(_page_url(task, first) + "/history").status_code == 404
        assert browser.get(f"/group-files/{stored.id}").status_code == 404
        assert _save(browser, task, first, "Overwritten!", 1).status_code == 404
    # A member of group B cannot write into group A through group B's URL either.
    bora = client_of(app, course["people"][5])
    assert _save(bora, task, second, "Ours", 0).status_code == 302
    submission = db.session.scalar(select(GroupSubmission).where(GroupSubmission.group_id == first.id))
    assert submission.text == "Group A's work" and submission.version == 1
    # Staff read but do not write the group's work.
    trainer = client_of(app, course["trainer"])
    assert trainer.get(_page_url(task, first)).status_code == 200
    assert _save(trainer, task, first, "Trainer text", 1).status_code == 403


def test_feedback_and_mark_reach_every_member(app, course, db, mailbox):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    _save(client_of(app, course["people"][0]), task, first, "Our plan", 0)
    trainer = client_of(app, course["trainer"])
    url = _page_url(task, first) + "/feedback"
    for bad in ("21", "-1", "abc"):
        response = post_form(trainer, url, {"feedback": "Good", "mark": bad})
        assert response.status_code == 400 and "from 0 to 20" in response.get_data(as_text=True)
    assert db.session.scalar(select(GroupSubmission.feedback)) is None
    mailbox.clear()
    response = post_form(trainer, url, {"feedback": "Clear **financing** section.", "mark": "17,5"})
    assert response.status_code == 302
    submission = db.session.scalar(select(GroupSubmission))
    assert str(submission.mark) == "17.50" and submission.feedback_by_id == course["trainer"].id
    messages = mailbox.wait_for(4)
    assert sorted(m["To"] for m in messages) == sorted(p.email for p in course["people"][:4])
    assert "Feedback on your group's work" in str(messages[0]["Subject"])
    assert "17.5" in mailbox.text_of(messages[0])
    for member in course["people"][:4]:
        page = client_of(app, member).get(_page_url(task, first)).get_data(as_text=True)
        assert "<strong>financing</strong>" in page and "Mark: 17.5 of 20" in page
    groups_page = client_of(app, course["people"][1]).get(f"/workshops/{course['workshop'].id}/groups")
    assert "Feedback given" in groups_page.get_data(as_text=True)
    # A task without marks takes feedback only.
    unmarked = _task(db, course, max_mark=None)
    _save(client_of(app, course["people"][0]), unmarked, first, "More", 0)
    response = post_form(trainer, _page_url(unmarked, first) + "/feedback", {"feedback": "Fine", "mark": "3"})
    assert response.status_code == 400 and "no marks" in response.get_data(as_text=True)


def test_tasks_are_set_and_changed_by_the_trainer(app, client, course, db):
    login(client, course["trainer"])
    workshop = course["workshop"]
    response = post_form(client, f"/workshops/{workshop.id}/group-tasks/new", {
        "title": "Budget planning 2021", "instructions": "Use the *Medium-Term Budget Framework*.",
        "deadline": "2031-05-01T17:00", "max_mark": "10"})
    assert response.status_code == 302
    task = db.session.scalar(select(GroupTask))
    assert task.deadline == datetime(2031, 5, 1, 15, 0, tzinfo=timezone.utc)  # 17:00 in Prishtina (CEST)
    page = client.get(f"/group-tasks/{task.id}").get_data(as_text=True)
    assert "<em>Medium-Term Budget Framework</em>" in page
    post_form(client, f"/group-tasks/{task.id}/edit", {"title": "Budget planning 2022",
                                                       "deadline": "2031-05-02T17:00", "max_mark": ""})
    db.session.refresh(task)
    assert task.title == "Budget planning 2022" and task.max_mark is None
    assert post_form(client, f"/group-tasks/{task.id}/delete").status_code == 302
    assert count(db, GroupTask) == 0


def test_deleting_a_task_removes_its_stored_files(app, course, db):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    before = stored_files(app)
    _save(client_of(app, course["people"][0]), task, first, "Work", 0, files=[("plan.pdf", PDF)])
    assert stored_files(app) == before + 1
    post_form(client_of(app, course["trainer"]), f"/group-tasks/{task.id}/delete")
    assert count(db, SubmissionFile) == 0 and stored_files(app) == before


# --- Bounded queries ------------------------------------------------------------------------------

def _many(db, factory, workshop, groups: int, people: int):
    from lga.accounts.models import User

    municipality = factory.municipality().id
    base = db.session.scalar(select(func.count()).select_from(User))
    rows = [User(email=f"bulk{base + i}@example.org", given_name="Bulk", family_name=f"{base + i}",
                 municipality_id=municipality, institution_type_id=factory.institution_type().id, sex="female",
                 locale="en", session_nonce="x") for i in range(people)]
    db.session.add_all(rows)
    made = [WorkGroup(workshop_id=workshop.id, name=f"G{i}", position=i) for i in range(groups)]
    db.session.add_all(made)
    db.session.flush()
    db.session.add_all([Enrolment(workshop_id=workshop.id, user_id=u.id, status="enrolled") for u in rows])
    db.session.add_all([GroupMember(group_id=made[i % groups].id, user_id=u.id, workshop_id=workshop.id)
                        for i, u in enumerate(rows)])
    db.session.commit()
    return made


def test_the_groups_and_task_pages_run_the_same_queries_for_2_or_40_groups(app, factory, db, count_queries):
    trainer = factory.user(roles=("trainer",))
    small, large = factory.workshop(trainers=[trainer]), factory.workshop(trainers=[trainer])
    _many(db, factory, small, 2, 10)
    _many(db, factory, large, 40, 400)
    tasks = {}
    for workshop in (small, large):
        tasks[workshop.id] = task = GroupTask(workshop_id=workshop.id, title="T",
                                              deadline=datetime.now(timezone.utc) + timedelta(days=1))
        db.session.add(task)
    db.session.commit()
    for workshop in (small, large):
        groups = db.session.scalars(select(WorkGroup.id).where(WorkGroup.workshop_id == workshop.id)).all()
        db.session.add_all([GroupSubmission(task_id=tasks[workshop.id].id, group_id=g, version=1, text="x")
                            for g in groups])
    db.session.commit()
    browser = client_of(app, trainer)
    counts = {}
    for workshop in (small, large):
        with count_queries() as overview:
            page = browser.get(f"/workshops/{workshop.id}/groups")
        assert page.status_code == 200
        with count_queries() as task_page:
            assert browser.get(f"/group-tasks/{tasks[workshop.id].id}").status_code == 200
        counts[workshop.id] = (overview.count, task_page.count)
    assert counts[small.id] == counts[large.id]
    assert "G39" in page.get_data(as_text=True)


@pytest.mark.parametrize("start", [0, 1])
def test_members_saving_at_the_same_moment_lose_nothing(app, course, db, start):
    """PostgreSQL: four members press "Save" at once on the same version (none yet, or version 1),
    each in their own transaction; exactly one is saved and the others are told, instead of
    silently overwriting it."""
    import threading

    from lga.groupwork import services
    from lga.groupwork.services import StaleVersion

    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions (run with LGA_TEST_DATABASE_URL=postgresql+psycopg://…)")
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    if start:
        with app.test_request_context():
            services.save_submission(task, first, course["people"][0], text="Start", seen_version=0)
            db.session.commit()
    ids = (first.id, task.id, [p.id for p in course["people"][:4]])
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def member_saves(user_id: int) -> None:
        from lga.accounts.models import User

        with app.test_request_context():
            group, own_task = db.session.get(WorkGroup, ids[0]), db.session.get(GroupTask, ids[1])
            person = db.session.get(User, user_id)
            barrier.wait(timeout=30)
            try:
                services.save_submission(own_task, group, person, text=f"By {user_id}", seen_version=start)
                db.session.commit()
                outcomes.append("saved")
            except StaleVersion:
                db.session.rollback()
                outcomes.append("stale")
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=member_saves, args=(uid,)) for uid in ids[2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["saved", "stale", "stale", "stale"], outcomes
    submission = db.session.scalar(select(GroupSubmission))
    assert submission.version == start + 1
    assert db.session.scalars(select(SubmissionVersion.number).order_by(SubmissionVersion.number)).all() == \
        list(range(1, start + 2))


def test_a_member_who_cancelled_their_place_no_longer_reaches_the_group(app, course, db):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    leaver = course["people"][0]
    browser = client_of(app, leaver)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == leaver.id))
    enrolment.status = "cancelled"
    db.session.commit()
    assert browser.get(_page_url(task, first)).status_code == 404
    assert _save(browser, task, first, "Still here?", 0).status_code == 404
    assert count(db, GroupSubmission) == 0


def test_a_refused_feedback_keeps_what_the_trainer_wrote_and_marks_keep_their_scale(app, course, db):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    _save(client_of(app, course["people"][0]), task, first, "Our plan", 0)
    trainer = client_of(app, course["trainer"])
    response = post_form(trainer, _page_url(task, first) + "/feedback",
                         {"feedback": "A long, careful comment", "mark": "99"})
    assert response.status_code == 400 and "A long, careful comment" in response.get_data(as_text=True)
    post_form(trainer, _page_url(task, first) + "/feedback", {"feedback": "Good", "mark": "15"})
    response = post_form(trainer, f"/group-tasks/{task.id}/edit", {
        "title": task.title, "deadline": "2031-05-02T17:00", "max_mark": ""}, follow_redirects=True)
    assert "the task needs its highest mark" in response.get_data(as_text=True)
    response = post_form(trainer, f"/group-tasks/{task.id}/edit", {
        "title": task.title, "deadline": "2031-05-02T17:00", "max_mark": "10"}, follow_redirects=True)
    assert "higher mark than that" in response.get_data(as_text=True)
    assert db.session.get(GroupTask, task.id).max_mark == 20


def test_the_history_is_paginated_and_its_queries_do_not_grow(app, course, db, count_queries):
    first, _second = _two_groups(db, course)
    task = _task(db, course)
    browser = client_of(app, course["people"][0])
    submission = GroupSubmission(task_id=task.id, group_id=first.id, version=1, text="v1")
    db.session.add(submission)
    db.session.commit()
    authors = course["people"][:4]

    def versions(start, end):
        db.session.add_all([SubmissionVersion(submission_id=submission.id, number=n, text=f"Text {n}",
                                              author_id=authors[n % 4].id, changes={"text": True})
                            for n in range(start, end + 1)])
        submission.version = end
        db.session.commit()

    url = _page_url(task, first) + "/history"
    versions(1, 3)
    with count_queries() as few:
        assert browser.get(url).status_code == 200
    versions(4, 45)
    with count_queries() as many:
        page = browser.get(url).get_data(as_text=True)
    assert many.count == few.count
    assert "Version 45" in page and "Version 26" in page and "Version 25<" not in page and 'rel="next"' in page
    assert "Version 1<" in browser.get(url + "?page=3").get_data(as_text=True)


def test_too_many_files_at_once_are_refused(app, course, db):
    from lga.groupwork.services import FILES_PER_SAVE

    first, _second = _two_groups(db, course)
    task = _task(db, course)
    files_before = stored_files(app)
    many = [(f"part{i}.pdf", PDF) for i in range(FILES_PER_SAVE + 1)]
    response = _save(client_of(app, course["people"][0]), task, first, "Text", 0, files=many)
    assert response.status_code == 400 and "at a time" in response.get_data(as_text=True)
    assert count(db, GroupSubmission) == 0 and stored_files(app) == files_before
