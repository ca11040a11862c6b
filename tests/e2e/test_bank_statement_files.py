"""Bank statements over HTTP as banks send them (issue 19.3) and hostile bank input (issue 17.7),
on SQLite and PostgreSQL.

acme's February invoice (tests/e2e/test_sepa_export.py): TTC 1367.15, issued 2026-03-02, due
2026-04-01; acme's service started on 2026-02-10.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from support.api_helpers import ADMIN, at, get
from support.bank_files import BANKS, Entry, camt053
from test_sepa_export import february_invoice, settings  # noqa: F401  (the creditor settings fixture)

from billing.persistence import tables as t
from ledger.clock import FixedClock


def upload(client: TestClient, body: bytes, content_type: str, status: int = 200) -> dict:  # type: ignore[type-arg]
    response = client.post("/v1/admin/payments/bank-statements", content=body,
                           headers={**ADMIN, "Content-Type": content_type})
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


def money_rows(client: TestClient) -> int:
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.payments)).scalar_one()
                   + conn.execute(select(func.count()).select_from(t.unapplied_credits)).scalar_one())


def test_hostile_bank_files_are_a_clear_422_and_store_nothing(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-04-02")
    good = f"Facture {number}"
    hostile = {
        "camt 1e9999999": (camt053("08", [Entry("1e9999999", acct_svcr_ref="B1", ustrd=good)]).encode(), "xml"),
        "camt Infinity": (camt053("02", [Entry("Infinity", acct_svcr_ref="B1", ustrd=good)]).encode(), "xml"),
        "camt NaN": (camt053("13", [Entry("NaN", acct_svcr_ref="B1", ustrd=good)]).encode(), "xml"),
        "camt 5,000 digits": (camt053("08", [Entry("9" * 5000, acct_svcr_ref="B1", ustrd=good)]).encode(), "xml"),
        # The good line first: a file is read whole before anything is booked.
        "csv bytes": (f"date;amount;reference;label\n01/04/2026;1367,15;R1;{good}\n\x81\n".encode("latin-1"), "csv"),
        "csv 128 KiB": (f'date;amount;reference;label\n01/04/2026;1367,15;R1;{good}\n01/04/2026;1,00;R2;"'
                        f'{"x" * 140_000}"\n'.encode(), "csv"),
        "csv row": (f"date;amount;reference;label\n01/04/2026;1367,15;R1;{good}\n01/04/2026;1,00\n".encode(), "csv"),
        "csv amount": (f"date;amount;reference;label\n01/04/2026;1367,15;R1;{good}\n01/04/2026;NaN;R2;x\n".encode(),
                       "csv"),
    }
    for name, (body, kind) in hostile.items():
        answer = upload(client, body, "application/xml" if kind == "xml" else "text/csv", 422)
        assert answer["error"]["details"]["field"] == "statement", name
        assert len(answer["error"]["message"]) < 500, name
    assert money_rows(client) == 0
    assert get(client, f"/v1/invoices/{number}")["payment_status"] == "late"


def test_a_camt053_001_02_statement_without_references_is_booked_once(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-04-02")
    body = camt053("02", [Entry("1367.15", ustrd=f"Facture {number}"),
                          Entry("250.00", acct_svcr_ref="B-USD", currency="USD", ustrd=f"Facture {number}")]).encode()
    report = upload(client, body, "application/xml")
    assert report["format"] == "camt.053.001.02"
    assert [(m["invoice"], m["amount"]) for m in report["matched"]] == [(number, "1367.15")]
    assert [(s["reference"], s["reason"]) for s in report["skipped"]] == [("B-USD", "in USD (Amt Ccy), not EUR")]
    again = upload(client, body, "application/xml")
    assert (again["matched"], again["duplicates"]) == ([], 1)
    assert money_rows(client) == 1
    assert get(client, f"/v1/invoices/{number}")["payment_status"] == "paid"


def test_an_entry_booked_before_the_service_start_is_listed_in_the_files_terms(
    client: TestClient, clock: FixedClock
) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-04-02")
    # Booked on 2026-02-01, before acme's service start of 2026-02-10: not refused with a field
    # "received_on" the file does not have, but listed, naming the entry and its BookgDt.
    body = camt053("08", [Entry("1367.15", acct_svcr_ref="BANK-EARLY", ustrd=f"Facture {number}",
                                booked="2026-02-01")]).encode()
    report = upload(client, body, "application/xml")
    assert report["matched"] == []
    assert [u["reason"] for u in report["unmatched"]] == [
        "entry 1 of statement STMT-2026-04-01 (BANK-EARLY): BookgDt/Dt 2026-02-01 is before the service start "
        "of account acme"]
    assert money_rows(client) == 0


def test_a_credit_agricole_export_in_windows_1252_pays_the_invoice(client: TestClient, clock: FixedClock) -> None:
    number = february_invoice(client, clock)
    at(clock, "2026-04-02")
    write, amount = BANKS["credit_agricole"]
    report = upload(client, write(number, amount), "text/csv")
    assert report["format"] == "CSV Windows-1252 ';'"
    assert [(m["invoice"], m["amount"], m["where"]) for m in report["matched"]] == [(number, "1367.15", "line 9")]
    assert get(client, f"/v1/invoices/{number}")["payment_status"] == "paid"
    assert upload(client, write(number, amount), "text/csv")["duplicates"] == 1
