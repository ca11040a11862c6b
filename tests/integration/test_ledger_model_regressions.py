"""The sequences the model-based test (test_ledger_model.py) found failing, kept as plain tests on SQLite and
PostgreSQL: hypothesis's printed reproduction, each step followed by the invariants as in the machine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from test_ledger_model import CREDITOR, LedgerModel

from billing.settings import Settings


@pytest.fixture
def model(backend: str, tmp_path: Any, request: pytest.FixtureRequest) -> Iterator[LedgerModel]:
    if backend == "postgres":
        from conftest import reset_pg_schema

        url = request.getfixturevalue("pg_url")
        reset_pg_schema(url)
        settings = Settings(database_url=url, admin_token="t", storage_dir=tmp_path / "docs", **CREDITOR)
    else:
        run = tmp_path / uuid.uuid4().hex
        settings = Settings(database_url=f"sqlite:///{run}/billing.db", admin_token="t", storage_dir=run / "docs",
                            **CREDITOR)
    LedgerModel.make_settings = staticmethod(lambda: settings)  # type: ignore[assignment]
    state = LedgerModel()
    try:
        state.first_customer()
        state.outputs_agree()
        yield state
    finally:
        state.teardown()


def test_a_credit_note_after_a_sepa_file_is_not_counted_as_held_back_by_that_file(model: LedgerModel) -> None:
    """Found 2026-12-04 (seed 78570879980324746778285327469602317169): three failed-then-resumed closes
    (January to March; acme's February invoice FX-2026-000002: 500.00 HT, 600.00 TTC), a SEPA file collecting
    600.00 on 2026-04-28, then a credit note of 10.00 HT (12.00 TTC) the same day. The invariant judged the
    file by the credit notes dated on or before its day: 600.00 against 588.00 owed. The file was right when
    written; the model now moves to the next day after a file, as after every output of the day."""
    for _ in range(3):
        model.close_fails_half_way_then_resumes()
        model.outputs_agree()
    model.sepa_export(ahead=25)
    model.outputs_agree()
    model.credit_note(amount="10.00", which=49)
    model.outputs_agree()


def test_an_overpayment_is_on_the_workbook_payment_sheet_as_in_the_fec_bank_journal(model: LedgerModel) -> None:
    """Found 2026-12-04 (before the workbook fix): after January's close, 10.00 more than an invoice owed is
    applied up to what it owes and kept as unapplied credit; the FEC's bank journal booked all of it
    (1,202.26), the workbook's payment sheet only the applied part (1,192.26)."""
    model.penalty_credit(amount="5000.00", who=1)
    model.outputs_agree()
    model.penalty_credit(amount="150.00", who=2)
    model.outputs_agree()
    model.time_passes(days=39)
    model.outputs_agree()
    model.termination(end_of_month=True, who=1)
    model.outputs_agree()
    model.payment(how="full", retried=False, which=10)
    model.outputs_agree()
    model.close_month()
    model.outputs_agree()
    model.payment(how="over", retried=False, which=41)
    model.outputs_agree()


def test_invoices_of_a_close_that_failed_half_way_are_not_months_out_of_service(model: LedgerModel) -> None:
    """Found 2026-12-04: with two accounts, June's close fails after acme's chunk; acme's June invoice stays
    issued while June is ``failed`` (§7), and the invariant took it for an invoice of a month acme was not
    billable in. A month being closed may have at most one invoice per account; resumed, exactly one."""
    for _ in range(4):
        model.close_fails_half_way_then_resumes()
        model.outputs_agree()
    model.dispute_mail(which=39)
    model.outputs_agree()
    model.termination(end_of_month=False, who=3)
    model.outputs_agree()
    model.close_fails_half_way_then_resumes()
    model.outputs_agree()
    model.add_customer(installation=True, kind="sepa", plan="START")
    model.outputs_agree()
    model.close_fails_half_way_then_resumes()
    model.outputs_agree()


def test_a_credit_note_on_a_paid_invoice_leaves_its_allocation_within_what_it_owed(model: LedgerModel) -> None:
    """Found 2026-12-08 by the model on the issue 21 branch: two customers, both January invoices paid in
    full (acme's FX-2026-000001: 1,192.26 TTC), a failed-then-resumed close, a back-dated payment, then a
    credit note of 100.00 HT (120.00 TTC) on FX-2026-000001: allocated 1,192.26 against 1,072.26 owed."""
    model.add_customer(installation=False, kind="sepa", plan="PRO")
    model.outputs_agree()
    model.payment(how="full", retried=True, which=15)
    model.outputs_agree()
    model.payment(how="full", retried=False, which=91)
    model.outputs_agree()
    model.close_fails_half_way_then_resumes()
    model.outputs_agree()
    model.back_dated_payment(back=16, which=36)
    model.outputs_agree()
    model.add_customer(installation=False, kind="freemium", plan="PRO")
    model.outputs_agree()
    model.credit_note(amount="100.00", which=100)
    model.outputs_agree()
