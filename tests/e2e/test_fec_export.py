"""The FEC of 2026 (LPF art. A47 A-1), checked with the official format rules (exports.fec.check_fec).

acme: February invoice issued 2026-03-02: TTC 1367.15 = HT 1139.29 + VAT 227.86; a credit note of
2026-03-15 on it: -48.00 TTC = -40.00 HT - 8.00 VAT; March invoice issued 2026-04-01: 600.00 = 500.00 +
100.00; 1319.15 (1367.15 - 48.00) paid on 2026-04-10, which settles the February invoice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import insert
from support.api_helpers import ADMIN, at, close_february, get, post, wait_closed
from support.http_helpers import setup_customer

from billing.persistence import tables as t
from exports.fec import COLUMNS, check_fec
from ledger.clock import FixedClock


def test_the_fec_has_balanced_numbered_entries_lettering_and_its_legal_name(
    client: TestClient, clock: FixedClock
) -> None:
    setup_customer(client)
    close_february(client, clock)
    february = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]["number"]
    container = client.app.state.container  # type: ignore[attr-defined]
    with container.engine.begin() as conn:
        conn.execute(insert(t.credit_notes).values(
            number="AV-2026-000001", account="acme", corrects=february, issue_date=date(2026, 3, 15), reason="geste",
            vat_rate=Decimal("20.00"), total_ht=Decimal("-40.00"), total_vat=Decimal("-8.00"),
            total_ttc=Decimal("-48.00"), document={}))
    at(clock, "2026-04-01")
    post(client, "/v1/admin/months/2026-03/close", {"issue_date": "2026-04-01"}, 202)
    wait_closed(client, "2026-03")
    march = get(client, "/v1/admin/invoices?month=2026-03")["invoices"][0]["number"]
    at(clock, "2026-04-10")
    post(client, "/v1/admin/customers/acme/payments",
         {"invoice": february, "amount": "1319.15", "received_on": "2026-04-10", "method": "transfer",
          "reference": "VIR-77"})

    response = client.get("/v1/admin/exports/fec?year=2026", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert 'filename="820015006FEC20261231.txt"' in response.headers["content-disposition"]
    content = response.content
    assert check_fec(content, 2026) == []
    rows = [line.split("\t") for line in content.decode("iso-8859-15").split("\r\n")[1:] if line]
    picked = [(r[0], r[2], r[3], r[4], r[6], r[8], r[11], r[12], r[13], r[14]) for r in rows]
    assert picked == [
        ("VE", "1", "20260302", "411000", "ACME", february, "1367,15", "0,00", "A", "20260410"),
        ("VE", "1", "20260302", "706000", "", february, "0,00", "1139,29", "", ""),
        ("VE", "1", "20260302", "445710", "", february, "0,00", "227,86", "", ""),
        ("VE", "2", "20260315", "411000", "ACME", "AV-2026-000001", "0,00", "48,00", "A", "20260410"),
        ("VE", "2", "20260315", "706000", "", "AV-2026-000001", "40,00", "0,00", "", ""),
        ("VE", "2", "20260315", "445710", "", "AV-2026-000001", "8,00", "0,00", "", ""),
        ("VE", "3", "20260401", "411000", "ACME", march, "600,00", "0,00", "", ""),  # not settled: no letter
        ("VE", "3", "20260401", "706000", "", march, "0,00", "500,00", "", ""),
        ("VE", "3", "20260401", "445710", "", march, "0,00", "100,00", "", ""),
        ("BQ", "4", "20260410", "512000", "", "VIR-77", "1319,15", "0,00", "", ""),
        ("BQ", "4", "20260410", "411000", "ACME", "VIR-77", "0,00", "1319,15", "A", "20260410"),
    ]


def test_the_format_checks_catch_what_the_official_description_forbids() -> None:
    header = "\t".join(COLUMNS)
    good = "VE\tVentes\t1\t20260302\t411000\tClients\tACME\tACME SAS\tFX-1\t20260302\tFacture\t10,00\t0,00\t\t\t20260302\t\t"
    other = "VE\tVentes\t1\t20260302\t706000\tVentes\t\t\tFX-1\t20260302\tFacture\t0,00\t10,00\t\t\t20260302\t\t"
    assert check_fec(f"{header}\r\n{good}\r\n{other}\r\n".encode(), 2026) == []
    unbalanced = other.replace("0,00\t10,00", "0,00\t9,99")
    assert check_fec(f"{header}\r\n{good}\r\n{unbalanced}\r\n".encode(), 2026) == ["entry 1 is not balanced (0.01)"]
    assert check_fec(f"{header}\r\n{good.replace('20260302', '2026-03-02', 1)}\r\n{other}\r\n".encode(), 2026)
    assert check_fec(f"{header}\r\n{good.replace('10,00', '10.00')}\r\n{other}\r\n".encode(), 2026)
    assert check_fec(f"{header}\r\n{good}\r\n{other.replace(chr(9) + '1' + chr(9), chr(9) + '3' + chr(9), 1)}\r\n".encode(),
                     2026)
    assert check_fec(f"{header.replace('Debit', 'Montant')}\r\n{good}\r\n{other}\r\n".encode(), 2026)
    assert check_fec(f"{header}\r\n{good.replace('411000', 'CLIENTS')}\r\n{other}\r\n".encode(), 2026)
    assert check_fec(f"{header}\r\n{good.replace('10,00', '-10,00')}\r\n{other}\r\n".encode(), 2026)


def test_a_bad_year_is_refused_422(client: TestClient) -> None:
    for year in ("26", "abcd", "1999"):
        response = client.get(f"/v1/admin/exports/fec?year={year}", headers=ADMIN)
        assert response.status_code == 422, year
        assert response.json()["error"]["details"]["field"] == "year"
