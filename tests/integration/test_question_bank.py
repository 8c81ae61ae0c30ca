"""The question bank: GIFT in and out through the web and the command line, all or nothing, and
the modules' own banks and tests loaded with the modules."""
from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from lga.quizzes import bank, gift
from lga.quizzes.models import Question, Quiz, QuizQuestion
from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parents[2]

GOOD = """// Exported from Moodle
$CATEGORY: $course$/top/Default for LGA/specific-grant

// question: 101  name: Grant
::Grant::[markdown]Which grant finances social services **by minimum standards**?{
=The Specific Grant#Right: it is tied to the minimum standards.
~The General Grant#No: the general grant is not earmarked.
####See the Law on Social Services.
}

::Drafted by::Who drafted the model plan?{~%50%MPMS ~%50%AKK ~%-100%The Assembly}

::Year::Budget year?{#2020..2022}
"""
BROKEN = """::One::Fine?{TRUE}

::Essay::Write about decentralisation.{}

::Two::Which?{=a ~b} and more text
"""


def _upload(client, code, content: bytes, check_only=False):
    data = {"csrf_token": csrf_token(client), "file": (io.BytesIO(content), "bank.gift")}
    if check_only:
        data["check_only"] = "y"
    return client.post(f"/modules/{code}/questions/import", data=data, content_type="multipart/form-data")


def _count(db, module):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Question).where(Question.module_id == module.id))


def test_web_import_reports_every_problem_with_its_line_and_writes_nothing(client, as_role, factory, db):
    trainer = as_role("trainer", locale="en")
    module = factory.module(code="lga-bank")
    factory.workshop(module=module, trainers=[trainer])  # a trainer of the module works on its bank
    response = _upload(client, module.code, BROKEN.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 3:" in html and "essay questions are not supported" in html
    assert "Line 5:" in html and "missing-word" in html
    assert _count(db, module) == 0  # "One" was fine, but nothing is half-imported
    assert _upload(client, module.code, "::X::ë?{T}".encode("cp1250")).status_code == 400


def test_web_import_then_again_changes_nothing_and_export_gives_the_same_questions(client, as_role, factory, db):
    as_role("manager", locale="en")
    module = factory.module(code="lga-bank")
    checked = _upload(client, module.code, GOOD.encode(), check_only=True)
    assert "3 questions can be imported" in checked.get_data(as_text=True) and _count(db, module) == 0
    first = _upload(client, module.code, GOOD.encode())
    assert first.status_code == 200 and "3 new, 0 updated, 0 unchanged" in first.get_data(as_text=True)
    again = _upload(client, module.code, GOOD.encode())
    assert "0 new, 0 updated, 3 unchanged" in again.get_data(as_text=True)
    grant = db.session.scalar(select(Question).where(Question.title == "Grant"))
    assert grant.text_format == "markdown" and grant.source_note == "question: 101  name: Grant"
    assert grant.category == "$course$/top/Default for LGA/specific-grant"
    # Export, import into another module: the same questions.
    exported = client.get(f"/modules/{module.code}/questions.gift")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    other = factory.module(code="lga-copy")
    assert "3 new" in _upload(client, other.code, exported.data).get_data(as_text=True)
    before = {q.title: (q.qtype, q.text, q.key, q.general_feedback) for q in db.session.scalars(
        select(Question).where(Question.module_id == module.id))}
    after = {q.title: (q.qtype, q.text, q.key, q.general_feedback) for q in db.session.scalars(
        select(Question).where(Question.module_id == other.id))}
    assert before == after
    # The bank page lists them; the question page shows the key to staff.
    assert "Drafted by" in client.get(f"/modules/{module.code}/questions").get_data(as_text=True)


def test_a_changed_file_updates_by_title(client, as_role, factory, db):
    as_role("manager", locale="en")
    module = factory.module(code="lga-bank")
    _upload(client, module.code, GOOD.encode())
    changed = GOOD.replace("=The Specific Grant", "~The Specific Grant").replace("~The General Grant", "=The General Grant")
    response = _upload(client, module.code, changed.encode())
    assert "0 new, 1 updated, 2 unchanged" in response.get_data(as_text=True)
    grant = db.session.scalar(select(Question).where(Question.title == "Grant"))
    assert grant.version == 2


def test_cli_import_and_export(runner, factory, db, tmp_path):
    module = factory.module(code="lga-cli")
    path = tmp_path / "bank.gift"
    path.write_text(BROKEN, encoding="utf-8")
    result = runner.invoke(args=["lga", "import-gift", str(path), "--module", module.code])
    assert result.exit_code == 1 and "line 3" in result.output and "nothing was imported" in result.output
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["lga", "import-gift", str(path), "--module", module.code])
    assert result.exit_code == 0 and "3 created" in result.output
    out = tmp_path / "out.gift"
    result = runner.invoke(args=["lga", "export-gift", "--module", module.code, "-o", str(out)])
    assert result.exit_code == 0
    questions, problems = gift.parse(out.read_text(encoding="utf-8"))
    assert problems == [] and sorted(q.title for q in questions) == ["Drafted by", "Grant", "Year"]
    assert runner.invoke(args=["lga", "import-gift", str(path), "--module", "nope"]).exit_code == 2


