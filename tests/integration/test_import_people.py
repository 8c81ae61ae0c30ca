"""Bulk enrolment from a staff list, as staff meet it on the command line and in the browser:
check first, then write everything or nothing; new people are invited by email in their language."""
from __future__ import annotations

import io
import re
import time
from html import unescape

from flask_babel import force_locale, gettext
from openpyxl import Workbook
from sqlalchemy import func, select

from lga.accounts.models import AccountToken, Municipality, User
from lga.audit.models import AuditEntry
from lga.enrolment.models import Enrolment, StaffImport
from tests.conftest import login, post_form

HEADER = "Emri dhe mbiemri;Email;Komuna;Institucioni;Pozita;Gjinia;Gjuha"
INVITE_RE = re.compile(r"https?://[^/\s]+(/password/reset/[A-Za-z0-9_\-]+)")


# --- Helpers -------------------------------------------------------------------------------

def csv_bytes(lines, encoding="utf-8", delimiter=";") -> bytes:
    return ("\r\n".join(line.replace(";", delimiter) for line in lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def user(db, email) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def import_cli(runner, tmp_path, content: bytes, *args, name="staff.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return runner.invoke(args=["lga", "import-people", str(path), *args])


def upload(client, content: bytes, filename="staff.csv", workshop_id="", **kwargs):
    return post_form(client, "/manage/import", {"file": (io.BytesIO(content), filename),
                                                "workshop_id": str(workshop_id)},
                     content_type="multipart/form-data", **kwargs)


def token_of(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    match = re.search(r"/manage/import/([A-Za-z0-9_\-]+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def text(response) -> str:
    return " ".join(unescape(response.get_data(as_text=True)).split())


def translated(language: str, message: str, **values) -> str:
    from lga.i18n import babel_locale_for

    with force_locale(babel_locale_for(language)):
        return gettext(message, **values)


GOOD = [
    HEADER,
    "Arbëresha Çeku;arberesha@example.org;Prishtinë;QPS;Punëtore sociale;F;sq",
    "Dragan Đorđević;dragan@example.org;Uroševac;DSHMS;Šef odseka;M;sr",
    "Žaklina Čolić;zaklina@example.org;Gracanica;Kuvendi komunal;Odbornica;Ž;",
]


# --- Command line --------------------------------------------------------------------------

def test_cli_imports_a_windows_1250_list_and_invites_each_new_person_in_their_language(
        db, runner, tmp_path, mailbox):
    result = import_cli(runner, tmp_path, csv_bytes(GOOD, "cp1250"))
    assert result.exit_code == 0, result.output
    assert "New people:        3" in result.output and "3 accounts created" in result.output

    dragan = user(db, "dragan@example.org")
    assert (dragan.given_name, dragan.family_name, dragan.position) == ("Dragan", "Đorđević", "Šef odseka")
    assert (dragan.municipality.code, dragan.institution_type.code, dragan.sex) == ("ferizaj", "dshms", "male")
    assert dragan.locale == "sr" and dragan.password_hash is None and dragan.role_names == {"trainee"}
    assert user(db, "zaklina@example.org").municipality.code == "gracanice"
    assert user(db, "zaklina@example.org").locale == "sq"  # no language given, no workshop: Albanian
    assert count(db, AuditEntry, AuditEntry.action == "user.imported") == 3

    messages = mailbox.wait_for(3)
    assert len(messages) == 3
    serbian = mailbox.text_of(mailbox.to("dragan@example.org")[0])
    albanian = mailbox.text_of(mailbox.to("arberesha@example.org")[0])
    assert translated("sr", "Hello %(name)s,", name="Dragan") in serbian
    assert translated("sq", "Hello %(name)s,", name="Arbëresha") in albanian
    assert translated("sr", "Hello %(name)s,", name="X") != translated("en", "Hello %(name)s,", name="X")


def test_invitation_link_lets_the_new_person_set_a_password_and_log_in(db, runner, tmp_path, mailbox, client):
    assert import_cli(runner, tmp_path, csv_bytes(GOOD[:2])).exit_code == 0
    body = mailbox.text_of(mailbox.wait_for(1)[0])
    path = INVITE_RE.search(body).group(1)
    assert client.get(path).status_code == 200
    response = post_form(client, path, {"password": "my own passphrase", "password_confirm": "my own passphrase"})
    assert response.status_code == 302, text(response)[:2000]
    login(client.application.test_client(), user(db, "arberesha@example.org"), "my own passphrase")
    assert count(db, AccountToken, AccountToken.used_at.is_(None)) == 0


def test_one_bad_row_writes_nothing_and_names_row_field_and_value(db, runner, tmp_path, mailbox, factory):
    factory.user()  # someone already there
    before = count(db, User)
    lines = GOOD + ["Besa Gashi;besa@example.org;Mitrovica;QPS;Zyrtare;F;sq"]
    result = import_cli(runner, tmp_path, csv_bytes(lines, "utf-8-sig"))
    assert result.exit_code == 1
    assert "Row 5, Municipality: Unknown municipality “Mitrovica”." in result.output
    assert "Nothing was written" in result.output
    assert count(db, User) == before
    assert count(db, AuditEntry, AuditEntry.action == "user.imported") == 0
    assert mailbox.wait_for(1, timeout=0.5) == []


def test_dry_run_writes_nothing(db, runner, tmp_path, mailbox):
    before = count(db, User)
    result = import_cli(runner, tmp_path, csv_bytes(GOOD, delimiter=","), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written." in result.output and "New people:        3" in result.output
    assert count(db, User) == before
    assert mailbox.wait_for(1, timeout=0.5) == []


def test_whole_file_problems_exit_1(db, runner, tmp_path):
    result = import_cli(runner, tmp_path, csv_bytes(["Emri dhe mbiemri;Pozita", "Besa Gashi;Zyrtare"]))
    assert result.exit_code == 1
    assert "Required columns are missing: Email, Municipality." in result.output


def test_existing_people_are_matched_case_insensitively_and_enrolled_not_duplicated(
        db, runner, tmp_path, mailbox, factory):
    known = factory.user(email="besa.gashi@example.org", given_name="Besa", family_name="Gashi",
                         municipality_id=factory.municipality("peje").id)
    workshop = factory.workshop(capacity=2)
    before = count(db, User)
    lines = [HEADER, "BESA GASHI;Besa.Gashi@Example.ORG;Prizren;QPS;Tjetër;F;sq", *GOOD[1:3]]
    result = import_cli(runner, tmp_path, csv_bytes(lines), "--workshop", str(workshop.id))
    assert result.exit_code == 0, result.output
    assert "Existing people:   1" in result.output
    assert count(db, User) == before + 2
    # The existing account is left as it was (the list does not overwrite profiles).
    assert (user(db, "besa.gashi@example.org").given_name, user(db, "besa.gashi@example.org").municipality.code) == (
        "Besa", "peje")
    statuses = dict(db.session.execute(
        select(User.email, Enrolment.status).join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.workshop_id == workshop.id)).all())
    assert sorted(statuses.values()) == ["enrolled", "enrolled", "waitlisted"]  # capacity 2
    assert set(statuses) == {"besa.gashi@example.org", "arberesha@example.org", "dragan@example.org"}
    assert count(db, Enrolment, Enrolment.source == "import") == 3
    # Invitations only to the new people.
    mailbox.wait_for(5)
    invitations = [m for m in mailbox.messages if "/password/reset/" in mailbox.text_of(m)]
    assert sorted(m["To"] for m in invitations) == ["arberesha@example.org", "dragan@example.org"]

    # The same list again: nobody new, nobody enrolled twice.
    again = import_cli(runner, tmp_path, csv_bytes(lines), "--workshop", str(workshop.id))
    assert again.exit_code == 0, again.output
    assert "0 accounts created" in again.output and "3 already on the list" in again.output
    assert count(db, User) == before + 2
    assert count(db, Enrolment, Enrolment.workshop_id == workshop.id) == 3
    assert known.id == user(db, "besa.gashi@example.org").id


def test_people_lookup_does_not_grow_with_the_rows(db, factory, count_queries):
    from lga.enrolment import imports

    for i in range(3):
        factory.user(email=f"known{i}@example.org")
    workshop = factory.workshop()
    small = imports.read("s.csv", csv_bytes([HEADER] + [f"A B;known{i}@example.org;Pejë;;;;" for i in range(3)]))
    big = imports.read("b.csv", csv_bytes([HEADER] + [f"A B;p{i}@example.org;Pejë;;;;" for i in range(2000)]))
    assert workshop.status == "published"  # loaded before counting
    with count_queries() as few:
        assert len(imports.preview(small, workshop=workshop).existing) == 3
    with count_queries() as many:
        assert len(imports.preview(big, workshop=workshop).new) == 2000
    assert few.count == many.count == 1


# --- In the browser ------------------------------------------------------------------------

def test_manager_uploads_previews_and_confirms_in_one_go(db, client, as_role, factory, mailbox):
    manager = as_role("manager", locale="en")
    factory.user(email="existing@example.org")
    workshop = factory.workshop(title="Planifikimi i financimit")
    content = xlsx_bytes([
        ["Emri", "Mbiemri", "E-mail", "Opština", "Institucija", "Pozicija", "Pol"],
        ["Arbëresha", "Çeku", "arberesha@example.org", "Priština", "QPS", "Punëtore sociale", "F"],
        ["Dragan", "Đorđević", "dragan@example.org", "Urosevac", "DSHMS", "Šef", "M"],
        ["Ex", "Isting", "EXISTING@example.org", "Pejë", "QPS", "Zyrtar", "M"],
    ])
    before = count(db, User)
    token = token_of(upload(client, content, "lista.xlsx", workshop.id))
    assert count(db, StaffImport) == 1 and count(db, User) == before  # nothing but the upload yet

    page = client.get(f"/manage/import/{token}")
    assert page.status_code == 200
    html = text(page)
    assert "arberesha@example.org" in html and "dragan@example.org" in html and "existing@example.org" in html
    assert "Planifikimi i financimit" in html and "/confirm" in html

    done = post_form(client, f"/manage/import/{token}/confirm")
    assert done.status_code == 302
    assert count(db, User) == before + 2 and count(db, StaffImport) == 0
    assert count(db, Enrolment, Enrolment.workshop_id == workshop.id) == 3
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "staff_import.applied"))
    assert entry.actor_id == manager.id and entry.changes["created"]["new"] == 2
    assert user(db, "dragan@example.org").municipality.code == "ferizaj"
    mailbox.wait_for(5)
    assert mailbox.to("arberesha@example.org") and mailbox.to("dragan@example.org")
    # The link is spent: the preview says so instead of importing twice.
    assert post_form(client, f"/manage/import/{token}/confirm").status_code == 400
    assert count(db, User) == before + 2


def test_file_with_errors_cannot_be_confirmed_and_writes_nothing(db, client, as_role, mailbox):
    as_role("admin", locale="en")
    content = xlsx_bytes([
        ["Name", "Email", "Municipality", "Position"],
        ["Besa Gashi", "besa@example.org", "Prizren", "Zyrtare"],
        ["Agim Morina", "agim@example.org", "Belgrade", "Zyrtar"],
        ["Lule Berisha", "besa@example.org", "Pejë", '=HYPERLINK("http://example.org","x")'],
    ])
    token = token_of(upload(client, content, "staff.xlsx"))
    html = text(client.get(f"/manage/import/{token}"))
    assert "Unknown municipality “Belgrade”" in html
    assert "already in row 2" in html and "formula" in html
    assert f"/manage/import/{token}/confirm" not in html
    before = count(db, User)
    response = post_form(client, f"/manage/import/{token}/confirm")
    assert response.status_code == 400
    assert count(db, User) == before and count(db, StaffImport) == 1
    assert mailbox.wait_for(1, timeout=0.5) == []


def test_bad_uploads_get_a_clear_message_and_nothing_is_stored(db, client, as_role):
    as_role("manager", locale="en")
    for content, name, message in [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls", "Only CSV and XLSX files can be imported"),
        (csv_bytes(["Name;Position", "Besa Gashi;Zyrtare"]), "staff.csv", "Required columns are missing"),
        (b"", "empty.csv", "The file is empty."),
    ]:
        response = upload(client, content, name)
        assert response.status_code == 400, name
        assert message in text(response), name
    assert count(db, StaffImport) == 0


def test_upload_size_limit(db, client, as_role, app, monkeypatch):
    as_role("manager", locale="en")
    monkeypatch.setitem(app.config, "LGA_IMPORT_MAX_BYTES", 200)
    response = upload(client, csv_bytes([HEADER] + GOOD[1:] * 5))
    assert response.status_code == 400
    assert count(db, StaffImport) == 0


def test_cancel_discards_the_upload(db, client, as_role):
    as_role("manager", locale="en")
    token = token_of(upload(client, csv_bytes(GOOD)))
    assert post_form(client, f"/manage/import/{token}/cancel").status_code == 302
    assert count(db, StaffImport) == 0 and count(db, User, User.email == "dragan@example.org") == 0


def test_an_upload_is_seen_only_by_its_uploader(db, app, client, as_role, factory):
    as_role("manager", locale="en")
    token = token_of(upload(client, csv_bytes(GOOD)))
    other = app.test_client()
    login(other, factory.user(roles=("manager",)))
    assert other.get(f"/manage/import/{token}").status_code == 400
    assert post_form(other, f"/manage/import/{token}/confirm").status_code == 400
    assert post_form(other, f"/manage/import/{token}/cancel").status_code == 400
    assert count(db, StaffImport) == 1 and count(db, User, User.email == "dragan@example.org") == 0


def test_trainers_import_only_into_their_own_workshops(db, client, factory):
    trainer = factory.user(roles=("trainer",))
    mine = factory.workshop(title="My workshop", trainers=[trainer])
    theirs = factory.workshop(title="Their workshop")
    login(client, trainer)
    form = text(client.get("/manage/import"))
    assert "My workshop" in form and "Their workshop" not in form
    assert upload(client, csv_bytes(GOOD), workshop_id=theirs.id).status_code == 400
    assert upload(client, csv_bytes(GOOD)).status_code == 400  # accounts alone: managers only
    assert count(db, StaffImport) == 0
    token = token_of(upload(client, csv_bytes(GOOD), workshop_id=mine.id))
    # Taken off the workshop between upload and confirmation: refused.
    from lga.catalogue.models import workshop_trainer

    db.session.execute(workshop_trainer.delete().where(workshop_trainer.c.user_id == trainer.id))
    db.session.commit()
    assert post_form(client, f"/manage/import/{token}/confirm").status_code == 403
    assert count(db, Enrolment) == 0


def test_trainees_and_donors_cannot_import(client, as_role):
    as_role("trainee")
    assert client.get("/manage/import").status_code == 403


# --- Scale ---------------------------------------------------------------------------------

def test_ten_thousand_new_people_are_checked_and_written_in_seconds(db, app, factory):
    """10,000 accounts in one transaction (the mails go out after the commit; not timed here)."""
    from lga.enrolment import imports

    municipalities = db.session.scalars(select(Municipality.name_sr)).all()
    lines = [HEADER] + [f"Osoba{i} Prezime{i};osoba{i}@example.org;{municipalities[i % len(municipalities)]};QPS;;Ž;sr"
                        for i in range(10000)]
    content = csv_bytes(lines, "cp1250")
    actor = factory.user(roles=("manager",))
    started = time.perf_counter()
    staff_file = imports.read("big.csv", content)
    checked = imports.preview(staff_file)
    read_at = time.perf_counter()
    queued = []
    import lga.enrolment.imports as module

    original = module.queue
    module.queue = queued.append  # the SMTP round trips are the mail server's business, not the import's
    try:
        result = imports.apply(checked, actor=actor)
        db.session.commit()
    finally:
        module.queue = original
    written_at = time.perf_counter()
    print(f"\n10k rows: read+preview {read_at - started:.1f}s, apply+commit {written_at - read_at:.1f}s")
    assert result.created == 10000 and len(queued) == 10000
    assert count(db, User, User.locale == "sr") == 10000
    assert written_at - started < 120


def test_unconfirmed_uploads_are_deleted_after_a_day(db, factory, runner):
    from datetime import datetime, timedelta, timezone

    from lga.enrolment.models import StaffImport

    manager = factory.user(roles=("manager",), password=None)
    old = datetime.now(timezone.utc) - timedelta(hours=25)
    db.session.add_all([
        StaffImport(token="old", created_by_id=manager.id, filename="a.csv", content=b"x", created_at=old),
        StaffImport(token="new", created_by_id=manager.id, filename="b.csv", content=b"x"),
    ])
    db.session.commit()
    result = runner.invoke(args=["lga", "send-mail"])
    assert result.exit_code == 0 and "1 uploads left unconfirmed" in result.output, result.output
    assert [s.token for s in db.session.scalars(select(StaffImport))] == ["new"]
