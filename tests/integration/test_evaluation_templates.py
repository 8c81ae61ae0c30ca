"""The evaluation template editor: managers and admins build forms from statements to rate and
questions for comments, in three languages; answered forms keep their items (copy them as a new
version instead); every refused change leaves everything as it was."""
from __future__ import annotations

import secrets
from datetime import date

import pytest
from sqlalchemy import func, select

from lga.audit.models import AuditEntry
from lga.evaluation.models import (
    Evaluation, EvaluationAnswer, EvaluationItem, EvaluationResponse, EvaluationTemplate,
)
from lga.evaluation.reference import STANDARD
from tests.conftest import post_form

LIKERT = {"kind": "likert", "dimension": "overall", "text_sq": "Jam i kënaqur.", "text_en": "I am satisfied.",
          "required": "1"}
COMMENT = {"kind": "comment", "text_sq": "Çfarë mungoi?", "text_en": "What was missing?"}


def _standard(db) -> EvaluationTemplate:
    return db.session.scalar(select(EvaluationTemplate).where(EvaluationTemplate.code == STANDARD))


def _items(db, template_id: int) -> list[tuple]:
    """What a template asks, in order: everything a refused change must leave alone."""
    db.session.expire_all()
    return [(i.id, i.position, i.kind, i.dimension, i.text, i.required) for i in db.session.scalars(
        select(EvaluationItem).where(EvaluationItem.template_id == template_id).order_by(EvaluationItem.position))]


def _audits(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def _new_form(client, db, **title) -> EvaluationTemplate:
    response = post_form(client, "/evaluation-forms/new", title or {"title_sq": "Vlerësim i shkurtër",
                                                                   "title_en": "Short evaluation"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return db.session.get(EvaluationTemplate, int(response.headers["Location"].rsplit("/", 1)[1]))


def _answer(db, factory, template: EvaluationTemplate) -> Evaluation:
    """A workshop whose evaluation, made from this template, one person has answered."""
    workshop = factory.workshop(start=date.today())
    evaluation = Evaluation(workshop_id=workshop.id, template_id=template.id)
    db.session.add(evaluation)
    db.session.flush()
    key = secrets.token_hex(16)
    db.session.add(EvaluationResponse(id=key, evaluation_id=evaluation.id, submitted_on=date.today()))
    db.session.flush()
    first = db.session.scalar(select(EvaluationItem).where(EvaluationItem.template_id == template.id)
                              .order_by(EvaluationItem.position))
    db.session.add(EvaluationAnswer(response_id=key, item_id=first.id, value=4))
    db.session.commit()
    return evaluation


def test_a_manager_builds_a_form_previews_and_activates_it(client, db, as_role, factory):
    manager = as_role("manager", locale="en")
    listing = client.get("/evaluation-forms").get_data(as_text=True)
    assert "Workshop evaluation" in listing and 'href="/evaluation-forms"' in listing  # in the navigation
    template = _new_form(client, db)
    assert template.code == "short-evaluation" and not template.is_active
    assert template.title == {"sq": "Vlerësim i shkurtër", "en": "Short evaluation"}
    # Not usable before it has a statement to rate.
    refused = post_form(client, f"/evaluation-forms/{template.id}/active", {"active": "1"})
    assert refused.status_code == 400 and "at least one statement to rate" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(EvaluationTemplate, template.id).is_active
    assert client.get(f"/evaluation-forms/{template.id}/items/new").status_code == 200
    for data in (LIKERT, COMMENT):
        assert post_form(client, f"/evaluation-forms/{template.id}/items/new", data).status_code == 302
    items = _items(db, template.id)
    assert [(i[1], i[2], i[3], i[5]) for i in items] == [(0, "likert", "overall", True), (1, "comment", None, False)]
    edited = post_form(client, f"/evaluation-forms/{template.id}/items/{items[1][0]}",
                       dict(COMMENT, text_sr="Šta je nedostajalo?", required="1"))
    assert edited.status_code == 302
    assert _items(db, template.id)[1][4:] == ({"sq": "Çfarë mungoi?", "en": "What was missing?",
                                               "sr": "Šta je nedostajalo?"}, True)
    renamed = post_form(client, f"/evaluation-forms/{template.id}", {"title_sq": "Vlerësim", "title_sr": "Evaluacija"})
    assert renamed.status_code == 302
    assert post_form(client, f"/evaluation-forms/{template.id}/active", {"active": "1"}).status_code == 302
    db.session.expire_all()
    template = db.session.get(EvaluationTemplate, template.id)
    assert template.is_active and template.title == {"sq": "Vlerësim", "sr": "Evaluacija"}
    # The preview is the participant's form, without a way to send it.
    preview = client.get(f"/evaluation-forms/{template.id}/preview").get_data(as_text=True)
    assert "I am satisfied." in preview and 'type="radio"' in preview and "What was missing?" in preview
    assert 'method="post" class="evaluation"' not in preview
    # Every change is in the audit trail, by the manager.
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor_id == manager.id, AuditEntry.action.startswith("evaluation"))).all()
    assert sorted(set(actions)) == ["evaluation_item.added", "evaluation_item.updated",
                                    "evaluation_template.activated", "evaluation_template.created",
                                    "evaluation_template.updated"]
    # A workshop's staff can now choose it.
    workshop = factory.workshop()
    assert post_form(client, f"/workshops/{workshop.id}/evaluation/template",
                     {"template_id": template.id}).status_code == 302
    assert db.session.scalar(select(Evaluation.template_id).where(Evaluation.workshop_id == workshop.id)) == template.id


def test_items_move_up_and_down_and_any_order_keeps_positions_unique(client, db, as_role):
    as_role("admin", locale="en")
    template = _new_form(client, db)
    for n in range(4):
        post_form(client, f"/evaluation-forms/{template.id}/items/new", dict(LIKERT, text_sq=f"Pohimi {n}"))
    ids = [i[0] for i in _items(db, template.id)]
    page = client.get(f"/evaluation-forms/{template.id}").get_data(as_text=True)
    moved_down = ",".join(map(str, [ids[1], ids[0], ids[2], ids[3]]))
    assert f'value="{moved_down}"' in page  # the first item's "Move down" button
    assert post_form(client, f"/evaluation-forms/{template.id}/order", {"order": moved_down}).status_code == 302
    assert [i[0] for i in _items(db, template.id)] == [ids[1], ids[0], ids[2], ids[3]]
    reverse = list(reversed(ids))  # every item changes place: positions are swapped without a clash
    assert post_form(client, f"/evaluation-forms/{template.id}/order",
                     {"order": ",".join(map(str, reverse))}).status_code == 302
    assert [(i[0], i[1]) for i in _items(db, template.id)] == list(zip(reverse, range(4)))
    # Removing one closes the gap.
    assert post_form(client, f"/evaluation-forms/{template.id}/items/{reverse[1]}/remove").status_code == 302
    assert [(i[0], i[1]) for i in _items(db, template.id)] == [(reverse[0], 0), (reverse[2], 1), (reverse[3], 2)]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "evaluation_template.reordered")
                              .order_by(AuditEntry.id.desc()))
    assert entry.changes["order"]["new"] == reverse


