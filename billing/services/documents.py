"""Documents of issued invoices and credit notes: render after a close, store once, serve checked.

The render job (``render_documents``) takes every issued invoice or credit note without a stored
document, renders them in batches (one wkhtmltopdf process a batch), validates each Factur-X XML,
stores the valid ones immutably and records ``DocumentStored(sha256, path, batch)`` on the
aggregate; an invalid one is not stored and ``DocumentRejected(failures)`` names the rules, which
finance sees on the invoice (issue 11 §3, §4).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError

from billing.documents.identity import seller_from_settings
from billing.documents.render import Rendered, check_many, render_batch, render_batches, unrenderable
from billing.documents.storage import DocumentStore, relative_path, sha256_of
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate
from billing.services.ports import JobSender, ReadModels
from billing.settings import Settings
from einvoicing.routing import document_is_e_invoiced
from invoices.document import Buyer, issued_document
from ledger.clock import Clock
from ledger.credit_note import CreditNote
from ledger.document_lifecycle import DocumentStatus
from ledger.errors import Conflict, NotFound
from ledger.invoice import Invoice

log = logging.getLogger(__name__)

BATCH = 125  # documents per wkhtmltopdf process (its start is most of the cost of a small batch)
WORKERS = 2  # processes rendering batches when there are several (the machines have 2 cores)


def document_aggregate_id(kind: str, number: str) -> Any:
    """The id of the aggregate that issued this document: its credit note or its invoice."""
    return CreditNote.create_id(number) if kind == "credit_note" else Invoice.create_id(number)


class DocumentQueries(Protocol):
    """The read-model queries of the documents (``billing/persistence/queries/documents.py``).

    A stored row has ``number``, ``kind``, ``issue_date``, ``sha256`` (``None`` when rejected),
    ``failures``, ``path``, ``mail_status`` and ``mail_detail``.
    """

    def pending(self) -> list[tuple[str, dict[str, Any]]]:
        """Issued documents with no stored PDF and no recorded rejection, in number order."""

    def stored(self, number: str) -> Any | None: ...

    def owner(self, number: str) -> str | None:
        """The account of an invoice, else of a credit note, with that number."""

    def issued_document(self, number: str) -> dict[str, Any] | None: ...

    def buyers(self, accounts: Iterable[str]) -> dict[str, Buyer]: ...

    def service_end(self, account: str) -> date | None: ...

    def stored_between(self, account: str, first: date, last: date) -> list[Any]: ...

    def not_stored_between(self, account: str, first: date, last: date) -> list[dict[str, Any]]:
        """The account's invoices and credit notes issued from ``first`` to ``last`` with no stored
        PDF: ``number``, ``kind``, ``issue_date``, ``status`` (pending | rejected), ``failures``."""


class DocumentService:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        queries: DocumentQueries,
        read_models: ReadModels,
        clock: Clock,
        jobs: JobSender,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.queries = queries
        self.read_models = read_models
        self.clock = clock
        self.store = DocumentStore(settings.storage_dir)
        self.jobs = jobs

    # -- rendering -------------------------------------------------------------------------------

    def request_render(self) -> str | None:
        """After a close or a credit note: render in a job, or here when no job runner is wired."""
        job = self.jobs.send_render()
        if job is None:
            self.render_pending()
        return job

    def render_pending(self, limit: int | None = None) -> dict[str, int]:
        """Render, validate and store the pending documents, the first ``limit`` of them when given
        (the job renders a month in chunks, issue 20); idempotent (a re-run finds nothing).

        ``remaining`` counts the pending documents left for the next chunk.
        """
        self.read_models.sync()
        pending = self.queries.pending()  # issued, no stored PDF, no recorded rejection
        remaining = 0 if limit is None else max(0, len(pending) - limit)
        pending = pending if limit is None else pending[:limit]
        stored = rejected = 0
        chunks = [pending[start : start + BATCH] for start in range(0, len(pending), BATCH)]
        rendered = render_batches([[doc for _, doc in chunk] for chunk in chunks], workers=WORKERS)
        for chunk, results in zip(chunks, rendered, strict=True):
            aggregates = []
            for (kind, doc), result in zip(chunk, results, strict=True):
                aggregate = find_aggregate(self.ledger, document_aggregate_id(kind, doc["number"]))
                if aggregate is None:
                    continue
                failures = [f.to_dict() for f in result.failures]
                if result.pdf is not None:
                    try:
                        path = relative_path(doc["number"], kind, date.fromisoformat(doc["issue_date"]).year)
                        digest = self.store.put(path, result.pdf)
                    except OSError:
                        raise  # a full or read-only disk: the job fails and is retried, nothing rejected
                    except Exception as exc:  # issue 17.6: this document alone is rejected, with the reason
                        log.exception("document %s could not be stored", doc["number"])
                        failures = [unrenderable("stored", exc).to_dict()]
                    else:
                        aggregate.record_document(digest, path, list(result.batch))
                        stored += 1
                if aggregate.document_sha256 is None:
                    aggregate.record_document_rejected(failures)
                    log.warning("document %s is rejected (%s): not stored", doc["number"],
                                ", ".join(sorted({f["rule"] for f in failures})))
                    rejected += 1
                aggregates.append(aggregate)
            try:
                self.ledger.save(*aggregates)
            except IntegrityError:
                # Another render job recorded these first; the stored bytes are identical (deterministic).
                log.info("documents of batch %s were recorded by another job", chunk[0][1]["number"])
                continue
            self.read_models.sync()
            for (kind, doc), result in zip(chunk, results, strict=True):
                if result.pdf is not None:
                    self.jobs.send_mail(kind, doc["number"])  # issue 11: each stored document is mailed
                    if self.settings.pa_enabled and document_is_e_invoiced(doc):
                        self.jobs.send_transmit(kind, doc["number"])  # issue 22: to the plateforme agréée
        return {"stored": stored, "rejected": rejected, "remaining": remaining}

    # -- serving ---------------------------------------------------------------------------------

    def _row(self, number: str) -> Any:
        self.read_models.sync()
        return self.queries.stored(number)

    def sync(self) -> None:
        """Read-your-writes for a customer listing what was just issued."""
        self.read_models.sync()

    def glance(self) -> None:
        """The views as they stand for a customer's download: never waits behind a close (issue 20)."""
        self.read_models.glance()

    def owner(self, number: str) -> str:
        """The account an invoice or credit note belongs to (404 when unknown)."""
        account = self.queries.owner(number)
        if account is None:
            raise NotFound(f"invoice {number!r} not found")
        return account

    def pdf(self, number: str) -> bytes:
        """The stored PDF, only when it still matches the hash recorded in the ledger.

        Issue 20: read from the views as they stand (a render job syncs them after each chunk it
        stores), so a download never waits behind a close's projection."""
        self.read_models.glance()
        row = self.queries.stored(number)
        if row is None:
            raise Conflict(f"the document of {number} is not rendered yet", field="number")
        if row.sha256 is None:
            raise Conflict(
                f"the document of {number} failed its Factur-X validation and was not issued",
                details={"failures": row.failures},
            )
        return self.store.read_verified(row.path, row.sha256)

    def rerender(self, number: str) -> dict[str, Any]:
        """Render a stored document again, in its recorded batch; restore it if the hash is identical."""
        row = self._row(number)
        if row is None or row.sha256 is None:
            raise Conflict(f"{number} has no stored document to restore")
        aggregate = find_aggregate(self.ledger, document_aggregate_id(row.kind, number))
        if aggregate is None:
            raise NotFound(f"invoice {number!r} not found")
        documents = [self._document(n) for n in aggregate.document_batch]
        results: Sequence[Rendered] = render_batch(documents)
        mine = next(r for r in results if r.number == number)
        if mine.pdf is None:
            return {"number": number, "restored": False, "reason": "the document now fails validation",
                    "failures": [f.to_dict() for f in mine.failures]}
        digest = sha256_of(mine.pdf)
        if digest != row.sha256:
            return {"number": number, "restored": False, "sha256": digest, "recorded": row.sha256,
                    "reason": "the re-rendered bytes differ from the recorded ones (renderer or fonts changed)"}
        self.store.restore(row.path, mine.pdf, row.sha256)
        log.warning("document %s restored from a re-render with its recorded hash %s", number, digest)
        return {"number": number, "restored": True, "sha256": digest}

    def _document(self, number: str) -> dict[str, Any]:
        doc = self.queries.issued_document(number)
        if doc is None:
            raise NotFound(f"document {number!r} not found")
        return doc

    # -- the preview's checks ----------------------------------------------------------------------

    def preview_documents(self, drafts: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The preview's drafts as they would be issued (identities included, no number), and the
        Factur-X rules each would fail: bad customer data shows before a close (issue 11 §3)."""
        seller = seller_from_settings(self.settings)
        buyers = self.queries.buyers([d["account"] for d in drafts])
        shown: list[dict[str, Any]] = []
        checked: list[dict[str, Any]] = []
        for index, draft in enumerate(drafts, start=1):
            buyer: Buyer | None = buyers.get(draft["account"])
            if buyer is None:
                shown.append(draft)
                continue
            document = issued_document(f"PREVIEW-{index:06d}", draft, seller, buyer)
            checked.append(document)
            shown.append(document)
        problems = [
            {"account": document["account"], "failures": failures}
            for document, failures in zip(checked, check_many(checked, workers=WORKERS), strict=True)
            if failures
        ]
        for document in checked:
            document.pop("number")
        return shown, problems

    def status(self, number: str) -> dict[str, Any] | None:
        row = self._row(number)
        if row is None:
            return None
        return {"sha256": row.sha256, "failures": row.failures, "mail": row.mail_status,
                "mail_detail": row.mail_detail}

    # -- customer access (the queries of the customer routes, kept out of the API) --

    def service_end(self, account: str) -> date | None:
        """The account's last day of service, if a termination set one (§9: access closes after it)."""
        return self.queries.service_end(account)

    def stored_between(self, account: str, first: date, last: date) -> list[Any]:
        """The account's stored documents issued from ``first`` to ``last``, in issue order."""
        return self.queries.stored_between(account, first, last)

    def not_stored_between(self, account: str, first: date, last: date) -> list[dict[str, Any]]:
        """What an archive of that range cannot include, each with the reason finance and the customer
        read in its manifest (issue 17.6: an archive never leaves a document out silently)."""
        missing = []
        for item in self.queries.not_stored_between(account, first, last):
            if item["status"] == DocumentStatus.PENDING:
                reason = "the document is not rendered yet"
            else:
                rules = sorted({f.get("rule", "?") for f in item["failures"] or []})
                reason = "the document failed its checks and was not stored: " + ", ".join(rules)
            missing.append({"number": item["number"], "kind": item["kind"],
                            "issue_date": item["issue_date"].isoformat(), "status": item["status"],
                            "reason": reason})
        return missing
