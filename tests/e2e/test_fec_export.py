"""The FEC of 2026 (LPF art. A47 A-1), checked with the official format rules (exports.fec.check_fec).

acme: February invoice issued 2026-03-02: TTC 1367.15 = HT 1139.29 + VAT 227.86; a credit note of
2026-03-15 on it: -48.00 TTC = -40.00 HT - 8.00 VAT; March invoice issued 2026-04-01: 600.00 = 500.00 +
100.00; 1319.15 (1367.15 - 48.00) paid on 2026-04-10, which settles the February invoice.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, close_february, get, post, wait_closed
from support.http_helpers import setup_customer

from exports.fec import COLUMNS, check_fec
from ledger.clock import FixedClock


def test_the_fec_has_balanced_numbered_entries_lettering_and_its_legal_name(
    client: TestClient, clock: FixedClock
) -> None:
    setup_customer(client)
    close_february(client, clock)
    february = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]["number"]
    # The credit note is issued through the ledger (its FEC entry is posted by the projector, §12).
    at(clock, "2026-03-15")
    credit = post(client, f"/v1/admin/invoices/{february}/credit-notes", {"amount_ht": "40.00", "reason": "geste"})
    assert (credit["number"], credit["total_ttc"]) == ("AV-2026-000001", "-48.00")
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
    # Lettering: the settled February invoice, its credit note and the payment share the code of the
    # entry that completed the settlement (entry 4, "D"), so a later settlement never renames it.
    assert picked == [
        ("VE", "1", "20260302", "411000", "ACME", february, "1367,15", "0,00", "D", "20260410"),
        ("VE", "1", "20260302", "706000", "", february, "0,00", "1139,29", "", ""),
        ("VE", "1", "20260302", "445710", "", february, "0,00", "227,86", "", ""),
        ("VE", "2", "20260315", "411000", "ACME", "AV-2026-000001", "0,00", "48,00", "D", "20260410"),
        ("VE", "2", "20260315", "706000", "", "AV-2026-000001", "40,00", "0,00", "", ""),
        ("VE", "2", "20260315", "445710", "", "AV-2026-000001", "8,00", "0,00", "", ""),
        ("VE", "3", "20260401", "411000", "ACME", march, "600,00", "0,00", "", ""),  # not settled: no letter
        ("VE", "3", "20260401", "706000", "", march, "0,00", "500,00", "", ""),
        ("VE", "3", "20260401", "445710", "", march, "0,00", "100,00", "", ""),
        ("BQ", "4", "20260410", "512000", "", "VIR-77", "1319,15", "0,00", "", ""),
        ("BQ", "4", "20260410", "411000", "ACME", "VIR-77", "0,00", "1319,15", "D", "20260410"),
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


def _fec_rows(client: TestClient) -> list[list[str]]:
    response = client.get("/v1/admin/exports/fec?year=2026", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert check_fec(response.content, 2026) == []
    return [line.split("\t") for line in response.content.decode("iso-8859-15").split("\r\n")[1:] if line]


def test_an_entry_keeps_its_number_lines_and_valid_date_in_every_later_export(
    client: TestClient, clock: FixedClock
) -> None:
    """BILLING_RULES §12, LPF art. A47 A-1: entries numbered when posted, never renumbered."""
    setup_customer(client)
    close_february(client, clock)  # FX-2026-000001, issued 2026-03-02: TTC 1367.15
    february = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]["number"]
    at(clock, "2026-03-15")  # AV-2026-000001: 40.00 HT + 8.00 VAT = -48.00 TTC
    post(client, f"/v1/admin/invoices/{february}/credit-notes", {"amount_ht": "40.00", "reason": "geste"})
    at(clock, "2026-04-01")
    post(client, "/v1/admin/months/2026-03/close", {"issue_date": "2026-04-01"}, 202)
    wait_closed(client, "2026-03")  # FX-2026-000002: 600.00 TTC
    march = get(client, "/v1/admin/invoices?month=2026-03")["invoices"][0]["number"]
    first = _fec_rows(client)
    assert [(r[2], r[8]) for r in first if r[4] == "411000"] == [
        ("1", february), ("2", "AV-2026-000001"), ("3", march)]

    # Three facts posted after that export:
    at(clock, "2026-04-20")
    # 1. a bank statement imported on 20 April with a transfer received on 10 March (before the credit
    #    note's entry 2): 1367.15 - 48.00 = 1319.15 still due on February, matched and settling it;
    response = client.post("/v1/admin/payments/bank-statements", headers={**ADMIN, "Content-Type": "text/csv"},
                           content=f"date;amount;reference;label\n10/03/2026;1 319,15;B-1;VIR ACME {february}\n".encode())
    assert response.status_code == 200, response.text
    assert [m["invoice"] for m in response.json()["matched"]] == [february]
    # 2. a credit note on March's invoice: 10.00 HT + 2.00 VAT = -12.00 TTC;
    post(client, f"/v1/admin/invoices/{march}/credit-notes", {"amount_ht": "10.00", "reason": "geste"})
    # 3. a late fact: an intervention of March (closed), billed as catch-up on April's invoice.
    post(client, "/v1/admin/customers/acme/interventions", {"on": "2026-03-20", "hours": "1.5", "description": "CSV"})
    at(clock, "2026-05-04")
    post(client, "/v1/admin/months/2026-04/close", {"issue_date": "2026-05-04"}, 202)
    wait_closed(client, "2026-04")
    april = get(client, "/v1/admin/invoices?month=2026-04")["invoices"][0]
    assert any(line.get("period") == "2026-03" for line in april["lines"])

    second = _fec_rows(client)
    # Every earlier line is there, in the same place, with the same entry number, date, accounts,
    # piece, label, amounts and ValidDate; only its lettering may be added (columns 13-14), when a
    # later entry settles its invoice.
    assert len(second) > len(first)
    for before, after in zip(first, second, strict=False):
        assert before[:13] + before[15:] == after[:13] + after[15:]
        assert before[13:15] in (["", ""], after[13:15])
    # The new entries follow, numbered on (4, 5, 6) in the order they were posted; the transfer keeps
    # its own date (EcritureDate 10 March) and is validated the day it was recorded (20 April); its
    # piece is the bank reference as the statement gives it (issue 18: kept as the bank wrote it).
    new = second[len(first):]
    assert [(r[0], r[2], r[3], r[4], r[8], r[11], r[12], r[15]) for r in new if r[4] in ("411000", "512000")] == [
        ("BQ", "4", "20260310", "512000", "B-1", "1319,15", "0,00", "20260420"),
        ("BQ", "4", "20260310", "411000", "B-1", "0,00", "1319,15", "20260420"),
        ("VE", "5", "20260420", "411000", "AV-2026-000002", "0,00", "12,00", "20260420"),
        ("VE", "6", "20260504", "411000", april["number"], april["total_ttc"].replace(".", ","), "0,00", "20260504"),
    ]
    # February, its credit note and the transfer now letter together (1367.15 - 48.00 - 1319.15 = 0),
    # with the code of entry 4 that completed the settlement, dated by its latest line (15 March).
    lettered = [(r[2], r[13], r[14]) for r in second if r[4] == "411000" and r[13]]
    assert lettered == [("1", "D", "20260315"), ("2", "D", "20260315"), ("4", "D", "20260315")]

    # A rebuild of the read models replays the ledger in the same order: the same FEC, byte for byte.
    exported = client.get("/v1/admin/exports/fec?year=2026", headers=ADMIN).content
    client.app.state.container.projector.rebuild()  # type: ignore[attr-defined]
    assert client.get("/v1/admin/exports/fec?year=2026", headers=ADMIN).content == exported
