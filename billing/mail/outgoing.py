"""Outgoing mail: each issued invoice and credit note goes to the billing email with its PDF.

Through ``BILLING_SMTP_URL`` (``smtp://user:pass@host:port``, ``smtps://`` for TLS from the start,
``smtp+starttls://``), or, when it is empty, written as ``.eml`` files under ``var/outbox`` (next to
the storage directory). The mail carries the FLEXIO mention and link, except for customers billed
for branding removal (art. 8).
"""

from __future__ import annotations

import hashlib
import smtplib
from datetime import UTC, datetime, time
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from billing.settings import Settings

FLEXIO_MENTION = "Propulsé par FLEXIO — https://www.flexio.fr"


def _eur(value: str) -> str:
    return f"{abs(Decimal(value)):.2f}".replace(".", ",") + " €"


def document_mail(kind: str, document: dict[str, Any], pdf: bytes, settings: Settings) -> EmailMessage:
    """The mail of one document: French text, the PDF attached, a Message-ID derived from its hash."""
    number = document["number"]
    buyer, seller = document["buyer"], document["seller"]
    message = EmailMessage()
    message["From"] = f"{seller['name']} <{seller['email']}>"
    message["To"] = buyer["billing_email"]
    digest = hashlib.sha256(pdf).hexdigest()
    message["Message-ID"] = f"<{number}.{digest[:16]}@{seller['email'].split('@')[-1]}>"
    issue = datetime.combine(datetime.fromisoformat(document["issue_date"]).date(), time(8, 0), UTC)
    message["Date"] = format_datetime(issue)
    if kind == "credit_note":
        message["Subject"] = f"Avoir {number} sur la facture {document['corrects']}"
        body = [
            "Bonjour,",
            "",
            f"Veuillez trouver ci-joint l'avoir {number} du {document['issue_date']}, de {_eur(document['total_ttc'])} TTC, "
            f"sur la facture {document['corrects']}.",
            f"Motif : {document.get('reason') or '—'}",
        ]
    else:
        message["Subject"] = f"Facture {number} — {_eur(document['total_ttc'])} TTC"
        if buyer["payment_method"] == "sepa_debit":
            payment = (f"Elle sera prélevée le {document.get('collection_date') or document['due_date']} "
                       f"(mandat {document.get('mandate_reference') or ''}) : ce message vaut pré-notification.")
        else:
            payment = f"Elle est payable au plus tard le {document['due_date']}."
        body = [
            "Bonjour,",
            "",
            f"Veuillez trouver ci-joint la facture {number} du {document['issue_date']}, "
            f"de {_eur(document['total_ttc'])} TTC.",
            payment,
            f"Toute contestation doit nous parvenir au plus tard le {document['dispute_deadline']} à {seller['email']}, "
            "avec le numéro de la facture, le montant contesté et les faits.",
        ]
    body += ["", "Cordialement,", f"Le service comptable de {seller['name']}"]
    if not buyer.get("branding_removal"):
        body += ["", "--", FLEXIO_MENTION]  # art. 8: left out for customers with branding removal
    message.set_content("\n".join(body))
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{number}.pdf")
    return message


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.url = settings.smtp_url
        self.outbox = Path(settings.storage_dir).parent / "outbox"

    def send(self, message: EmailMessage) -> str:
        """Send (or write to the outbox); returns where it went. Raises on an SMTP failure."""
        if not self.url:
            self.outbox.mkdir(parents=True, exist_ok=True)
            name = str(message["Message-ID"]).strip("<>").replace("@", "_at_")
            path = self.outbox / f"{name}.eml"
            path.write_bytes(bytes(message))
            return f"outbox:{path.name}"
        parts = urlsplit(self.url)
        host, port = parts.hostname or "127.0.0.1", parts.port
        smtp: smtplib.SMTP
        if parts.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(host, port or 465, timeout=30)
        else:
            smtp = smtplib.SMTP(host, port or 25, timeout=30)
        with smtp:
            if parts.scheme == "smtp+starttls":
                smtp.starttls()
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            smtp.send_message(message)
        return f"smtp:{host}:{port or ''}"
