"""The pure SEPA rules and writer (exports/sepa.py): selection, FRST/RCUR, creditor checks, XSD."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
import xmlschema

from exports.sepa import (
    DebitCandidate,
    check_creditor,
    check_request,
    parse_one_line_address,
    select_debits,
    sepa_text,
    sequence_type,
    structured_address,
    validate_pain008,
    write_pain008,
)
from ledger.errors import Conflict, InvalidInput

IBAN = "FR7630006000011234567890189"
ADDRESS = structured_address("1 rue X", "25000", "Besançon", "FR")
SCHEMAS = Path(sepaxml.__file__).parent / "schemas"


def candidate(number: str = "FX-2026-000001", **overrides: object) -> DebitCandidate:
    values: dict[str, object] = {
        "invoice": number, "account": "acme", "debtor_name": "ACME SAS", "debtor_address": ADDRESS,
        "mandate_reference": "RUM-1", "mandate_signed_on": date(2026, 2, 1), "iban": IBAN, "bic": None,
        "issue_date": date(2026, 3, 2), "due_date": date(2026, 4, 1), "total_ttc": Decimal("1367.15"),
        "paid": Decimal("0"), "credited": Decimal("0"), "status": "issued",
    }
    values.update(overrides)
    return DebitCandidate(**values)  # type: ignore[arg-type]


def creditor() -> object:
    return check_creditor("FLEXIO SAS", "FR72ZZZ123456", IBAN, "AGRIFRPP",
                          parse_one_line_address("18 rue Alain Savary, 25000 Besançon"))


def test_the_sequence_is_frst_for_a_mandates_first_collection_then_rcur() -> None:
    assert sequence_type("RUM-1", set()) == "FRST"
    assert sequence_type("RUM-1", {"RUM-1"}) == "RCUR"


def test_the_amount_is_net_of_payments_and_credit_notes() -> None:
    # 1367.15 TTC - 300.00 paid - 48.00 credited (a credit note is negative) = 1019.15
    row = candidate(paid=Decimal("300.00"), credited=Decimal("-48.00"))
    selection = select_debits([row], date(2026, 4, 1), set(), set())
    assert [d.amount for d, _ in selection.debits] == [Decimal("1019.15")]


def test_selection_leaves_out_filed_paid_not_due_and_holds_disputed_and_early_invoices() -> None:
    rows = [
        candidate("A"),
        candidate("B"),  # already in a file
        candidate("C", paid=Decimal("1367.15")),  # paid
        candidate("D", due_date=date(2026, 4, 2)),  # not due on 2026-04-01
        candidate("E", status="disputed"),
        # Due, but issued 2026-03-20: 2026-03-20 + 14 days = 2026-04-03 > 2026-04-01 (pre-notification)
        candidate("F", issue_date=date(2026, 3, 20), due_date=date(2026, 3, 25)),
    ]
    selection = select_debits(rows, date(2026, 4, 1), {"B"}, set())
    assert [d.invoice for d, _ in selection.debits] == ["A"]
    assert sorted(h.invoice for h in selection.held) == ["E", "F"]


def test_a_valid_creditor_identifier_passes_and_a_wrong_check_digit_is_refused() -> None:
    assert check_creditor("F", "FR72ZZZ123456", IBAN, "", ADDRESS).creditor_id == "FR72ZZZ123456"
    with pytest.raises(Conflict, match="creditor identifier"):
        check_creditor("F", "FR73ZZZ123456", IBAN, "", ADDRESS)
    with pytest.raises(Conflict, match="IBAN"):
        check_creditor("F", "FR72ZZZ123456", "FR7630006000011234567890188", "", ADDRESS)
    with pytest.raises(Conflict, match="missing"):
        check_creditor("F", "", "", "", ADDRESS)


def test_request_checks_refuse_past_dates_target2_holidays_and_unknown_schemes() -> None:
    today = date(2026, 3, 30)
    check_request(date(2026, 4, 1), "CORE", "pain.008.001.08", today)
    for day in (date(2026, 3, 27), date(2026, 3, 30), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 12, 26)):
        with pytest.raises(InvalidInput):
            check_request(day, "CORE", "pain.008.001.08", today)
    with pytest.raises(InvalidInput):
        check_request(date(2026, 4, 1), "COR1", "pain.008.001.08", today)
    with pytest.raises(InvalidInput):
        check_request(date(2026, 4, 1), "CORE", "pain.008.001.09", today)


def test_addresses_are_structured_and_in_the_sepa_character_set() -> None:
    seller = parse_one_line_address("18 rue Alain Savary, 25000 Besançon")
    assert (seller.building_number, seller.street, seller.postcode, seller.town) == (
        "18", "rue Alain Savary", "25000", "Besançon")
    assert seller.to_sepaxml()["town"] == "Besancon"
    # EPC basic Latin set: & is outside it and becomes + (issue 19.2), runs of spaces are one space.
    assert sepa_text("Société Générale & Cie", 70) == "Societe Generale + Cie"
    with pytest.raises(InvalidInput):
        parse_one_line_address("somewhere")


@pytest.mark.parametrize("version", ["pain.008.001.08", "pain.008.001.02"])
def test_the_written_file_validates_against_its_xsd(version: str) -> None:
    rows = [candidate("FX-2026-000001"), candidate("FX-2026-000002", mandate_reference="RUM-2")]
    selection = select_debits(rows, date(2026, 4, 1), set(), {"RUM-2"})
    content = write_pain008(creditor(), selection.debits, date(2026, 4, 1), "CORE", version,  # type: ignore[arg-type]
                            datetime(2026, 3, 30, 9, 0))
    xmlschema.XMLSchema(str(SCHEMAS / f"{version}.xsd")).validate(content.decode())
    # 1367.15 twice = 2734.30 in the group header
    assert b"<NbOfTxs>2</NbOfTxs><CtrlSum>2734.30</CtrlSum>" in content
    assert b"<SeqTp>FRST</SeqTp>" in content and b"<SeqTp>RCUR</SeqTp>" in content


def test_a_file_that_breaks_its_xsd_is_refused() -> None:
    selection = select_debits([candidate()], date(2026, 4, 1), set(), set())
    content = write_pain008(creditor(), selection.debits, date(2026, 4, 1), "CORE",  # type: ignore[arg-type]
                            "pain.008.001.08", datetime(2026, 3, 30, 9, 0))
    validate_pain008(content, "pain.008.001.08")
    broken = content.replace(b"<SeqTp>FRST</SeqTp>", b"<SeqTp>NEXT</SeqTp>")
    with pytest.raises(InvalidInput, match="does not validate"):
        validate_pain008(broken, "pain.008.001.08")