def test_a_stale_or_tampered_order_moves_nothing(client, db, as_role):
    as_role("manager", locale="en")
    template = _new_form(client, db)
    for n in range(3):
        post_form(client, f"/evaluation-forms/{template.id}/items/new", dict(LIKERT, text_sq=f"Pohimi {n}"))
    other = _standard(db)
    foreign = _items(db, other.id)[0][0]
    before, others_before, audits = _items(db, template.id), _items(db, other.id), _audits(db)
    ids = [str(i[0]) for i in before]
    for order in ([ids[1], ids[0]],                      # an item added since the page was drawn is missing
                  [ids[2], ids[1], ids[0], "999999"],    # one removed since, still listed
                  [ids[2], ids[1], str(foreign)],        # another form's item
                  [ids[2], ids[2], ids[0]],              # twice the same
                  [ids[2], "x", ids[0]]):
        response = post_form(client, f"/evaluation-forms/{template.id}/order", {"order": ",".join(order)})
        assert response.status_code == 400, order
        assert "have changed since you opened the page" in response.get_data(as_text=True)
    assert _items(db, template.id) == before and _items(db, other.id) == others_before and _audits(db) == audits


@pytest.mark.parametrize("data, message", [
    (dict(LIKERT, text_sq="  "), "Write the item in Albanian."),
    (dict(LIKERT, kind="slider"), "statement to rate or a question for comments"),
    (dict(LIKERT, dimension="beauty"), "Choose what the statement is about from the list."),
    (dict(LIKERT, dimension=""), "results and reports are grouped by it"),
    (dict(LIKERT, text_en="x" * 501), "Use at most 500 characters."),
])
def test_bad_items_are_refused_and_change_nothing(client, db, as_role, data, message):
    as_role("manager", locale="en")
    template = _standard(db)
    first = _items(db, template.id)[0][0]
    before, audits = _items(db, template.id), _audits(db)
    for url in (f"/evaluation-forms/{template.id}/items/new", f"/evaluation-forms/{template.id}/items/{first}"):
        response = post_form(client, url, data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page, url
        assert "has-error" in page  # the field at fault is marked
    assert _items(db, template.id) == before and _audits(db) == audits


def test_a_title_needs_albanian(client, db, as_role):
    as_role("admin", locale="en")
    count = db.session.scalar(select(func.count()).select_from(EvaluationTemplate))
    response = post_form(client, "/evaluation-forms/new", {"title_sq": " ", "title_en": "Only English"})
    assert response.status_code == 400 and "Give the form a title in Albanian." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(EvaluationTemplate)) == count
    template = _standard(db)
    title = dict(template.title)
    response = post_form(client, f"/evaluation-forms/{template.id}", {"title_sq": "", "title_en": "New"})
    assert response.status_code == 400
    db.session.expire_all()
    assert _standard(db).title == title


