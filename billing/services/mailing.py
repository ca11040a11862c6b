"""Mailing each stored document to its customer's billing email (issue 11 §7).

Runs as its own Dramatiq job after a document is stored, so a mail server that is down never
blocks a close: the failure is recorded on the invoice (``MailFailed``) and the job raises, so
Dramatiq retries it with back-off. A document is mailed once (``Mailed``); a retry after success
does nothing.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from billing.mail.outgoing import Mailer, document_mail
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate
from billing.services.documents import DocumentService, document_aggregate_id
from billing.settings import Settings
from ledger.clock import Clock

log = logging.getLogger(__name__)


class MailService:
    def __init__(self, settings: Settings, ledger: Ledger, documents: DocumentService, clock: Clock) -> None:
        self.ledger = ledger
        self.documents = documents
        self.settings = settings
        self.clock = clock
        self.mailer = Mailer(settings)

    def send_document(self, kind: str, number: str) -> dict[str, Any]:
        aggregate = find_aggregate(self.ledger, document_aggregate_id(kind, number))
        if aggregate is None or aggregate.mailed_to is not None:
            return {"number": number, "sent": False}
        pdf = self._stored_pdf(number)  # only a file that still matches its hash
        document = aggregate.document
        message = document_mail(kind, document, pdf, self.settings)
        to = str(message["To"])
        now = self.clock.now().isoformat()
        try:
            via = self.mailer.send(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mail of %s to %s failed: %s (the job retries)", number, to, exc)
            aggregate.record_mail_failed(to, f"{type(exc).__name__}: {exc}", now)
            self.ledger.save(aggregate)
            raise
        aggregate.record_mailed(to, str(message["Message-ID"]), via, now)
        self.ledger.save(aggregate)
        return {"number": number, "sent": True, "via": via}

    def _stored_pdf(self, number: str) -> bytes:
        """The stored PDF, hash-checked; the read models are caught up only when its row is missing.

        The job is sent once the document is stored, so its row is nearly always projected already:
        catching the read models up first, for each of a close's 10,000 mails, was about a third of
        the mail job's time (issue 20). Write-once storage: a row with a hash is the final one.
        """
        row = self.documents.queries.stored(number)
        if row is not None and row.sha256 is not None:
            return self.documents.store.read_verified(row.path, row.sha256)
        return self.documents.pdf(number)  # not projected yet, or rejected: caught up, with its errors
