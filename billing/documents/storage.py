"""Immutable, hash-checked document storage under ``BILLING_STORAGE_DIR`` (issue once, keep forever).

A document is written once (to a temporary name, then linked into place, read-only); writing it
again with other bytes is refused. Reading checks the SHA-256 recorded in the ledger: a file that
no longer matches is never served, and the mismatch is logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from ledger.errors import Conflict

log = logging.getLogger(__name__)


class DocumentTampered(Conflict):
    """The stored file does not match the hash recorded in the ledger: it must not be served."""

    code = "document_tampered"


class DocumentMissing(Conflict):
    code = "document_missing"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def relative_path(number: str, kind: str, issue_year: int) -> str:
    """``invoices/2026/FX-2026-000001.pdf`` or ``credit-notes/2026/AV-2026-000001.pdf``."""
    folder = "credit-notes" if kind == "credit_note" else "invoices"
    return f"{folder}/{issue_year}/{number}.pdf"


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"document path {relative!r} leaves the storage directory")
        return path

    def put(self, relative: str, data: bytes) -> str:
        """Store ``data`` once; returns its SHA-256. Same bytes again: a no-op; other bytes: refused."""
        digest = sha256_of(data)
        path = self._path(relative)
        if path.exists():
            if sha256_of(path.read_bytes()) == digest:
                return digest
            raise DocumentTampered(f"{relative} already exists with other content", details={"path": relative})
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o444)
            try:
                os.link(tmp, path)  # fails if another writer got there first: never overwrite
            except FileExistsError:
                if sha256_of(path.read_bytes()) != digest:
                    raise DocumentTampered(f"{relative} was written concurrently with other content") from None
        finally:
            os.unlink(tmp)
        return digest

    def restore(self, relative: str, data: bytes, expected: str) -> None:
        """Replace a damaged file by bytes whose hash is the recorded one (a re-render)."""
        if sha256_of(data) != expected:
            raise DocumentTampered(f"re-rendered {relative} does not match the recorded hash")
        path = self._path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o444)
        os.replace(tmp, path)

    def read_verified(self, relative: str, expected: str) -> bytes:
        """The stored bytes, only if they still hash to ``expected``."""
        path = self._path(relative)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            log.error("stored document %s is missing", relative)
            raise DocumentMissing(f"the stored document {relative} is missing") from None
        actual = sha256_of(data)
        if actual != expected:
            log.error("stored document %s does not match its recorded hash (%s != %s): not served",
                      relative, actual, expected)
            raise DocumentTampered(
                "the stored document does not match its recorded SHA-256: it is not served",
                details={"path": relative, "recorded": expected},
            )
        return data
