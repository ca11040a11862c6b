"""Invoices and credit notes share one document and mail lifecycle (ledger/document_lifecycle.py), and
each records it under its own event names, which the read models key on ("Invoice.DocumentStored")."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from eventsourcing.application import Application

from ledger.credit_note import CreditNote
from ledger.errors import Conflict
from ledger.invoice import Invoice


def _invoice() -> Invoice:
    return Invoice(number="F-2026-000001", account="acme", month="2026-03", document={})


def _credit_note() -> CreditNote:
    return CreditNote(number="AV-2026-000001", account="acme", corrects="F-2026-000001", document={})


@pytest.mark.parametrize("make, owner", [(_invoice, "Invoice"), (_credit_note, "CreditNote")])
def test_both_aggregates_record_and_replay_the_lifecycle_under_their_own_names(
    make: Callable[[], Invoice | CreditNote], owner: str
) -> None:
    app: Application[UUID] = Application()
    doc = make()
    doc.record_document_rejected([{"rule": "BR-16", "message": "no line"}])
    doc.record_document("ab" * 32, "2026/03/x.pdf", ["batch-1"])
    doc.record_document("ab" * 32, "2026/03/x.pdf", ["batch-1"])  # the same hash again: nothing new
    doc.record_mail_failed("billing@acme.example", "timeout", "2026-04-02")
    doc.record_mailed("billing@acme.example", "<m1@flexio>", "smtp", "2026-04-02")
    doc.record_mailed("billing@acme.example", "<m2@flexio>", "smtp", "2026-04-03")  # mailed once
    app.save(doc)

    names = [type(e).__qualname__ for e in app.repository.event_store.get(doc.id)]
    assert names == [f"{owner}.{n}" for n in ("Issued", "DocumentRejected", "DocumentStored", "MailFailed", "Mailed")]
    replayed: Invoice | CreditNote = app.repository.get(doc.id)
    for name in ("document_sha256", "document_path", "document_batch", "document_failures", "mailed_to",
                 "mail_failures"):
        assert getattr(replayed, name) == getattr(doc, name)
    assert (replayed.document_sha256, replayed.document_failures, replayed.mailed_to, replayed.mail_failures) == (
        "ab" * 32, None, "billing@acme.example", 1
    )


@pytest.mark.parametrize("make, kind", [(_invoice, "invoice"), (_credit_note, "credit note")])
def test_a_stored_document_never_changes_its_hash(make: Callable[[], Invoice | CreditNote], kind: str) -> None:
    doc = make()
    doc.record_document("ab" * 32, "x.pdf", [])
    with pytest.raises(Conflict, match=f"^{kind} {doc.number} already has a stored document with another hash$"):
        doc.record_document("cd" * 32, "y.pdf", [])
