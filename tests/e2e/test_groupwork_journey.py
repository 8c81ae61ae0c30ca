"""Group work in the browser: the trainer forms groups and sets a task, a trainee hands in the
group's work with a file, the trainer gives feedback and a mark, another member of the group sees it."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from lga.enrolment.models import Enrolment
from lga.groupwork.models import GroupMember, WorkGroup
from tests.e2e.test_workshop_journeys import log_in, no_horizontal_scroll

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def test_a_group_hands_in_its_work_and_every_member_sees_the_feedback(app, page, second_page, phone, shot, db,
                                                                     factory, mailbox):
    trainer = factory.user(roles=("trainer",), given_name="Burim")
    workshop = factory.workshop(trainers=[trainer], start=date.today() + timedelta(days=1),
                                title="Mirëqenia sociale dhe shërbimet sociale")
    towns = ("prizren", "peje", "gjilan")
    people = [factory.user(given_name=name, family_name="Krasniqi", municipality_id=factory.municipality(towns[i % 3]).id)
              for i, name in enumerate(["Arta", "Besnik", "Drita", "Fatos", "Genta", "Ilir"])]
    for person in people:
        db.session.add(Enrolment(workshop_id=workshop.id, user_id=person.id, status="enrolled"))
    db.session.commit()

    # The trainer forms two groups that mix the municipalities.
    log_in(page, trainer)
    page.goto(f"/workshops/{workshop.id}")
    page.locator(f"a[href='/workshops/{workshop.id}/groups']").first.click()
    page.locator("input[name=method][value=mix]").check()
    page.locator("input[name=trait][value=municipality]").check()
    page.locator("input[name=split][value=count]").check()
    page.fill("#number", "2")
    page.locator("form.generate [type=submit]").click()
    page.locator(".flash-success").wait_for()
    assert page.locator("li.group").count() == 2
    shot(page, "groupwork-groups-trainer")

    # ... shares the model plan as a material ...
    page.goto(f"/workshops/{workshop.id}")
    page.locator(f"a[href='/workshops/{workshop.id}/materials']").first.click()
    page.locator(f"a[href='/workshops/{workshop.id}/materials/new?kind=file']").click()
    page.fill("#title", "Modeli i Planit Komunal për Shërbime Sociale")
    page.fill("#description", "Lexojeni para ditës së dytë: **pjesa 3** për financimin.")
    page.set_input_files("#file", files=[{"name": "plani-model.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator("main form [type=submit]").click()
    page.locator(".flash-success").wait_for()
    shot(page, "materials-list-trainer")

    # ... and sets a task with a deadline and a highest mark.
    page.goto(f"/workshops/{workshop.id}/groups")
    page.locator(f"a[href='/workshops/{workshop.id}/group-tasks/new']").click()
    page.fill("#title", "Plani komunal për shërbime sociale: financimi")
    page.fill("#instructions", "Shkruani pjesën për **financimin**: granti specifik dhe buxheti komunal.")
    page.fill("#deadline", (date.today() + timedelta(days=3)).isoformat() + "T17:00")
    page.fill("#max_mark", "20")
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url(re.compile(r"/group-tasks/\d+$"))
    task_url = page.url

    group = db.session.scalar(select(WorkGroup).where(WorkGroup.workshop_id == workshop.id)
                              .order_by(WorkGroup.position))
    members = db.session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group.id)).all()
    author, reader = [p for p in people if p.id in members][:2]

    # A trainee of the group finds the material, then hands in the group's work with a file.
    log_in(second_page, author)
    second_page.goto(f"/workshops/{workshop.id}")
    second_page.locator(f"a[href='/workshops/{workshop.id}/materials']").first.click()
    with second_page.expect_download() as download:
        second_page.locator("li.material h2 a", has_text="Modeli i Planit Komunal").click()
    assert download.value.suggested_filename == "plani-model.pdf"
    second_page.goto(f"/workshops/{workshop.id}")
    second_page.locator(f"a[href='/workshops/{workshop.id}/groups']").first.click()
    second_page.locator("main .card h3 a").first.click()
    second_page.fill("#text", "## Financimi\n\nGranti specifik për shërbime sociale dhe të hyrat vetanake.")
    second_page.set_input_files("#files", files=[{"name": "plani-financimi.pdf", "mimeType": "application/pdf",
                                                 "buffer": PDF}])
    second_page.locator("form.submission-form [type=submit]").click()
    second_page.locator(".flash-success").wait_for()
    assert second_page.locator("ul.files a", has_text="plani-financimi.pdf").is_visible()
    shot(second_page, "groupwork-submission-trainee")

    # The trainer reads it and gives feedback and a mark.
    page.goto(task_url)
    page.locator("table a", has_text=group.name).click()
    assert page.locator(".current-text", has_text="Granti specifik").is_visible()
    page.fill("#feedback", "Pjesa e financimit është e qartë. Shtoni **kornizën afatmesme buxhetore**.")
    page.fill("#mark", "17")
    page.locator("form[action$='/feedback'] [type=submit]").click()
    page.locator(".flash-success").wait_for()

    # Another member of the group sees the feedback and the mark, on a phone.
    log_in(phone, reader)
    phone.goto(f"/workshops/{workshop.id}/groups")
    phone.locator("main .card h3 a").first.click()
    feedback = phone.locator("section.feedback")
    feedback.wait_for()
    assert "kornizën afatmesme buxhetore" in feedback.inner_text()
    assert "17" in feedback.locator(".mark").inner_text()
    no_horizontal_scroll(phone)
    shot(phone, "groupwork-feedback-phone")
    assert any(m["To"] == reader.email for m in mailbox.wait_for(len(members), timeout=5))

    # The trainer's overview of the task, and the submission's history.
    page.goto(task_url)
    assert page.locator("table tbody tr").count() == 2
    shot(page, "groupwork-task-trainer")
    phone.locator("a[href$='/history']").click()
    phone.locator("li.version").first.wait_for()
    assert "plani-financimi.pdf" in phone.locator("li.version").first.inner_text()
    shot(phone, "groupwork-history-phone")
