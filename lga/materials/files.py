"""Checking an uploaded file before it is stored: its size, its extension, and (where that is
cheap) that its content is what the extension says. Shared by materials and group work."""
from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "txt": "text/plain",
    "csv": "text/csv",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
# The folder an Office Open XML package must hold.
OOXML_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


class UploadError(Exception):
    """The file is refused; the message is translatable text for the person."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    extension: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def max_bytes() -> int:
    return current_app.config["LGA_MATERIAL_MAX_BYTES"]


def allowed_extensions() -> list[str]:
    configured = current_app.config["LGA_MATERIAL_EXTENSIONS"]
    if isinstance(configured, str):
        configured = configured.split(",")
    return [e.strip().lower().lstrip(".") for e in configured if e.strip().lower().lstrip(".") in MIME_TYPES]


def clean_filename(name: str | None) -> str:
    """The last part of the name a browser sent, without control characters, at most 200 long."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext) if dot and len(ext) <= 8 else name[:200]
    return name or "file"


def _zip_names(data: bytes) -> set[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None


def _zip_member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)[:200]


def content_matches(extension: str, data: bytes) -> bool:
    """Does the content look like a file of this kind? (Signatures, not a full parse.)"""
    if extension == "pdf":
        return data[:1024].lstrip().startswith(b"%PDF-")
    if extension == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if extension in OOXML_PARTS:
        names = _zip_names(data)
        return bool(names) and "[Content_Types].xml" in names and \
            any(n.startswith(OOXML_PARTS[extension]) for n in names)
    if extension in ("odt", "ods", "odp"):
        names = _zip_names(data)
        return bool(names) and "mimetype" in names and \
            _zip_member(data, "mimetype").strip() == MIME_TYPES[extension].encode()
    if extension in ("txt", "csv"):
        sample = data[:65536]
        if b"\x00" in sample:
            return False
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the end of the sample is fine; anything else is not text.
            if exc.start < len(sample) - 4:
                try:
                    sample.decode("cp1252")
                except UnicodeDecodeError:
                    return False
        return True
    return False


def check_upload(filename: str | None, data: bytes) -> CheckedFile:
    """Accept the file or raise UploadError saying why not (nothing is stored either way)."""
    name = clean_filename(filename)
    limit = max_bytes()
    if not data:
        raise UploadError(_l("The file %(name)s is empty.", name=name))
    if len(data) > limit:
        raise UploadError(_l("The file %(name)s is too large: at most %(mb).1f MB.", name=name, mb=limit / 1048576))
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    allowed = allowed_extensions()
    if extension not in allowed:
        raise UploadError(_l("Files of type %(ext)s are not accepted. Accepted types: %(types)s.",
                             ext=extension or "?", types=", ".join(allowed)))
    if not content_matches(extension, data):
        raise UploadError(_l("The content of %(name)s is not a %(ext)s file.", name=name, ext=extension))
    return CheckedFile(name, extension, MIME_TYPES[extension], data)


def read_upload(storage_file) -> tuple[str, bytes]:
    """(filename, bytes) of a werkzeug FileStorage, reading at most one byte past the limit."""
    return storage_file.filename, storage_file.read(max_bytes() + 1)


def accept_attribute() -> str:
    return ",".join("." + e for e in allowed_extensions())


def download_response(stream, *, filename: str, content_type: str, size: int | None = None):
    """Send a stored file as an attachment (never shown inline: it comes from a person)."""
    from flask import send_file

    response = send_file(stream, mimetype=content_type, as_attachment=True, download_name=filename,
                         conditional=False, max_age=0)
    if size is not None:
        response.content_length = size
    response.headers["Cache-Control"] = "private, no-store"
    return response
