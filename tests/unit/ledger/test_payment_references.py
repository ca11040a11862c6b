"""One bank reference, one transfer, counted once per account (issue 18; README: a payment whose
reference is already recorded for the account is a 409), on the aggregate itself."""

from __future__ import annotations

from datetime import date

import pytest
from test_account_rules import signed

from ledger.errors import Conflict, InvalidInput
from ledger.money import Money

DAY = date(2026, 3, 30)


def test_a_transfer_above_what_is_owed_is_split_and_its_reference_then_refused() -> None:
    account = signed()
    # 1415.15 owed, 1500.00 received: 1415.15 applied, 1500.00 - 1415.15 = 84.85 kept as unapplied credit.
    [(applied, unapplied)] = account.receive_payment(
        [("FX-2026-000001", Money.of("1500.00"), Money.of("1415.15"))], DAY, "transfer", "VIR-1")
    assert (applied, unapplied) == (Money.of("1415.15"), Money.of("84.85"))
    with pytest.raises(Conflict) as caught:
        account.receive_payment([("FX-2026-000001", Money.of("1500.00"), Money.of("0"))], DAY, "transfer", "VIR-1")
    assert caught.value.field == "reference"


def test_a_reference_kept_only_as_unapplied_credit_is_compared_too() -> None:
    account = signed()
    # The invoice owes 0.00: all 50.00 is unapplied credit; before issue 18 it was never compared.
    assert account.receive_payment([("FX-2026-000001", Money.of("50.00"), Money.of("0"))], DAY, "transfer",
                                   "VIR-9") == [(Money.of("0"), Money.of("50.00"))]
    with pytest.raises(Conflict):
        account.receive_payment([("FX-2026-000001", Money.of("50.00"), Money.of("0"))], DAY, "transfer", "VIR-9")
    with pytest.raises(Conflict):
        account.record_payment("FX-2026-000002", Money.of("10.00"), DAY, "transfer", "VIR-9")
    with pytest.raises(Conflict):
        account.record_unapplied_credit("FX-2026-000002", Money.of("10.00"), DAY, "transfer", "VIR-9")
    assert [c.amount for c in account.unapplied_credits] == [Money.of("50.00")]


def test_one_transfer_paying_two_invoices_records_both_under_its_reference() -> None:
    account = signed()
    # 1000.00 + 415.15 = 1415.15 received in one transfer naming both invoices.
    split = account.receive_payment([("FX-2026-000001", Money.of("1000.00"), Money.of("1000.00")),
                                     ("FX-2026-000002", Money.of("415.15"), Money.of("415.15"))], DAY, "transfer",
                                    "BANK-0001")
    assert split == [(Money.of("1000.00"), Money.of("0")), (Money.of("415.15"), Money.of("0"))]
    assert [(p.invoice, p.reference) for p in account.payments] == [
        ("FX-2026-000001", "BANK-0001"), ("FX-2026-000002", "BANK-0001")]


def test_empty_references_are_not_compared_and_a_day_before_service_start_is_refused() -> None:
    account = signed()
    for _ in range(2):  # a cheque may carry no reference
        account.receive_payment([("FX-2026-000001", Money.of("10.00"), Money.of("1415.15"))], DAY, "cheque", "")
    with pytest.raises(InvalidInput) as caught:
        account.receive_payment([("FX-2026-000001", Money.of("10.00"), Money.of("10.00"))], date(2025, 1, 1),
                                "transfer", "EARLY")
    assert caught.value.field == "received_on"
