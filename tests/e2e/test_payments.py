"""Payments allocated to invoices, unapplied credit, bank statements and direct-debit returns (issue 12).

acme's February invoice (tests/e2e/test_sepa_export.py): TTC 1367.15, issued 2026-03-02, due 2026-04-01.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from support.api_helpers import ADMIN, at, get, post
from support.bank_files import Entry, camt053
from test_sepa_export import february_invoice, sepa, settings  # noqa: F401  (the creditor settings fixture)

from billing.persistence import tables as t
from ledger.account import CustomerAccount
from ledger.clock import FixedClock


def pay(client: TestClient, invoice: str, amount: str, status: int = 201, **extra: Any) -> Any:
    body = {"invoice": invoice, "amount": amount, "received_on": "2026-03-20", "method": "transfer",
            "reference": "VIR", **extra}
    response = client.post("/v1/admin/customers/acme/payments", json=body, headers=ADMIN)
    assert response.status_code == status, response.text
    return response.json()


def test_partial_then_overpayment_keeps_the_excess_as_unapplied_credit(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-03-20")
    first = pay(client, number, "1000.00")
    # 1367.15 - 1000.00 = 367.15 still due
    assert (first["applied"], first["unapplied"], first["outstanding"], first["payment_status"]) == (
        "1000.00", "0.00", "367.15", "partial")
    second = pay(client, number, "400.00", reference="VIR-2")  # a second transfer: its own bank reference
    # 400.00 received for 367.15 due: 367.15 applied, 32.85 kept as unapplied credit
    assert (second["applied"], second["unapplied"], second["outstanding"], second["payment_status"]) == (
        "367.15", "32.85", "0.00", "paid")
    assert get(client, f"/v1/invoices/{number}")["payment_status"] == "paid"
    assert get(client, "/v1/admin/payments/unapplied")["unapplied"] == [
        {"account": "acme", "invoice": number, "amount": "32.85", "received_on": "2026-03-20",
         "method": "transfer", "reference": "VIR-2"}]
    container = client.app.state.container  # type: ignore[attr-defined]
    acme = container.ledger.repository.get(CustomerAccount.create_id("acme"))
    # Only the applied 1367.15 counts in the §6 cap base, not the 32.85 overpaid.
    assert str(sum((p.amount.amount for p in acme.payments), 0)) == "1367.15"


def test_an_unpaid_invoice_after_its_due_date_is_late(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-04-02")
    assert get(client, f"/v1/invoices/{number}")["payment_status"] == "late"


def test_a_payment_on_an_unknown_invoice_is_refused_and_writes_nothing(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    answer = pay(client, "FX-2026-999999", "10.00", status=404)
    assert answer["error"]["details"]["field"] == "invoice"
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.connect() as conn:
        assert conn.execute(select(t.payments)).all() == []


# A camt.053.001.08 statement valid against its XSD (the import checks it): the invoice's transfer,
# an unrelated credit and a debit; ``{amount}`` and ``{number}`` are filled in by each test.
CAMT = camt053("08", [
    Entry("{amount}", acct_svcr_ref="BANK-0001", end_to_end="{number}", ustrd="Facture {number}"),
    Entry("99.00", acct_svcr_ref="BANK-0002", ustrd="VIREMENT DIVERS", debtor="DIVERS"),
    Entry("12.00", acct_svcr_ref="BANK-0003", credit=False),
])


def import_statement(client: TestClient, body: str, content_type: str, status: int = 200) -> Any:
    response = client.post("/v1/admin/payments/bank-statements", content=body.encode(),
                           headers={**ADMIN, "Content-Type": content_type})
    assert response.status_code == status, response.text
    return response.json()


def test_a_camt053_statement_is_matched_by_number_and_amount_once(
    client: TestClient, clock: FixedClock
) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-04-02")
    report = import_statement(client, CAMT.format(amount="1367.15", number=number), "application/xml")
    assert [(m["invoice"], m["amount"]) for m in report["matched"]] == [(number, "1367.15")]
    # BANK-0003 is a debit, not money received: left out.
    assert [(u["reference"], u["amount"]) for u in report["unmatched"]] == [("BANK-0002", "99.00")]
    assert get(client, f"/v1/invoices/{number}")["payment_status"] == "paid"
    again = import_statement(client, CAMT.format(amount="1367.15", number=number), "application/xml")
    # The recorded entry is not recorded twice; the unmatched one is still listed for finance.
    assert (again["duplicates"], again["matched"], len(again["unmatched"])) == (1, [], 1)


def test_a_statement_amount_that_differs_from_what_is_due_is_listed_not_matched(
    client: TestClient, clock: FixedClock
) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-04-02")
    csv = f"date;amount;reference;label\n01/04/2026;1 300,00;B-9;VIR ACME {number}\n"
    report = import_statement(client, csv, "text/csv")
    assert report["matched"] == []
    assert report["unmatched"][0]["reason"] == f"1300.00 received, 1367.15 due on {number}"
    assert get(client, f"/v1/invoices/{number}")["payment_status"] == "late"


def test_a_statement_that_cannot_be_read_is_refused_422(client: TestClient, clock: FixedClock) -> None:
    february_invoice(client, clock)
    assert import_statement(client, "<Document>", "application/xml", 422)["error"]["details"]["field"] == "statement"
    assert import_statement(client, "x", "application/pdf", 422)["error"]["details"]["field"] == "content-type"


def test_a_returned_debit_puts_the_invoice_back_to_unpaid(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-03-30")
    sepa(client, {"collection_date": "2026-04-01"})
    at(clock, "2026-04-01")
    import_statement(client, CAMT.format(amount="1367.15", number=number), "application/xml")
    assert get(client, f"/v1/invoices/{number}")["payment_status"] == "paid"
    # MD01 (no valid mandate), returned on 2026-04-03: the 1367.15 settled goes back.
    at(clock, "2026-04-03")
    post(client, "/v1/admin/exports/sepa/returns",
         {"invoice": number, "collection_date": "2026-04-01", "reason": "MD01", "returned_on": "2026-04-03"})
    got = get(client, f"/v1/invoices/{number}")
    assert (got["paid"], got["payment_status"]) == ("0.00", "late")
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.connect() as conn:
        amounts = sorted(str(a) for a in conn.execute(select(t.payments.c.amount)).scalars())
    assert amounts == ["-1367.15", "1367.15"]


def test_an_invoice_settled_by_payment_and_credit_note_is_paid(client: TestClient, clock: FixedClock) -> None:
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import insert

    number = february_invoice(client, clock)
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.begin() as conn:  # a credit note of -48.00 TTC, as issue 11 projects it
        conn.execute(insert(t.credit_notes).values(number="AV-2026-000001", account="acme", corrects=number,
                                                   issue_date=date(2026, 3, 15), total_ht=Decimal("-40.00"),
                                                   total_vat=Decimal("-8.00"), total_ttc=Decimal("-48.00")))
    at(clock, "2026-03-20")
    # 1367.15 - 48.00 = 1319.15 owed: paying it settles the invoice, nothing is left over.
    answer = pay(client, number, "1319.15")
    assert (answer["applied"], answer["unapplied"], answer["payment_status"]) == ("1319.15", "0.00", "paid")
    at(clock, "2026-04-15")
    assert get(client, f"/v1/invoices/{number}")["payment_status"] == "paid"
