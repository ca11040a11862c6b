"""Documents of issued invoices and credit notes: render after a close, store once, serve checked.

The render job (``render_documents``) takes every issued invoice or credit note without a stored
document, renders them in batches (one wkhtmltopdf process a batch), validates each Factur-X XML,
stores the valid ones immutably and records ``DocumentStored(sha256, path, batch)`` on the
aggregate; an invalid one is not stored and ``DocumentRejected(failures)`` names the rules, which
finance sees on the invoice (issue 11 §3, §4).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from eventsourcing.persistence import IntegrityError
from sqlalchemy import Engine, select

from billing.documents.identity import load_buyers, seller_from_settings
from billing.documents.render import Rendered, check_many, render_batch, render_batches
from billing.documents.storage import DocumentStore, relative_path, sha256_of
from billing.persistence import tables as t
from billing.persistence.eventstore import Ledger
from billing.persistence.projections import ReadModelProjector
from billing.services.aggregates import find_aggregate
from billing.services.ports import JobSender
from billing.settings import Settings
from invoices.document import Buyer, issued_document
from ledger.clock import Clock
from ledger.credit_note import CreditNote
from ledger.errors import Conflict, NotFound
from ledger.invoice import Invoice

log = logging.getLogger(__name__)

BATCH = 125  # documents per wkhtmltopdf process (its start is most of the cost of a small batch)
WORKERS = 2  # processes rendering batches when there are several (the machines have 2 cores)


def _aggregate_id(kind: str, number: str) -> Any:
    return CreditNote.create_id(number) if kind == "credit_note" else Invoice.create_id(number)


class DocumentService:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        engine: Engine,
        projector: ReadModelProjector,
        clock: Clock,
        jobs: JobSender,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.engine = engine
        self.projector = projector
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

    def _pending(self) -> list[tuple[str, dict[str, Any]]]:
        """Issued documents with no stored PDF and no recorded rejection, in number order."""
        d = t.documents.c
        pending: list[tuple[str, dict[str, Any]]] = []
        with self.engine.connect() as conn:
            for kind, table in (("invoice", t.invoices), ("credit_note", t.credit_notes)):
                rows = conn.execute(
                    select(table.c.document)
                    .outerjoin(t.documents, d.number == table.c.number)
                    .where(d.number.is_(None))
                    .order_by(table.c.number)
                )
                pending += [(kind, row.document) for row in rows]
        return pending

    def render_pending(self) -> dict[str, int]:
        """Render, validate and store every pending document; idempotent (a re-run finds nothing)."""
        self.projector.catch_up()
        pending = self._pending()
        stored = rejected = 0
        chunks = [pending[start : start + BATCH] for start in range(0, len(pending), BATCH)]
        rendered = render_batches([[doc for _, doc in chunk] for chunk in chunks], workers=WORKERS)
        for chunk, results in zip(chunks, rendered, strict=True):
            aggregates = []
            for (kind, doc), result in zip(chunk, results, strict=True):
                aggregate = find_aggregate(self.ledger, _aggregate_id(kind, doc["number"]))
                if aggregate is None:
                    continue
                if result.pdf is None:
                    aggregate.record_document_rejected([f.to_dict() for f in result.failures])
                    log.warning("document %s fails Factur-X rules %s: not stored", doc["number"],
                                ", ".join(sorted({f.rule for f in result.failures})))
                    rejected += 1
                else:
                    path = relative_path(doc["number"], kind, date.fromisoformat(doc["issue_date"]).year)
                    digest = self.store.put(path, result.pdf)
                    aggregate.record_document(digest, path, list(result.batch))
                    stored += 1
                aggregates.append(aggregate)
            try:
                self.ledger.save(*aggregates)
            except IntegrityError:
                # Another render job recorded these first; the stored bytes are identical (deterministic).
                log.info("documents of batch %s were recorded by another job", chunk[0][1]["number"])
                continue
            self.projector.catch_up()
            for (kind, doc), result in zip(chunk, results, strict=True):
                if result.pdf is not None:
                    self.jobs.send_mail(kind, doc["number"])  # issue 11: each stored document is mailed
        return {"stored": stored, "rejected": rejected}

    # -- serving ---------------------------------------------------------------------------------

    def _row(self, number: str) -> Any:
        self.projector.catch_up()
        with self.engine.connect() as conn:
            return conn.execute(select(t.documents).where(t.documents.c.number == number)).first()

    def owner(self, number: str) -> str:
        """The account an invoice or credit note belongs to (404 when unknown)."""
        with self.engine.connect() as conn:
            account = conn.execute(select(t.invoices.c.account).where(t.invoices.c.number == number)).scalar()
            if account is None:
                account = conn.execute(
                    select(t.credit_notes.c.account).where(t.credit_notes.c.number == number)
                ).scalar()
        if account is None:
            raise NotFound(f"invoice {number!r} not found")
        return str(account)

    def pdf(self, number: str) -> bytes:
        """The stored PDF, only when it still matches the hash recorded in the ledger."""
        row = self._row(number)
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
        aggregate = find_aggregate(self.ledger, _aggregate_id(row.kind, number))
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
        with self.engine.connect() as conn:
            doc = conn.execute(select(t.invoices.c.document).where(t.invoices.c.number == number)).scalar()
            if doc is None:
                doc = conn.execute(
                    select(t.credit_notes.c.document).where(t.credit_notes.c.number == number)
                ).scalar()
        if doc is None:
            raise NotFound(f"document {number!r} not found")
        return dict(doc)

    # -- the preview's checks ----------------------------------------------------------------------

    def preview_documents(self, drafts: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The preview's drafts as they would be issued (identities included, no number), and the
        Factur-X rules each would fail: bad customer data shows before a close (issue 11 §3)."""
        seller = seller_from_settings(self.settings)
        with self.engine.connect() as conn:
            buyers = load_buyers(conn, [d["account"] for d in drafts])
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
        with self.engine.connect() as conn:
            value: date | None = conn.execute(
                select(t.accounts.c.service_end).where(t.accounts.c.account == account)
            ).scalar()
        return value

    def stored_between(self, account: str, first: date, last: date) -> list[Any]:
        """The account's stored documents issued from ``first`` to ``last``, in issue order."""
        d = t.documents.c
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(d.number, d.kind, d.issue_date, d.sha256, d.path)
                    .where(d.account == account, d.issue_date >= first, d.issue_date <= last, d.sha256.is_not(None))
                    .order_by(d.issue_date, d.number)
                ).all()
            )
