"""The HT/VAT split of credit notes (BILLING_RULES §3, §7), worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoices.credit import CreditRefused, credit_split

D = Decimal


def test_a_partial_credit_takes_back_its_vat_rounded_half_up() -> None:
    # Invoice 1,179.29 HT + 235.86 VAT (20%). Credit 40.00 HT: VAT 40.00 x 20% = 8.00; TTC 48.00.
    split = credit_split(D("40.00"), D("1179.29"), D("235.86"), D(0), D(0), D("20"))
    assert (str(split.total_ht), str(split.total_vat), str(split.total_ttc)) == ("-40.00", "-8.00", "-48.00")
    assert not split.fully_credited


def test_a_credit_of_an_odd_amount_rounds_its_vat_half_up() -> None:
    # 0.125 HT is refused (3 decimals); 10.03 HT x 20% = 2.006 -> 2.01; TTC 12.04.
    split = credit_split(D("10.03"), D("100.00"), D("20.00"), D(0), D(0), D("20"))
    assert (str(split.total_vat), str(split.total_ttc)) == ("-2.01", "-12.04")


def test_the_last_credit_takes_back_exactly_the_vat_left() -> None:
    # Invoice 0.07 HT, VAT 0.014 -> 0.01. Credit 0.03 HT: VAT 0.006 -> 0.01 (all the VAT already).
    # Credit of the 0.04 left: 0.04 x 20% = 0.008 -> 0.01 would take back 0.02 VAT in all, more
    # than the invoice's 0.01; the last credit takes 0.01 - 0.01 = 0.00 VAT, TTC 0.04.
    first = credit_split(D("0.03"), D("0.07"), D("0.01"), D(0), D(0), D("20"))
    assert str(first.total_vat) == "-0.01"
    last = credit_split(D("0.04"), D("0.07"), D("0.01"), D("0.03"), D("0.01"), D("20"))
    assert (str(last.total_vat), str(last.total_ttc), last.fully_credited) == ("0.00", "-0.04", True)


@pytest.mark.parametrize("amount", ["0", "-1.00", "0.001", "1179.30"])
def test_a_zero_negative_over_precise_or_excessive_credit_is_refused(amount: str) -> None:
    with pytest.raises(CreditRefused):
        credit_split(D(amount), D("1179.29"), D("235.86"), D(0), D(0), D("20"))


def test_nothing_is_left_to_credit_once_fully_credited() -> None:
    with pytest.raises(CreditRefused, match=r"0\.00 left"):
        credit_split(D("0.01"), D("100.00"), D("20.00"), D("100.00"), D("20.00"), D("20"))