def test_an_answered_form_keeps_its_items_and_is_copied_as_a_new_version(client, db, as_role, factory):
    as_role("manager", locale="en")
    template = _standard(db)
    evaluation = _answer(db, factory, template)
    before, audits = _items(db, template.id), _audits(db)
    first, second = before[0][0], before[1][0]
    attempts = [
        (f"/evaluation-forms/{template.id}/items/new", LIKERT),
        (f"/evaluation-forms/{template.id}/items/{first}", LIKERT),
        (f"/evaluation-forms/{template.id}/items/{second}/remove", {}),
        (f"/evaluation-forms/{template.id}/order", {"order": ",".join(str(i[0]) for i in reversed(before))}),
    ]
    for url, data in attempts:
        response = post_form(client, url, data)
        assert response.status_code == 400, url
        assert "Copy it as a new version" in response.get_data(as_text=True)
    assert _items(db, template.id) == before and _audits(db) == audits
    editor = client.get(f"/evaluation-forms/{template.id}").get_data(as_text=True)
    assert "Copy as a new version" in editor and "Add an item" not in editor and "Move down" not in editor
    assert client.get(f"/evaluation-forms/{template.id}/items/new").status_code == 302
    # The title may still change.
    assert post_form(client, f"/evaluation-forms/{template.id}",
                     dict(title_sq="Vlerësimi standard", title_en="Standard evaluation")).status_code == 302
    # A new version: same items, its own code, inactive, and editable.
    response = post_form(client, f"/evaluation-forms/{template.id}/copy")
    assert response.status_code == 302
    copy = db.session.get(EvaluationTemplate, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert copy.code == "standard-v2" and not copy.is_active and copy.title["en"] == "Standard evaluation"
    assert [i[1:] for i in _items(db, copy.id)] == [i[1:] for i in before]
    assert post_form(client, f"/evaluation-forms/{copy.id}/items/new", COMMENT).status_code == 302
    assert len(_items(db, copy.id)) == len(before) + 1
    assert _items(db, template.id) == before
    second_copy = post_form(client, f"/evaluation-forms/{copy.id}/copy")
    assert db.session.get(EvaluationTemplate, int(second_copy.headers["Location"].rsplit("/", 1)[1])).code \
        == "standard-v3"
    # The only active form cannot be switched off: workshops without a choice use it.
    refused = post_form(client, f"/evaluation-forms/{template.id}/active", {"active": "0"})
    assert refused.status_code == 400 and "At least one form must stay active" in refused.get_data(as_text=True)
    assert post_form(client, f"/evaluation-forms/{copy.id}/active", {"active": "1"}).status_code == 302
    assert post_form(client, f"/evaluation-forms/{template.id}/active", {"active": "0"}).status_code == 302
    db.session.expire_all()
    assert not _standard(db).is_active
    # Deactivated: no longer chosen for new evaluations; the one made from it goes on.
    workshop = factory.workshop()
    assert post_form(client, f"/workshops/{workshop.id}/evaluation/template",
                     {"template_id": template.id}).status_code == 400
    from lga.evaluation import services

    assert services.default_template().id == copy.id
    assert services.template_for(evaluation.workshop_id).id == template.id
    assert client.get(f"/workshops/{evaluation.workshop_id}/evaluation/results").status_code == 200
    listing = client.get("/evaluation-forms").get_data(as_text=True)
    assert "standard-v2" in listing and "Answered: items locked" in listing


def test_an_active_form_keeps_a_statement_to_rate(client, db, as_role):
    as_role("manager", locale="en")
    template = _new_form(client, db)
    post_form(client, f"/evaluation-forms/{template.id}/items/new", LIKERT)
    post_form(client, f"/evaluation-forms/{template.id}/items/new", COMMENT)
    post_form(client, f"/evaluation-forms/{template.id}/active", {"active": "1"})
    before = _items(db, template.id)
    likert = before[0][0]
    removed = post_form(client, f"/evaluation-forms/{template.id}/items/{likert}/remove")
    assert removed.status_code == 400 and "needs at least one statement to rate" in removed.get_data(as_text=True)
    changed = post_form(client, f"/evaluation-forms/{template.id}/items/{likert}", COMMENT)
    assert changed.status_code == 400
    assert _items(db, template.id) == before
    # Inactive, it may be emptied while it is reworked.
    post_form(client, f"/evaluation-forms/{template.id}/active", {"active": "0"})
    assert post_form(client, f"/evaluation-forms/{template.id}/items/{likert}/remove").status_code == 302


def test_another_forms_item_is_not_reached_through_this_form(client, db, as_role):
    as_role("manager", locale="en")
    template = _new_form(client, db)
    post_form(client, f"/evaluation-forms/{template.id}/items/new", LIKERT)
    standard = _standard(db)
    foreign = _items(db, standard.id)[0][0]
    before, audits = _items(db, standard.id), _audits(db)
    assert client.get(f"/evaluation-forms/{template.id}/items/{foreign}").status_code == 404
    assert post_form(client, f"/evaluation-forms/{template.id}/items/{foreign}", COMMENT).status_code == 404
    removed = post_form(client, f"/evaluation-forms/{template.id}/items/{foreign}/remove")
    assert removed.status_code == 400 and "This item is not part of this form." in removed.get_data(as_text=True)
    assert _items(db, standard.id) == before and _audits(db) == audits
    assert client.get("/evaluation-forms/999999").status_code == 404


@pytest.mark.parametrize("role", ["trainee", "trainer", "donor"])
def test_only_managers_and_admins_edit_forms(client, db, as_role, role):
    as_role(role, locale="en")
    template = _standard(db)
    item = _items(db, template.id)[0][0]
    before, audits = _items(db, template.id), _audits(db)
    for url in ("/evaluation-forms", "/evaluation-forms/new", f"/evaluation-forms/{template.id}",
                f"/evaluation-forms/{template.id}/preview", f"/evaluation-forms/{template.id}/items/{item}"):
        assert client.get(url).status_code == 403, url
    for url, data in ((f"/evaluation-forms/{template.id}/items/{item}/remove", {}),
                      (f"/evaluation-forms/{template.id}/active", {"active": "0"}),
                      (f"/evaluation-forms/{template.id}/copy", {}),
                      ("/evaluation-forms/new", {"title_sq": "X"})):
        assert post_form(client, url, data).status_code == 403, url
    assert _items(db, template.id) == before and _audits(db) == audits
    assert 'href="/evaluation-forms"' not in client.get("/").get_data(as_text=True)


def test_list_and_editor_run_a_fixed_number_of_queries(client, db, as_role, app, factory, count_queries):
    as_role("manager", locale="en")

    def forms(n: int) -> None:
        for k in range(n):
            template = EvaluationTemplate(code=f"form-{n}-{k}", title={"sq": f"Formulari {k}"}, is_active=k % 2 == 0)
            template.items = [EvaluationItem(position=p, kind="likert", dimension="content", text={"sq": f"P {p}"})
                              for p in range(3)]
            db.session.add(template)
        db.session.commit()

    def editor_with(n: int) -> EvaluationTemplate:
        template = EvaluationTemplate(code=f"items-{n}", title={"sq": "Formulari"}, is_active=True)
        template.items = [EvaluationItem(position=p, kind="likert" if p % 2 else "comment",
                                         dimension="content" if p % 2 else None, text={"sq": f"Pyetja {p}"})
                          for p in range(n)]
        db.session.add(template)
        db.session.commit()
        _answer(db, factory, template) if n > 2 else None
        return template

    forms(2)
    with count_queries() as small:
        assert client.get("/evaluation-forms").status_code == 200
    forms(18)
    _answer(db, factory, _standard(db))
    with count_queries() as large:
        page = client.get("/evaluation-forms").get_data(as_text=True)
    assert page.count("<tr>") == 22 and large.count == small.count
    few, many = editor_with(2), editor_with(20)
    counts = []
    for template in (few, many):
        for url in (f"/evaluation-forms/{template.id}", f"/evaluation-forms/{template.id}/preview"):
            with count_queries() as q:
                assert client.get(url).status_code == 200
            counts.append(q.count)
    assert counts[0] == counts[2] and counts[1] == counts[3]
