"""The contested amount is the one the sender disputes, not the invoice total quoted beside it, and
``no_facts`` only when no facts are given (BILLING_RULES §8, art. 10.2: "le numéro de la facture, le
montant contesté et les éléments de faits").

The world: fx3 (factures@fx3.fr) owns FX-2026-000025 issued 2026-03-02, TTC 678.00 (window to 22 March).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from cases.business_calendar import PARIS
from cases.disputes import InvoiceFacts, assess, disputed_amount
from cases.mail import parse_message
from cases.senders import SenderDirectory

POSTED = datetime(2026, 11, 26, 12, 0, tzinfo=PARIS)
FX3 = InvoiceFacts("FX-2026-000025", "fx3", date(2026, 3, 2), Decimal("678.00"), "issued")
SENDERS = SenderDirectory([("fx3", "factures@fx3.fr")])


def mail(body: str, subject: str = "Facture FX-2026-000025") -> bytes:
    return (
        "Received: from mx.flexio.fr by imap.flexio.fr; Tue, 10 Mar 2026 10:00:00 +0100\r\n"
        "From: Service comptable FX3 <factures@fx3.fr>\r\nTo: compta@flexio.fr\r\n"
        f"Subject: {subject}\r\nDate: Tue, 10 Mar 2026 09:59:00 +0100\r\nMessage-ID: <amount@fx3.fr>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body + "\r\n"
    ).encode()


def test_the_issue_example_disputes_30_with_facts() -> None:
    # Before: read as a dispute of 678.00 (the invoice's TTC) with reasons ["no_facts"].
    raw = mail("Bonjour,\r\n\r\nNous revenons vers vous au sujet de la facture FX-2026-000025 d'un montant de 678,00 € TTC :"
               " erreur sur le dépassement (montant contesté : 30,00 €).\r\n\r\nCordialement,\r\nFX3")
    parsed = parse_message(raw, POSTED)
    outcome = assess(parsed, SENDERS.match(parsed.sender), {FX3.number: FX3}.get)
    assert (outcome.kind, outcome.invoice, outcome.amount) == ("dispute", "FX-2026-000025", Decimal("30.00"))
    assert (outcome.valid, outcome.reasons) == (True, ())


def test_a_dispute_without_facts_is_still_no_facts() -> None:
    parsed = parse_message(mail("Nous contestons la facture FX-2026-000025 : 30,00 €."), POSTED)
    outcome = assess(parsed, SENDERS.match(parsed.sender), {FX3.number: FX3}.get)
    assert (outcome.amount, outcome.reasons) == (Decimal("30.00"), ("no_facts",))


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("la facture FX-2026-000025 d'un montant de 678,00 € TTC : erreur sur le dépassement (montant contesté : 30,00 €)",
         "30.00"),
        ("Montant de la facture : 678,00 € TTC. Montant contesté : 30,00 € HT.", "30.00"),
        ("Sur la facture de 678,00 €, nous contestons 30,00 € de dépassement.", "30.00"),
        ("La facture FX-2026-000025 (total 678,00 €) comporte une erreur de 30,00 € sur l'option.", "30.00"),
        ("Invoice FX-2026-000025 for EUR 678.00: we dispute EUR 30.00 of overage.", "30.00"),
        ("Invoice total: EUR 678.00. Disputed amount: EUR 30.00 (the overage line).", "30.00"),
        ("The invoice of €678.00 is wrong: you overcharged €30.00 for support hours.", "30.00"),
        ("Amount disputed: 30.00 EUR out of an invoice total of 678.00 EUR.", "30.00"),
        ("Nous contestons la facture FX-2026-000025 d'un montant de 678,00 € car le service a été suspendu.", "678.00"),
        ("Nous contestons 40,00 € de dépassement ; la facture s'élève à 1 415,15 € TTC.", "40.00"),
        ("The amount of EUR 1,234.56 on this invoice is incorrect: the plan price is 1 000,00 EUR.", "1234.56"),
        ("Pas de montant ici.", None),
    ],
)
def test_the_contested_amount_is_the_one_disputed(text: str, amount: str | None) -> None:
    assert disputed_amount(text) == (None if amount is None else Decimal(amount))
