"""Acknowledgments of disputes and termination requests (§8: "au plus tard le jour ouvré suivant").

A job sends one to every open case not yet acknowledged, in the customer's language, then records
``Acknowledged`` on the case. With ``BILLING_SMTP_URL`` (smtp://host:port) the mail goes out by
SMTP; without it, it is written to var/outbox/<case>.eml (next to the storage directory). Sending
then recording is at-least-once: a crash between the two sends the same acknowledgment again,
which is better than a missed contractual deadline.

Every header is built by the email package's policy from structured values: the recipient is one
``Address`` (a sender holding a list, or CR/LF, cannot add a ``Bcc:`` or a second recipient), and
the SMTP envelope names that one address only, never what a header happens to say.
"""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from billing.services.cases import CaseService
from cases.business_calendar import PARIS

log = logging.getLogger(__name__)

FROM = "FLEXIO Comptabilité <compta@flexio.fr>"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # not the process locale's

TEXT = {
    ("fr", "dispute"): (
        "Accusé de réception de votre contestation",
        "Bonjour,\n\nNous accusons réception de votre contestation{invoice}, reçue le {received}.\n"
        "Elle est enregistrée sous la référence {case}. Nous vous répondrons au plus tard le {answer_by}.\n\n"
        "Cordialement,\nFLEXIO – Comptabilité\n",
    ),
    ("en", "dispute"): (
        "Acknowledgment of your dispute",
        "Hello,\n\nWe acknowledge receipt of your dispute{invoice}, received on {received}.\n"
        "Its reference is {case}. We will answer by {answer_by} at the latest.\n\nRegards,\nFLEXIO – Accounting\n",
    ),
    ("fr", "termination"): (
        "Accusé de réception de votre demande de résiliation",
        "Bonjour,\n\nNous accusons réception de votre demande de résiliation, reçue le {received}.\n"
        "Elle est enregistrée sous la référence {case} ; notre service comptable reviendra vers vous pour "
        "la confirmer.\n\nCordialement,\nFLEXIO – Comptabilité\n",
    ),
    ("en", "termination"): (
        "Acknowledgment of your termination request",
        "Hello,\n\nWe acknowledge receipt of your termination request, received on {received}.\n"
        "Its reference is {case}; our accounting team will confirm it to you.\n\nRegards,\nFLEXIO – Accounting\n",
    ),
}


@dataclass(frozen=True)
class Outbox:
    """Where acknowledgments go: an SMTP server, or a directory of .eml files."""

    smtp_url: str
    directory: Path

    def send(self, message: EmailMessage, name: str, recipient: Address | None = None) -> str:
        """Send ``message``; over SMTP the envelope goes to ``recipient`` alone when it is given."""
        if not self.smtp_url:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{name}.eml"
            path.write_bytes(bytes(message))
            return str(path)
        parts = urlsplit(self.smtp_url)
        smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
        with smtp_class(parts.hostname or "localhost", parts.port or (465 if parts.scheme == "smtps" else 25),
                        timeout=30) as smtp:
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            if recipient is not None:
                smtp.send_message(message, to_addrs=[recipient.addr_spec])
            else:
                smtp.send_message(message)
        return str(message["Message-ID"])


_MESSAGE_ID = re.compile(r"[\x21-\x3b\x3d\x3f-\x7e]{1,500}")  # printable ASCII without < and >


def recipient_of(sender: str) -> Address:
    """The one mailbox an acknowledgment goes to. Raises ValueError for anything that is not exactly
    one plain addr-spec (a list, a display name, CR or LF)."""
    if not sender or any(c in sender for c in "\r\n,;<>\"()") or sender != sender.strip():
        raise ValueError(f"not one address: {sender!r}")
    address = Address(addr_spec=sender)  # the header registry parses it; raises on what is left over
    if address.addr_spec.lower() != sender.lower() or not address.domain:
        raise ValueError(f"not one address: {sender!r}")
    return address


def acknowledgment(view: dict[str, object], language: str, now_text: str) -> EmailMessage:
    """The acknowledgment of one case (raises ValueError when its sender is not one address)."""
    kind = str(view["kind"])
    subject, body = TEXT[(language if language in ("fr", "en") else "fr", kind)]
    invoice = f" de la facture {view['invoice']}" if language == "fr" else f" of invoice {view['invoice']}"
    message = EmailMessage()
    message["From"] = FROM
    message["To"] = recipient_of(str(view["sender"]))
    message["Subject"] = f"{subject} [{view['case']}]"
    message["Date"] = now_text
    message["Message-ID"] = f"<ack-{view['case']}@flexio.fr>"  # a reply to it is threaded under the case
    if _MESSAGE_ID.fullmatch(str(view["message_id"])):  # an id no header can carry: none
        message["In-Reply-To"] = f"<{view['message_id']}>"
    message["Auto-Submitted"] = "auto-replied"  # RFC 3834: the customer's out-of-office will not answer it
    received = datetime.fromisoformat(str(view["received_at"])).astimezone(PARIS)
    answer_by = date.fromisoformat(str(view["answer_by"]))
    if language == "en":
        received_text = f"{received.day} {MONTHS[received.month - 1]} {received.year} at {received:%H:%M}"
        answer_text = f"{answer_by.day} {MONTHS[answer_by.month - 1]} {answer_by.year}"
    else:
        received_text = f"{received:%d/%m/%Y} à {received:%H:%M}"
        answer_text = f"{answer_by:%d/%m/%Y}"
    message.set_content(
        body.format(
            invoice=invoice if view.get("invoice") else "",
            received=received_text,
            case=view["case"],
            answer_by=answer_text,
        )
    )
    return message


def send_due_acknowledgments(cases: CaseService, outbox: Outbox) -> int:
    """Acknowledge every open case that has not been; returns how many were sent."""
    sent = 0
    for key in cases.due_acknowledgments():
        case = cases.case(key)
        if case.acknowledged_at is not None or not case.assessment.sender:
            continue
        view = cases.get(key)
        now = cases.clock.now().astimezone(PARIS)
        try:
            message = acknowledgment(view, case.assessment.language, format_datetime(now))
        except ValueError as exc:  # not one address: finance answers by hand; the other cases go on
            log.warning("case %s: no acknowledgment sent: %s", key, exc)
            continue
        reference = outbox.send(message, f"ack-{key}", recipient_of(str(view["sender"])))
        cases.mark_acknowledged(key, now, str(view["sender"]), reference)
        sent += 1
        log.info("acknowledged case %s (due %s)", key, view["acknowledge_by"])
    return sent


def outbox_for(cases: CaseService) -> Outbox:
    return Outbox(cases.settings.smtp_url, cases.settings.storage_dir.parent / "outbox")
