"""Module content as data: validated, loaded all-or-nothing and idempotently, shown sanitised."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lga.catalogue.loader import ContentError, load_modules
from lga.catalogue.models import LearningOutcome, Module, ModuleReading, ModuleTopic, SessionPlanItem

PROJECT_MODULES = Path(__file__).resolve().parents[2] / "modules"

VALID = textwrap.dedent("""\
    code: {code}
    programme: LGA
    title: {{sq: "Moduli provë", en: "Test module"}}
    summary: {{sq: "Përmbledhje", en: "Summary"}}
    description:
      sq: "Përshkrim me **theks**."
      en: "Description with **emphasis**."
    audience: {{sq: "Stafi komunal", en: "Municipal staff"}}
    hours: 2
    topics:
      - code: decentralisation
        title: {{sq: "Decentralizimi", en: "Decentralisation"}}
      - code: financing
        title: {{sq: "Financimi", en: "Financing"}}
    learning_outcomes:
      - {{sq: "Pjesëmarrësit mund të shpjegojnë modelin.", en: "Participants can explain the model."}}
    session_plan:
      - day: 1
        format: lecture
        title: {{sq: "Ligjëratë", en: "Lecture"}}
        minutes: 60
        topic: decentralisation
      - day: 1
        format: group_work
        title: {{sq: "Punë në grupe", en: "Group work"}}
        minutes: 60
    readings:
      - slug: basics
        title: {{sq: "Bazat", en: "Basics"}}
    """)


def write_module(root: Path, code: str = "test-module", text: str | None = None,
                 notes: dict[str, str] | None = None) -> Path:
    folder = root / code
    (folder / "notes").mkdir(parents=True, exist_ok=True)
    (folder / "module.yaml").write_text(text if text is not None else VALID.format(code=code), encoding="utf-8")
    for lang, body in (notes if notes is not None else {"sq": "## Hyrje\n\nTekst.", "en": "## Intro\n\nText."}).items():
        (folder / "notes" / f"basics.{lang}.md").write_text(body, encoding="utf-8")
    return folder


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_load_creates_then_reload_changes_nothing(db, tmp_path):
    write_module(tmp_path)
    report = load_modules(tmp_path)
    db.session.commit()
    assert report.created == ["test-module"]
    module = db.session.scalar(select(Module).where(Module.code == "test-module"))
    assert module.title == {"sq": "Moduli provë", "en": "Test module"}
    assert count(db, ModuleTopic) == 2 and count(db, SessionPlanItem) == 2 and count(db, ModuleReading) == 1

    again = load_modules(tmp_path)
    db.session.commit()
    assert again.unchanged == ["test-module"] and not again.created and not again.updated
    assert count(db, Module) == 1 and count(db, ModuleTopic) == 2 and count(db, SessionPlanItem) == 2
    assert count(db, LearningOutcome) == 1


def test_changed_content_updates_in_place(db, tmp_path):
    write_module(tmp_path)
    load_modules(tmp_path)
    db.session.commit()
    topic_id = db.session.scalar(select(ModuleTopic.id).where(ModuleTopic.code == "financing"))
    text = VALID.format(code="test-module").replace("Test module", "Renamed module").replace(
        "minutes: 60\n    readings", "minutes: 60\n    readings")
    write_module(tmp_path, text=text, notes={"sq": "## Hyrje\n\nTjetër.", "en": "## Intro\n\nOther."})
    report = load_modules(tmp_path)
    db.session.commit()
    assert report.updated == ["test-module"]
    module = db.session.scalar(select(Module).where(Module.code == "test-module"))
    assert module.title["en"] == "Renamed module"
    # Topics keep their identity (questions will point at them).
    assert db.session.scalar(select(ModuleTopic.id).where(ModuleTopic.code == "financing")) == topic_id
    body = db.session.scalar(select(ModuleReading.body))
    assert "Other." in body["en"]


@pytest.mark.parametrize("text, expected", [
    ("code: x\ntitle: [unclosed", "module.yaml: line"),
    (VALID.format(code="test-module").replace("format: lecture", "format: lectur"), "session_plan.0: format must be one of"),
    (VALID.format(code="test-module").replace("hours: 2", "hours: 3"), "hours: 3 hours but the session plan adds up to 120 minutes"),
    (VALID.format(code="test-module").replace("programme: LGA", "programme: XYZ"), "programme: unknown programme 'XYZ'"),
    (VALID.format(code="test-module").replace('en: "Summary"', 'fr: "Résumé"'), "summary.en: Field required"),
    (VALID.format(code="test-module").replace("topic: decentralisation", "topic: nowhere"), "unknown topic 'nowhere'"),
    (VALID.format(code="test-module") + "colour: blue\n", "colour: Extra inputs are not permitted"),
    (VALID.format(code="other-code"), "code: 'other-code' must equal the folder name"),
])
def test_broken_file_names_file_and_field_and_loads_nothing(db, tmp_path, text, expected):
    write_module(tmp_path, code="a-good-module")
    write_module(tmp_path, code="test-module", text=text)
    with pytest.raises(ContentError) as caught:
        load_modules(tmp_path)
    db.session.rollback()
    message = "\n".join(caught.value.problems)
    assert "test-module/module.yaml" in message
    assert expected in message
    assert count(db, Module) == 0  # the good module was not loaded either


def test_missing_reading_file_is_reported(db, tmp_path):
    write_module(tmp_path, notes={"sq": "## Hyrje"})
    with pytest.raises(ContentError) as caught:
        load_modules(tmp_path)
    assert any("notes/basics.en.md is missing" in p for p in caught.value.problems)


def test_cli_reports_problems_and_exits_nonzero(runner, db, tmp_path):
    write_module(tmp_path, text="code: [")
    result = runner.invoke(args=["lga", "load-modules", "--path", str(tmp_path)])
    assert result.exit_code == 1
    assert "Nothing was loaded" in result.output and "test-module/module.yaml" in result.output
    assert count(db, Module) == 0


def test_cli_loads_and_is_idempotent(runner, db, tmp_path):
    write_module(tmp_path)
    first = runner.invoke(args=["lga", "load-modules", "--path", str(tmp_path)])
    second = runner.invoke(args=["lga", "load-modules", "--path", str(tmp_path)])
    assert first.exit_code == 0 and "1 created" in first.output
    assert second.exit_code == 0 and "1 unchanged" in second.output


def test_markdown_is_sanitised(client, db, tmp_path):
    evil = "## Title\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n**ok**"
    write_module(tmp_path, notes={"sq": evil, "en": evil})
    load_modules(tmp_path)
    db.session.commit()
    html = client.get("/modules/test-module/readings/basics").get_data(as_text=True)
    assert "<strong>ok</strong>" in html
    assert "<script>alert" not in html and "javascript:" not in html and "onerror" not in html


def test_module_page_in_the_readers_language(client, db, tmp_path):
    write_module(tmp_path)
    load_modules(tmp_path)
    db.session.commit()
    sq = client.get("/modules/test-module").get_data(as_text=True)
    assert "Moduli provë" in sq and "Decentralizimi" in sq and "<strong>theks</strong>" in sq
    client.set_cookie("lga_lang", "en")
    en = client.get("/modules/test-module").get_data(as_text=True)
    assert "Test module" in en and "Decentralisation" in en and "Group work" in en
    # Serbian falls back to English where the content has no Serbian text.
    client.set_cookie("lga_lang", "sr")
    assert "Test module" in client.get("/modules/test-module").get_data(as_text=True)


def test_module_page_query_count_is_bounded(client, db, tmp_path, count_queries, factory):
    write_module(tmp_path)
    load_modules(tmp_path)
    db.session.commit()
    module = db.session.scalar(select(Module))
    factory.workshop(module=module)
    with count_queries() as few:
        assert client.get("/modules/test-module").status_code == 200
    for _ in range(8):
        factory.workshop(module=module)
    with count_queries() as many:
        assert client.get("/modules/test-module").status_code == 200
    assert many.count == few.count


def test_shipped_modules_load_cleanly(db):
    report = load_modules(PROJECT_MODULES)
    db.session.commit()
    assert set(report.created) >= {"social-welfare-services", "financing-social-services"}
    modules = {m.code: m for m in db.session.scalars(select(Module))}
    assert modules["social-welfare-services"].programme.code == "LGA"
    assert modules["financing-social-services"].programme.code == "SSSM"
    formats = set(db.session.scalars(select(SessionPlanItem.format)))
    assert {"lecture", "discussion", "group_work", "information_exchange", "study_visit"} <= formats
