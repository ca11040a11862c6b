"""A bank reference counts once per account, on every path (issue 18; README: "A payment whose
``reference`` is already recorded for the account is a 409"), on SQLite and PostgreSQL.

acme's February invoice (tests/e2e/test_sepa_export.py): TTC 1367.15, issued 2026-03-02, due 2026-04-01.
Before the fix, a payment on a paid invoice went straight to unapplied credit and its reference was
never compared: the same transfer of 1367.15 recorded three times was 1367.15 applied + 2 x 1367.15
unapplied, 4101.45 in the bank journal for 1367.15 received.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from support.api_helpers import at, get
from test_payments import CAMT, import_statement, pay
from test_sepa_export import february_invoice, settings  # noqa: F401  (the creditor settings fixture)

from billing.persistence import tables as t
from ledger.clock import FixedClock


def money_rows(client: TestClient) -> tuple[list[Any], list[Any]]:
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.connect() as conn:
        paid = [(r.reference, str(r.amount)) for r in conn.execute(
            select(t.payments.c.reference, t.payments.c.amount).order_by(t.payments.c.id))]
        kept = [(r.reference, str(r.amount)) for r in conn.execute(
            select(t.unapplied_credits.c.reference, t.unapplied_credits.c.amount).order_by(t.unapplied_credits.c.id))]
    return paid, kept


def test_the_same_reference_on_a_paid_invoice_is_a_409_not_unapplied_credit(
    client: TestClient, clock: FixedClock
) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-03-20")
    first = pay(client, number, "1367.15", reference="VIR-ACME-0320")
    assert (first["applied"], first["unapplied"], first["payment_status"]) == ("1367.15", "0.00", "paid")
    # The invoice owes 0.00 now: the same transfer again used to be 201 with 1367.15 unapplied.
    for _ in range(2):
        again = pay(client, number, "1367.15", status=409, reference="VIR-ACME-0320")
        assert again["error"]["details"]["field"] == "reference"
    assert money_rows(client) == ([("VIR-ACME-0320", "1367.15")], [])
    assert get(client, "/v1/admin/payments/unapplied")["unapplied"] == []


def test_a_reference_kept_only_as_unapplied_credit_is_a_409_too(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-03-20")
    pay(client, number, "1367.15", reference="VIR-1")
    # The invoice is settled: 50.00 more is all unapplied credit under VIR-2.
    extra = pay(client, number, "50.00", reference="VIR-2")
    assert (extra["applied"], extra["unapplied"]) == ("0.00", "50.00")
    pay(client, number, "50.00", status=409, reference="VIR-2")
    assert money_rows(client) == ([("VIR-1", "1367.15")], [("VIR-2", "50.00")])


def test_a_statement_line_already_recorded_by_hand_is_listed_as_a_duplicate(
    client: TestClient, clock: FixedClock
) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-03-20")
    # Finance typed the bank's entry id BANK-0001 when it recorded the 1367.15 transfer by hand: the
    # statement's line BANK-0001 is that same transfer, not 1367.15 more (which would all be unapplied).
    pay(client, number, "1367.15", reference="BANK-0001")
    at(clock, "2026-04-02")
    report = import_statement(client, CAMT.format(amount="1367.15", number=number), "application/xml")
    assert report["matched"] == []
    assert report["duplicates"] == 1
    assert [d["reference"] for d in report["already_recorded"]] == ["BANK-0001"]
    assert money_rows(client) == ([("BANK-0001", "1367.15")], [])


def test_a_statement_line_booked_once_is_a_duplicate_on_the_next_import_and_a_409_by_hand(
    client: TestClient, clock: FixedClock
) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-04-02")
    report = import_statement(client, CAMT.format(amount="1367.15", number=number), "application/xml")
    assert [m["reference"] for m in report["matched"]] == ["BANK-0001"]
    again = import_statement(client, CAMT.format(amount="1367.15", number=number), "application/xml")
    assert (again["duplicates"], again["matched"]) == (1, [])
    # The same bank entry typed by hand afterwards: the reference is the bank's, recorded once.
    pay(client, number, "1367.15", status=409, reference="BANK-0001")
    assert money_rows(client) == ([("BANK-0001", "1367.15")], [])


def test_two_lines_of_one_statement_with_the_same_reference_book_once(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-04-02")
    one = CAMT.format(amount="1367.15", number=number)
    start = one.index("<Ntry>")
    end = one.index("</Ntry>") + len("</Ntry>")
    doubled = one[:end] + one[start:end] + one[end:]  # the bank sent entry BANK-0001 twice
    report = import_statement(client, doubled, "application/xml")
    assert [m["reference"] for m in report["matched"]] == ["BANK-0001"]
    assert [d["reference"] for d in report["already_recorded"]] == ["BANK-0001"]
    assert money_rows(client) == ([("BANK-0001", "1367.15")], [])