def test_the_modules_ship_banks_and_tests_grounded_in_the_sources(runner, db):
    result = runner.invoke(args=["lga", "load-modules"])
    assert result.exit_code == 0, result.output
    questions = db.session.scalars(select(Question)).all()
    assert len(questions) >= 30
    for q in questions:
        assert q.text.get("sq") and q.text.get("en"), q.title  # both languages
        assert q.source_note and q.source_note.startswith("source: seeds/"), q.title  # the passage it tests
        assert q.topic_id is not None, q.title
    assert {q.qtype for q in questions} == {"single", "multi", "truefalse", "short", "numerical", "matching"}
    seeds = {p.stem: " ".join(p.read_text(encoding="utf-8").split())
             for p in (ROOT / "modules" / "_sources").glob("*.txt")}
    assert sorted(seeds) == ["000", "001"]
    for q in questions:  # every quoted passage is in the seed document it names ("..." joins passages)
        number, quoted = q.source_note.split(" ", 2)[1].removeprefix("seeds/"), q.source_note.split('"')[1]
        for passage in quoted.split("..."):
            assert " ".join(passage.split()) in seeds[number], (q.title, passage)
    quizzes = db.session.scalars(select(Quiz)).all()
    assert sorted((q.kind for q in quizzes)) == ["post_test", "post_test", "pre_test", "pre_test"]
    for quiz in quizzes:
        assert db.session.scalar(select(func.count()).select_from(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id)) >= 15
    again = runner.invoke(args=["lga", "load-modules"])
    assert "0 created, 0 updated, 2 unchanged" in again.output


def test_only_trainers_of_the_module_and_managers_reach_its_bank(client, as_role, factory, db, app):
    from tests.conftest import login, post_form

    module = factory.module(code="lga-keys")
    bank.import_questions(module, bank.parse_file(GOOD, language="en"), language="en")
    db.session.commit()
    grant = db.session.scalar(select(Question).where(Question.title == "Grant"))
    as_role("trainer", locale="en")  # trains nothing of this module
    for url in (f"/modules/{module.code}/questions", f"/modules/{module.code}/questions.gift",
                f"/modules/{module.code}/questions/import", f"/questions/{grant.id}"):
        assert client.get(url).status_code == 403, url
    assert post_form(client, f"/questions/{grant.id}", {}).status_code == 403
    own = app.test_client()
    trainer = factory.user(roles=("trainer",))
    factory.workshop(module=module, trainers=[trainer])
    login(own, trainer)
    assert own.get(f"/modules/{module.code}/questions.gift").status_code == 200
