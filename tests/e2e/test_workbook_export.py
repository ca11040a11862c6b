"""The accountants' workbook (issue 12 "Excel"), read back with openpyxl and checked against the ledger.

acme: February invoice (issued 2026-03-02, due 2026-04-01) HT 1139.29, VAT 227.86, TTC 1367.15;
March invoice (issued 2026-04-01, due 2026-05-01) plan 500.00, VAT 100.00, TTC 600.00;
a credit note of 2026-03-15 on the February invoice: -40.00 HT, -8.00 VAT, -48.00 TTC;
367.15 paid on 2026-04-10.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import insert
from support.api_helpers import ADMIN, at, close_february, get, post, wait_closed
from support.http_helpers import setup_customer

from billing.persistence import tables as t
from ledger.clock import FixedClock


def scenario(client: TestClient, clock: FixedClock) -> list[dict[str, Any]]:
    setup_customer(client)
    close_february(client, clock)
    february = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.begin() as conn:  # as issue 11's projection of a credit note writes it
        conn.execute(insert(t.credit_notes).values(
            number="AV-2026-000001", account="acme", corrects=february["number"], issue_date=date(2026, 3, 15),
            reason="geste", vat_rate=Decimal("20.00"), total_ht=Decimal("-40.00"), total_vat=Decimal("-8.00"),
            total_ttc=Decimal("-48.00"), document={}))
    at(clock, "2026-04-01")
    post(client, "/v1/admin/months/2026-03/close", {"issue_date": "2026-04-01"}, 202)
    wait_closed(client, "2026-03")
    at(clock, "2026-04-10")
    post(client, "/v1/admin/customers/acme/payments",
         {"invoice": february["number"], "amount": "367.15", "received_on": "2026-04-10", "method": "transfer"})
    invoices: list[dict[str, Any]] = get(client, "/v1/admin/invoices?account=acme")["invoices"]
    return invoices


def rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


def test_the_workbook_has_every_sheet_and_its_totals_match_the_ledger(client: TestClient, clock: FixedClock) -> None:
    invoices = scenario(client, clock)
    at(clock, "2026-05-05")
    response = client.get("/v1/admin/exports/invoices.xlsx?from=2026-03&to=2026-04", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Factures et avoirs", "Lignes", "TVA par mois", "Paiements", "Balance âgée 30-04-2026"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row - 1}"
        assert all(cell.font.b for cell in sheet[1])
        assert sheet.column_dimensions["A"].width > 8

    documents = book["Factures et avoirs"]
    body = rows(documents)
    *items, total = body
    assert [r[0] for r in items] == [invoices[0]["number"], "AV-2026-000001", invoices[1]["number"]]
    assert isinstance(items[0][5], datetime) and items[0][5].date() == date(2026, 3, 2)
    assert documents["F2"].number_format == "DD/MM/YYYY" and "€" in documents["J2"].number_format
    # Totals: HT 1139.29 - 40.00 + 500.00 = 1599.29; VAT 227.86 - 8.00 + 100.00 = 319.86;
    # TTC 1367.15 - 48.00 + 600.00 = 1919.15: the ledger's invoices plus the credit note.
    ledger_ht = sum(Decimal(i["total_ht"]) for i in invoices) - Decimal("40.00")
    ledger_ttc = sum(Decimal(i["total_ttc"]) for i in invoices) - Decimal("48.00")
    assert total[0] == "Total"
    assert (Decimal(str(total[9])), Decimal(str(total[10])), Decimal(str(total[11]))) == (
        ledger_ht, Decimal("319.86"), ledger_ttc) == (Decimal("1599.29"), Decimal("319.86"), Decimal("1919.15"))

    *lines, lines_total = rows(book["Lignes"])
    # The lines add up to the invoices' HT: 339.29 + 800.00 + 500.00 = 1639.29.
    assert Decimal(str(lines_total[6])) == sum(Decimal(i["total_ht"]) for i in invoices) == Decimal("1639.29")
    assert len(lines) == sum(len(i["lines"]) for i in invoices)

    vat = rows(book["TVA par mois"])
    # 2026-03: 1139.29 - 40.00 = 1099.29 HT, 227.86 - 8.00 = 219.86 VAT; 2026-04: 500.00, 100.00.
    assert [(r[0], Decimal(str(r[1])), Decimal(str(r[2])), Decimal(str(r[3]))) for r in vat[:-1]] == [
        ("2026-03", Decimal("20"), Decimal("1099.29"), Decimal("219.86")),
        ("2026-04", Decimal("20"), Decimal("500"), Decimal("100"))]
    assert Decimal(str(vat[-1][4])) == Decimal("1919.15")

    payments = rows(book["Paiements"])
    assert [(r[1], r[2], Decimal(str(r[3]))) for r in payments[:-1]] == [("acme", invoices[0]["number"], Decimal("367.15"))]
    assert Decimal(str(payments[-1][3])) == Decimal("367.15")

    aged = rows(book["Balance âgée 30-04-2026"])
    # On 2026-04-30: February invoice 1367.15 - 48.00 - 367.15 = 952.00, 29 days late (1-30);
    # March invoice 600.00 not due (due 2026-05-01). Total 1552.00.
    assert [(r[0], *(Decimal(str(v)) for v in r[2:])) for r in aged[:-1]] == [
        ("acme", Decimal("600"), Decimal("952"), Decimal("0"), Decimal("0"), Decimal("0"), Decimal("1552"))]


def test_a_reversed_or_malformed_range_is_refused_422(client: TestClient) -> None:
    for query, field in (("from=2026-04&to=2026-03", "to"), ("from=2026-13&to=2026-12", "from"),
                         ("from=2026-01&to=x", "to")):
        response = client.get(f"/v1/admin/exports/invoices.xlsx?{query}", headers=ADMIN)
        assert response.status_code == 422, query
        assert response.json()["error"]["details"]["field"] == field
    assert client.get("/v1/admin/exports/invoices.xlsx?from=2026-01", headers=ADMIN).status_code == 422


def test_the_workbook_speaks_french_prints_on_landscape_pages_and_sizes_columns_to_their_headers(
    client: TestClient, clock: FixedClock
) -> None:
    """Issue 19.7: line kinds, statuses and payment methods in the accountants' words; printable."""
    scenario(client, clock)
    at(clock, "2026-05-05")
    response = client.get("/v1/admin/exports/invoices.xlsx?from=2026-03&to=2026-04", headers=ADMIN)
    book = load_workbook(io.BytesIO(response.content))
    kinds = {r[2] for r in rows(book["Lignes"])[:-1]}
    # The February invoice: plan fee and installation fee; March: plan fee.
    assert kinds == {"Abonnement", "Frais d'installation"}
    statuses = [r[12] for r in rows(book["Factures et avoirs"])[:-1]]
    assert statuses == ["Émise", "Émis", "Émise"]  # invoice, credit note, invoice
    assert [r[4] for r in rows(book["Paiements"])[:-1]] == ["Virement"]
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$1:$1"
        for cell in sheet[1]:
            # Wide enough for the header and the filter button: no header is cut when opened or printed.
            assert sheet.column_dimensions[cell.column_letter].width >= len(str(cell.value)) + 2, cell.value


