"""Workshop materials: files in storage (never in the database), links and notes; only the
workshop's participants and staff open them; bad input changes nothing and leaves no file behind."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lga.audit.models import AuditEntry
from lga.catalogue.models import WorkshopSession
from lga.enrolment.models import Enrolment
from lga.materials.models import Material
from tests.conftest import login, post_form

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def stored_files(app) -> list[Path]:
    root = Path(app.config["LGA_STORAGE_URL"].removeprefix("file://"))
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture()
def course(factory, db):
    trainer = factory.user(roles=("trainer",), locale="en")
    workshop = factory.workshop(trainers=[trainer], sessions=2)
    participant = factory.user(locale="en", given_name="Drita")
    db.session.add(Enrolment(workshop_id=workshop.id, user_id=participant.id, status="enrolled"))
    db.session.commit()
    sessions = db.session.scalars(select(WorkshopSession.id).where(WorkshopSession.workshop_id == workshop.id)
                                  .order_by(WorkshopSession.starts_at)).all()
    return {"trainer": trainer, "workshop": workshop, "participant": participant, "sessions": sessions}


def _upload(client, workshop_id, name, content, **fields):
    data = {"title": fields.pop("title", "Model plan for social services"), "is_visible": "y",
            "session_id": "None", "file": (io.BytesIO(content), name), **fields}
    return post_form(client, f"/workshops/{workshop_id}/materials/new?kind=file", data,
                     content_type="multipart/form-data")


def client_of(app, user):
    """A browser of its own, logged in as ``user``."""
    browser = app.test_client()
    login(browser, user)
    return browser


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Material))


def test_a_trainer_uploads_a_file_and_only_participants_and_staff_download_it(app, client, course, db, factory):
    workshop = course["workshop"]
    login(client, course["trainer"])
    before = len(stored_files(app))
    response = _upload(client, workshop.id, "Plani komunal.pdf", PDF, description="Read **before** day 2")
    assert response.status_code == 302
    material = db.session.scalar(select(Material))
    assert material.kind == "file" and material.filename == "Plani komunal.pdf" and material.size == len(PDF)
    assert material.content_type == "application/pdf" and len(material.storage_key) >= 32
    assert len(stored_files(app)) == before + 1  # in storage, not in the database
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "material.added")) is not None

    # The participant sees it in the list and downloads it as an attachment.
    client = client_of(app, course["participant"])
    page = client.get(f"/workshops/{workshop.id}/materials").get_data(as_text=True)
    assert "Model plan for social services" in page and "<strong>before</strong>" in page
    download = client.get(f"/workshops/{workshop.id}/materials/{material.id}/download")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    # Someone without a place, and a trainer of other workshops, are refused; so is the anonymous.
    for outsider in (factory.user(), factory.user(roles=("trainer",))):
        client = client_of(app, outsider)
        assert client.get(f"/workshops/{workshop.id}/materials").status_code == 403
        assert client.get(f"/workshops/{workshop.id}/materials/{material.id}/download").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get(f"/workshops/{workshop.id}/materials/{material.id}/download").status_code == 302
    # A participant of another workshop cannot reach it through their own workshop's URL either.
    other = factory.workshop()
    client = client_of(app, course["participant"])
    db.session.add(Enrolment(workshop_id=other.id, user_id=course["participant"].id, status="enrolled"))
    db.session.commit()
    assert client.get(f"/workshops/{other.id}/materials/{material.id}/download").status_code == 404


@pytest.mark.parametrize("name, content, message", [
    ("tool.exe", b"MZ\x90\x00", "are not accepted"),
    ("plan.pdf", b"just some text pretending", "is not a pdf file"),
    ("plan.docx", PDF, "is not a docx file"),
    ("empty.txt", b"", "is empty"),
    ("plan.png", b"GIF89a....", "is not a png file"),
])
def test_disallowed_or_disguised_files_are_refused_and_change_nothing(app, client, course, db, name, content,
                                                                      message):
    login(client, course["trainer"])
    before = len(stored_files(app))
    response = _upload(client, course["workshop"].id, name, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db) == 0 and len(stored_files(app)) == before


def test_an_oversized_file_is_refused(app, client, course, db, monkeypatch):
    monkeypatch.setitem(app.config, "LGA_MATERIAL_MAX_BYTES", 1000)
    login(client, course["trainer"])
    before = len(stored_files(app))
    response = _upload(client, course["workshop"].id, "big.txt", b"x" * 1001)
    assert response.status_code == 400 and "too large" in response.get_data(as_text=True)
    assert _count(db) == 0 and len(stored_files(app)) == before


def test_a_request_over_the_whole_limit_is_refused_unread(app, client, course, db, monkeypatch):
    login(client, course["trainer"])
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    before = len(stored_files(app))
    response = _upload(client, course["workshop"].id, "big.txt", b"x" * 5000)
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)
    assert _count(db) == 0 and len(stored_files(app)) == before


def test_office_and_text_files_pass_their_checks(app, client, course, db):
    login(client, course["trainer"])
    assert _upload(client, course["workshop"].id, "plan.docx", docx_bytes()).status_code == 302
    assert _upload(client, course["workshop"].id, "budget.csv", "Komuna;Shuma\nPrizren;1200\n".encode()).status_code \
        == 302
    assert _count(db) == 2


def test_links_must_be_http_or_https(client, course, db):
    login(client, course["trainer"])
    url = f"/workshops/{course['workshop'].id}/materials/new?kind=link"
    for bad in ("javascript:alert(1)", "ftp://example.org/plan.pdf", "www.example.org", "data:text/html,x"):
        response = post_form(client, url, {"title": "Law", "url": bad, "session_id": "None", "is_visible": "y"})
        assert response.status_code == 400 and "http:// or https://" in response.get_data(as_text=True)
    assert _count(db) == 0
    ok = post_form(client, url, {"title": "Law on Social and Family Services", "session_id": "None",
                                 "url": "https://gzk.rks-gov.net/ActDetail.aspx?ActID=2459", "is_visible": "y"})
    assert ok.status_code == 302
    page = client.get(f"/workshops/{course['workshop'].id}/materials").get_data(as_text=True)
    assert 'href="https://gzk.rks-gov.net/ActDetail.aspx?ActID=2459"' in page


def test_notes_are_rendered_and_sanitised(app, client, course, db):
    login(client, course["trainer"])
    response = post_form(client, f"/workshops/{course['workshop'].id}/materials/new?kind=note", {
        "title": "Questions for day 2", "session_id": "None", "is_visible": "y",
        "body": "## The Specific Grant\n\n<script>alert(1)</script>\n\n* minimum standards"})
    assert response.status_code == 302
    note = db.session.scalar(select(Material))
    client = client_of(app, course["participant"])
    page = client.get(f"/workshops/{course['workshop'].id}/materials/{note.id}").get_data(as_text=True)
    assert "<h2>The Specific Grant</h2>" in page and "<li>minimum standards</li>" in page
    assert "<script>alert" not in page


def test_hidden_and_not_yet_visible_materials_are_for_staff_only(app, client, course, db):
    workshop = course["workshop"]
    later = datetime.now(timezone.utc) + timedelta(days=2)
    hidden = Material(workshop_id=workshop.id, kind="note", title="Answers to the exercise", body="x",
                      is_visible=False, position=1)
    future = Material(workshop_id=workshop.id, kind="note", title="Slides of day 2", body="x",
                      visible_from=later, position=2)
    shown = Material(workshop_id=workshop.id, kind="note", title="Reading list", body="x", position=3)
    db.session.add_all([hidden, future, shown])
    db.session.commit()
    login(client, course["participant"])
    page = client.get(f"/workshops/{workshop.id}/materials").get_data(as_text=True)
    assert "Reading list" in page and "Answers to the exercise" not in page and "Slides of day 2" not in page
    assert client.get(f"/workshops/{workshop.id}/materials/{hidden.id}").status_code == 404
    assert client.get(f"/workshops/{workshop.id}/materials/{future.id}").status_code == 404
    client = client_of(app, course["trainer"])
    page = client.get(f"/workshops/{workshop.id}/materials").get_data(as_text=True)
    assert "Answers to the exercise" in page and "Slides of day 2" in page and "visible from" in page


def test_editing_replacing_ordering_and_deleting(app, client, course, db):
    workshop = course["workshop"]
    login(client, course["trainer"])
    _upload(client, workshop.id, "v1.pdf", PDF, title="First")
    _upload(client, workshop.id, "v2.txt", b"second", title="Second")
    first, second = db.session.scalars(select(Material).order_by(Material.position)).all()
    old_key = first.storage_key
    before = len(stored_files(app))
    # Replacing the file: the new one is stored, the old one removed once the change is saved.
    response = post_form(client, f"/workshops/{workshop.id}/materials/{first.id}/edit", {
        "title": "First, revised", "session_id": str(course["sessions"][1]), "is_visible": "y",
        "file": (io.BytesIO(PDF + b"% v2\n"), "v1-revised.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(first)
    assert first.title == "First, revised" and first.filename == "v1-revised.pdf" and first.storage_key != old_key
    assert first.session_id == course["sessions"][1]
    assert len(stored_files(app)) == before
    # Order: the second moves up.
    post_form(client, f"/workshops/{workshop.id}/materials/{second.id}/move", {"direction": "up"})
    assert db.session.scalars(select(Material.title).order_by(Material.position)).all() == ["Second",
                                                                                            "First, revised"]
    # Deleting removes the row, then the stored object.
    assert post_form(client, f"/workshops/{workshop.id}/materials/{first.id}/delete").status_code == 302
    assert _count(db) == 1 and len(stored_files(app)) == before - 1
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "material.deleted")) is not None


def test_a_session_of_another_workshop_is_refused(client, course, db, factory):
    other = factory.workshop()
    foreign = db.session.scalar(select(WorkshopSession.id).where(WorkshopSession.workshop_id == other.id))
    login(client, course["trainer"])
    response = post_form(client, f"/workshops/{course['workshop'].id}/materials/new?kind=note", {
        "title": "Note", "body": "x", "is_visible": "y", "session_id": str(foreign)})
    assert response.status_code == 400 and _count(db) == 0


def test_a_file_stored_for_a_transaction_that_rolls_back_is_removed(app, course, db):
    from lga.materials import services

    before = len(stored_files(app))
    with app.test_request_context():
        services.add(course["workshop"], "file", {"title": "Draft"}, upload=("draft.txt", b"draft"),
                     actor=course["trainer"])
        assert len(stored_files(app)) == before + 1
        db.session.rollback()
    assert len(stored_files(app)) == before


def test_the_list_is_paginated_and_its_queries_do_not_grow(client, course, db, count_queries):
    workshop = course["workshop"]

    def add(n):
        start = db.session.scalar(select(func.count()).select_from(Material))
        db.session.add_all([Material(workshop_id=workshop.id, kind="note", title=f"Note {start + i}", body="x",
                                     position=start + i, session_id=course["sessions"][i % 2]) for i in range(n)])
        db.session.commit()

    login(client, course["participant"])
    add(3)
    with count_queries() as few:
        assert client.get(f"/workshops/{workshop.id}/materials").status_code == 200
    add(40)
    with count_queries() as many:
        page = client.get(f"/workshops/{workshop.id}/materials").get_data(as_text=True)
    assert many.count == few.count
    assert "Note 24" in page and "Note 25" not in page and 'rel="next"' in page
    assert "Note 42" in client.get(f"/workshops/{workshop.id}/materials?page=2").get_data(as_text=True)


def test_the_workshop_page_links_to_materials(app, client, course):
    login(client, course["participant"])
    page = client.get(f"/workshops/{course['workshop'].id}").get_data(as_text=True)
    assert f'href="/workshops/{course["workshop"].id}/materials"' in page
    client = client_of(app, course["trainer"])
    page = client.get(f"/workshops/{course['workshop'].id}").get_data(as_text=True)
    assert f'href="/workshops/{course["workshop"].id}/materials"' in page


# --- The S3-compatible backend, against a real local S3 server -----------------------------------

@pytest.fixture()
def s3_server(monkeypatch):
    moto_server = pytest.importorskip("moto.server")
    from tests.conftest import free_port

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    import boto3

    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="lga-files")
    yield endpoint
    server.stop()


def test_s3_storage_puts_opens_and_deletes(s3_server):
    from lga.storage import S3Storage, StorageError, new_key

    store = S3Storage("lga-files", "materials", endpoint_url=s3_server, region="us-east-1")
    key = new_key()
    store.put(key, PDF, "application/pdf")
    assert store.exists(key) and store.open(key).read() == PDF
    listed = store.client.list_objects_v2(Bucket="lga-files")["Contents"]
    assert [o["Key"] for o in listed] == [f"materials/{key}"]
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(StorageError):
        store.open(key)


def test_materials_through_s3_storage(app, client, course, db, s3_server, monkeypatch):
    import boto3

    monkeypatch.setitem(app.config, "LGA_STORAGE_URL", "s3://lga-files/lga")
    monkeypatch.setitem(app.config, "LGA_S3_ENDPOINT_URL", s3_server)
    monkeypatch.setitem(app.config, "LGA_S3_REGION", "us-east-1")
    bucket = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")

    def objects():
        return [o["Key"] for o in bucket.list_objects_v2(Bucket="lga-files").get("Contents", [])]

    login(client, course["trainer"])
    assert _upload(client, course["workshop"].id, "plan.pdf", PDF).status_code == 302
    material = db.session.scalar(select(Material))
    assert objects() == [f"lga/{material.storage_key}"]
    assert _upload(client, course["workshop"].id, "fake.pdf", b"not a pdf").status_code == 400
    assert len(objects()) == 1
    client = client_of(app, course["participant"])
    download = client.get(f"/workshops/{course['workshop'].id}/materials/{material.id}/download")
    assert download.status_code == 200 and download.data == PDF
    client = client_of(app, course["trainer"])
    post_form(client, f"/workshops/{course['workshop'].id}/materials/{material.id}/delete")
    assert objects() == []
    app.extensions.pop("lga_storage", None)


def test_a_file_without_a_title_takes_its_name(client, course, db):
    login(client, course["trainer"])
    assert _upload(client, course["workshop"].id, "Granti specifik.pdf", PDF, title="").status_code == 302
    assert db.session.scalar(select(Material.title)) == "Granti specifik"


def test_local_storage_keeps_keys_inside_its_folder(tmp_path):
    from lga.storage import LocalStorage, StorageError, from_url, new_key

    store = from_url((tmp_path / "files").as_uri())
    assert isinstance(store, LocalStorage)
    key = new_key()
    store.put(key, b"data", "text/plain")
    assert store.exists(key) and store.open(key).read() == b"data"
    assert [p.name for p in (tmp_path / "files").rglob("*") if p.is_file()] == [key]
    for bad in ("../../etc/passwd", "a/b", "", "x.y"):
        with pytest.raises(StorageError):
            store.put(bad, b"x", "text/plain")
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(StorageError):
        from_url("ftp://example.org/files")
    with pytest.raises(StorageError):
        from_url("s3:///no-bucket")
