"""Where uploaded files live: outside the database, under random keys.

``LGA_STORAGE_URL`` picks the backend:

- ``file:///srv/lga/storage`` (the default is a folder under ``instance/``): a local folder;
- ``s3://bucket/prefix``: an S3-compatible object store (AWS, MinIO, Ceph, ...), through boto3.
  The endpoint comes from ``LGA_S3_ENDPOINT_URL`` (empty: AWS) and ``LGA_S3_REGION``; the
  credentials from boto3's usual sources (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, …).

Files and rows must agree, so the database transaction decides: ``put_tracked`` remembers the
objects written during the current transaction and removes them again if it rolls back (no
orphans after a refused upload), and ``delete_after_commit`` removes objects only once the rows
that pointed at them are gone for good.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session


class StorageError(Exception):
    pass


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def new_key() -> str:
    """A random, unguessable key (also the file's name on disk: no user input in paths)."""
    return secrets.token_urlsafe(24)


def _checked(key: str) -> str:
    if not key or not all(c.isalnum() or c in "-_" for c in key):
        raise StorageError("invalid storage key")
    return key


class LocalStorage:
    """A folder; objects are spread over sub-folders by the key's first two characters."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)  # readers never see half a file

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise StorageError("no such object") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Storage:
    def __init__(self, bucket: str, prefix: str = "", *, client=None, endpoint_url: str | None = None,
                 region: str | None = None):
        if client is None:
            import boto3

            client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _name(self, key: str) -> str:
        key = _checked(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ContentType=content_type)

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        except ClientError as exc:
            raise StorageError(str(exc)) from None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError:
            return False
        return True


def from_url(url: str, *, endpoint_url: str | None = None, region: str | None = None) -> Storage:
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(unquote(parts.path))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StorageError("LGA_STORAGE_URL s3:// needs a bucket: s3://bucket/prefix")
        return S3Storage(parts.netloc, unquote(parts.path), endpoint_url=endpoint_url, region=region)
    raise StorageError(f"unknown storage {parts.scheme!r}; use file:///folder or s3://bucket/prefix")


def storage() -> Storage:
    """The application's storage (built once per app from its configuration)."""
    app = current_app._get_current_object()
    cached = app.extensions.get("lga_storage")
    if cached is None or cached[0] != app.config["LGA_STORAGE_URL"]:
        backend = from_url(app.config["LGA_STORAGE_URL"], endpoint_url=app.config.get("LGA_S3_ENDPOINT_URL"),
                           region=app.config.get("LGA_S3_REGION"))
        cached = (app.config["LGA_STORAGE_URL"], backend)
        app.extensions["lga_storage"] = cached
    return cached[1]


# --- Files and transactions ----------------------------------------------------------------------

_WRITTEN = "lga_storage_written"  # keys put in this transaction: removed again unless it commits
_DOOMED = "lga_storage_doomed"  # keys to remove once this transaction commits
_READY = "lga_storage_ready"  # committed: remove these when the transaction has ended


def _session():
    from lga.extensions import db

    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that the end of this transaction (commit or rollback) is seen
    return session


def put_tracked(data: bytes, content_type: str) -> str:
    """Store ``data`` under a new key, kept only if the current transaction commits."""
    session = _session()
    key = new_key()
    storage().put(key, data, content_type)
    session.info.setdefault(_WRITTEN, []).append(key)
    return key


def delete_after_commit(*keys: str | None) -> None:
    session = _session()
    session.info.setdefault(_DOOMED, []).extend(k for k in keys if k)


def _committed(session) -> None:
    session.info.pop(_WRITTEN, None)
    doomed = session.info.pop(_DOOMED, None)
    if doomed:
        session.info.setdefault(_READY, []).extend(doomed)


def _transaction_ended(session, transaction) -> None:
    if transaction.parent is not None:
        return
    orphans = session.info.pop(_WRITTEN, None) or []  # still here: the transaction did not commit
    session.info.pop(_DOOMED, None)
    ready = session.info.pop(_READY, None) or []
    for key in [*orphans, *ready]:
        try:
            storage().delete(key)
        except Exception:  # noqa: BLE001 - a leftover object is harmless; a failed request is not
            current_app.logger.exception("could not remove stored object %s", key)


# Every session (the app's, the tests'): registered once, when this module is first imported.
if not event.contains(Session, "after_commit", _committed):
    event.listen(Session, "after_commit", _committed)
    event.listen(Session, "after_transaction_end", _transaction_ended)
