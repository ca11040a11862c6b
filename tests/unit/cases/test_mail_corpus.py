"""The corpus of tests/data/mail (65 messages written by hand, see make_corpus.py): each message's
kind, invoice, amount, validity with its reasons, receipt time and deadlines, as finance expects them.

The world: acme (compta@acme.fr) owns FX-2026-000001 issued 2026-03-02, TTC 1415.15; globex
(ap@globex.com) owns FX-2026-000002 issued 2026-03-02, TTC 600.00; initech (factures@initech.fr)
owns FX-2026-000017 issued 2026-04-01, TTC 2400.00. Windows end 20 days after issue: 22 March and
21 April 2026 (art. 10.2).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cases.business_calendar import PARIS
from cases.disputes import InvoiceFacts, assess
from cases.mail import parse_message
from cases.senders import SenderDirectory

CORPUS = Path(__file__).parents[2] / "data" / "mail"
EXPECTED: dict[str, dict[str, object]] = json.loads((CORPUS / "expected.json").read_text())
INVOICES = {
    "FX-2026-000001": InvoiceFacts("FX-2026-000001", "acme", date(2026, 3, 2), Decimal("1415.15"), "issued"),
    "FX-2026-000002": InvoiceFacts("FX-2026-000002", "globex", date(2026, 3, 2), Decimal("600.00"), "issued"),
    "FX-2026-000017": InvoiceFacts("FX-2026-000017", "initech", date(2026, 4, 1), Decimal("2400.00"), "issued"),
}
SENDERS = SenderDirectory([("acme", "compta@acme.fr"), ("globex", "ap@globex.com"), ("initech", "factures@initech.fr")])
POSTED = datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)


def test_the_corpus_has_at_least_forty_messages_of_every_kind() -> None:
    kinds = [e["kind"] for e in EXPECTED.values()]
    assert len(EXPECTED) >= 40
    assert {"dispute", "termination", "other"} == set(kinds)
    assert sorted(p.stem for p in CORPUS.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message(name: str) -> None:
    expected = EXPECTED[name]
    mail = parse_message((CORPUS / f"{name}.eml").read_bytes(), POSTED)
    outcome = assess(mail, SENDERS.match(mail.sender), INVOICES.get)
    got = {
        "kind": outcome.kind,
        "invoice": outcome.invoice,
        "amount": None if outcome.amount is None else str(outcome.amount),
        "valid": outcome.valid,
        "reasons": list(outcome.reasons),
        "received_at": outcome.received_at.astimezone(PARIS).isoformat(),
        "acknowledge_by": outcome.acknowledge_by.isoformat(),
        "answer_by": outcome.answer_by.isoformat(),
        "flags": list(outcome.flags),
        "attachments": len(mail.attachments),
        "termination_kind": outcome.termination_kind,
        "request": outcome.request,
    }
    assert got == expected


def test_a_message_without_message_id_is_keyed_by_its_bytes() -> None:
    raw = (CORPUS / "62-no-message-id.eml").read_bytes()
    first = parse_message(raw, POSTED).message_id
    assert first.startswith("sha256:")
    assert parse_message(raw, POSTED).message_id == first
    assert parse_message(raw + b"\r\n", POSTED).message_id != first


def test_windows_1252_text_and_header_are_decoded() -> None:
    mail = parse_message((CORPUS / "03-fr-quoted-printable-windows-1252.eml").read_bytes(), POSTED)
    assert mail.sender_name == "Jérôme Lefèvre"
    assert mail.subject == "Réclamation facture FX-2026-000001"
    assert "339,29 € est erronée" in mail.text


def test_attachments_are_kept_with_their_digest() -> None:
    mail = parse_message((CORPUS / "06-en-multipart-with-pdf-evidence.eml").read_bytes(), POSTED)
    (pdf,) = mail.attachments
    assert pdf.filename == "usage-statement-march.pdf"
    assert pdf.content_type == "application/pdf"
    assert pdf.size == len(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def test_html_newsletter_text_drops_scripts_and_styles() -> None:
    mail = parse_message((CORPUS / "54-fr-html-newsletter.eml").read_bytes(), POSTED)
    assert "track()" not in mail.text and "color:red" not in mail.text
    assert "Les nouveautés de mars" in mail.text


def test_a_message_with_no_dates_is_received_when_posted() -> None:
    mail = parse_message(b"From: a@b.fr\r\nSubject: hello\r\n\r\nbody\r\n", POSTED)
    assert mail.received_at == POSTED


CLIENT_MESSAGES = [
    "14-fr-outlook-html-only-quoted-printable", "15-en-gmail-reply-above-quoted-history", "16-fr-apple-mail-forward",
    "17-fr-thunderbird-latin1-flowed", "18-en-outlook-winmail-dat", "19-fr-outlook-forward",
    "32-en-gmail-reply-no-amount-quoted-amount", "33-fr-outlook-reply-subject-names-another-invoice",
]


@pytest.mark.parametrize("name", CLIENT_MESSAGES)
def test_client_messages_are_well_formed_for_the_stdlib_parser(name: str) -> None:
    """The messages written as Outlook, Gmail, Apple Mail and Thunderbird write them are read by the
    standard library's own strict parser (policy.default) without a defect, and its choice of body
    holds the claim our parser read."""
    import email
    import email.policy

    raw = (CORPUS / f"{name}.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert [(part.get_content_type(), part.defects) for part in message.walk() if part.defects] == []
    body = message.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
    assert body is not None
    claim = EXPECTED[name]["amount"]
    ours = parse_message(raw, POSTED)
    assert ours.sender == str(message["From"].addresses[0].addr_spec).lower()
    if claim is not None:
        whole, cents = str(claim).split(".")
        assert f"{int(whole):,}".replace(",", "") in body.get_content().replace("\u00a0", "").replace(" ", "")
        assert cents in body.get_content()


def test_gmail_wrapped_attribution_line_is_not_fresh_text() -> None:
    mail = parse_message((CORPUS / "15-en-gmail-reply-above-quoted-history.eml").read_bytes(), POSTED)
    assert mail.fresh.endswith("Thanks,\nDana")
    assert "FX-2026-000009" in mail.text and "FX-2026-000009" not in mail.fresh


def test_thunderbird_format_flowed_lines_are_joined() -> None:
    mail = parse_message((CORPUS / "17-fr-thunderbird-latin1-flowed.eml").read_bytes(), POSTED)
    assert "la remise négociée de 10 % n'a pas été appliquée" in mail.text
    assert "> Veuillez trouver ci-joint la facture FX-2026-000002 d'un montant de 600,00 EUR TTC." in mail.text
    assert mail.sender_name == "François Bréhat"


def test_winmail_dat_is_kept_as_an_attachment() -> None:
    mail = parse_message((CORPUS / "18-en-outlook-winmail-dat.eml").read_bytes(), POSTED)
    (tnef,) = mail.attachments
    assert (tnef.filename, tnef.content_type) == ("winmail.dat", "application/ms-tnef")