def test_the_aged_balance_is_dated_today_when_the_range_ends_in_the_future(client: TestClient, clock: FixedClock) -> None:
    """Issue 19.7: asked on 2026-04-20 for March-April, the balance is on 20-04-2026, not 30-04-2026."""
    scenario(client, clock)  # the clock is on 2026-04-10 after the payment
    at(clock, "2026-04-20")
    response = client.get("/v1/admin/exports/invoices.xlsx?from=2026-03&to=2026-04", headers=ADMIN)
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[-1] == "Balance âgée 20-04-2026"
    aged = rows(book["Balance âgée 20-04-2026"])
    # On 2026-04-20: February invoice 1367.15 - 48.00 - 367.15 = 952.00, due 2026-04-01: 19 days late
    # (1-30 j); March invoice 600.00 not due (due 2026-05-01). Total 1552.00.
    assert [(r[0], *(Decimal(str(v)) for v in r[2:])) for r in aged[:-1]] == [
        ("acme", Decimal("600"), Decimal("952"), Decimal("0"), Decimal("0"), Decimal("0"), Decimal("1552"))]


def test_an_overpayment_is_on_the_payment_sheet_as_the_bank_journal_books_it(
    client: TestClient, clock: FixedClock
) -> None:
    """Issue 18 (found by the audit's bank_journal_matches_workbook): 1,400.00 received for the February
    invoice of 1,367.15 TTC is 1,367.15 applied and 32.85 of unapplied credit. The FEC's bank journal debits
    512 with 1,400.00; the payment sheet listed only the 1,367.15."""
    setup_customer(client)
    close_february(client, clock)
    number = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]["number"]
    at(clock, "2026-03-20")
    paid = post(client, "/v1/admin/customers/acme/payments",
                {"invoice": number, "amount": "1400.00", "received_on": "2026-03-20", "method": "transfer",
                 "reference": "VIR-77"})
    assert (paid["applied"], paid["unapplied"]) == ("1367.15", "32.85")
    response = client.get("/v1/admin/exports/invoices.xlsx?from=2026-03&to=2026-03", headers=ADMIN)
    assert response.status_code == 200, response.text
    payments = rows(load_workbook(io.BytesIO(response.content))["Paiements"])
    assert [(r[1], r[2], Decimal(str(r[3])), r[5]) for r in payments[:-1]] == [
        ("acme", number, Decimal("1367.15"), "VIR-77"), ("acme", None, Decimal("32.85"), "VIR-77")]
    assert Decimal(str(payments[-1][3])) == Decimal("1400.00")  # the total row
    fec = client.get("/v1/admin/exports/fec?year=2026", headers=ADMIN)
    bank = [line.split("\t") for line in fec.content.decode("iso-8859-15").splitlines()[1:]]
    assert sum(Decimal(c[11].replace(",", ".")) for c in bank if c[4] == "512000") == Decimal("1400.00")
