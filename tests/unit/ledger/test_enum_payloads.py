"""Statuses, kinds, payment methods and VAT regimes are StrEnums (issue 21): stored as the plain text
they were before, one event of each class that carries one, and typed again once read back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from billing.persistence.eventstore import Ledger
from invoices.draft import InvoiceDraft, InvoiceLine, LineKind
from ledger.account import CustomerAccount
from ledger.account_records import PaymentMethod
from ledger.case import Case, CaseAssessment, CaseKind, CaseMail, CaseStatus
from ledger.errors import InvalidInput
from ledger.event_guard import check_events
from ledger.invoice import Invoice, InvoiceStatus
from ledger.money import Money
from ledger.months import Month
from ledger.vat_regime import VatRegime

BERLIN = {"line1": "1 Unter den Linden", "postcode": "10117", "city": "Berlin", "country": "DE"}
MANDATE = {"reference": "RUM-1", "signed_on": "2026-02-20", "iban": "FR7630006000011234567890189", "bic": None}


def _ledger() -> Ledger:
    return Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def _account() -> CustomerAccount:
    account = CustomerAccount.register(
        "acme", "ACME GmbH", None, "DE136695976", "reverse_charge", "billing@acme.example", BERLIN
    )
    account.sign_contract("starter", date(2026, 3, 1), Money.of("800"), False, "sepa_debit", MANDATE, "2026-A")
    account.record_payment("FX-2026-000001", Money.of("100"), date(2026, 3, 30), "transfer", "r1")
    account.record_unapplied_credit("FX-2026-000001", Money.of("5"), date(2026, 3, 30), "cheque", "r2")
    return account


def _case() -> Case:
    assessment = CaseAssessment(
        kind="dispute", invoice="FX-2026-000001", amount=Decimal("10.00"), valid=True, reasons=(), flags=(),
        acknowledge_by=date(2026, 4, 2), answer_by=date(2026, 4, 8), received_on=date(2026, 4, 1),
        termination_kind=None, request=None, language="fr", account="acme", sender="billing@acme.example",
        subject="Contestation FX-2026-000001", reply_to=None,
    )
    mail = CaseMail(sha256="0" * 64, size=1, sender="billing@acme.example", sender_name="ACME", subject="x",
                    date=None, text="t", attachments=())
    return Case(message_id="m1@acme.example", received_at=datetime(2026, 4, 1, 9, tzinfo=UTC),
                assessment=assessment, mail=mail)


def _invoice() -> Invoice:
    line = InvoiceLine(kind="plan_fee", label="Abonnement", quantity="31/31", unit_price=Money.of("800"),
                       amount=Money.of("800"))
    draft = InvoiceDraft(
        account="acme", month=Month(2026, 3), issue_date=date(2026, 4, 1), due_date=date(2026, 5, 1),
        dispute_deadline=date(2026, 4, 21), lines=(line,), total_ht=Money.of("800"), vat_rate=Decimal(0),
        total_vat=Money.of("0"), total_ttc=Money.of("800"), vat_mention="Autoliquidation",
        payment_method="sepa_debit", collection_date=date(2026, 5, 4), mandate_reference="RUM-1",
        penalty_allocations=(), grid_version="2026-A",
    )
    return Invoice(number="FX-2026-000001", account="acme", month="2026-03", document=draft.to_dict())


def _stored(ledger: Ledger, aggregate: Any) -> dict[str, bytes]:
    """Each pending event's stored state, by its class name."""
    return {type(e).__qualname__: ledger.mapper.to_stored_event(e).state for e in aggregate.collect_events()}


def test_stored_events_hold_the_plain_text_of_each_enum() -> None:
    ledger = _ledger()
    states = {**_stored(ledger, _account()), **_stored(ledger, _case()), **_stored(ledger, _invoice())}
    # The exact bytes of each field, as the JSON transcoder wrote them before the enums: a plain
    # string, never a {"_type_": ..., "_data_": ...} wrapper nor the member's name.
    expected = {
        "CustomerAccount.Registered": b'"vat_regime":"reverse_charge"',
        "CustomerAccount.ContractSigned": b'"payment_method":"sepa_debit"',
        "CustomerAccount.PaymentRecorded": b'"method":"transfer"',
        "CustomerAccount.UnappliedCreditRecorded": b'"method":"cheque"',
        "Case.Received": b'"kind":"dispute"',
        "Invoice.Issued": b'"kind":"plan_fee"',
    }
    for name, fragment in expected.items():
        assert fragment in states[name], name
    issued = json.loads(states["Invoice.Issued"])["document"]
    assert (issued["lines"][0]["kind"], issued["payment_method"]) == ("plan_fee", "sepa_debit")
    # The document is plain JSON text: a str, not a LineKind, so the guard's fast walk takes it.
    assert type(_invoice().document["lines"][0]["kind"]) is str


def test_an_aggregate_read_back_holds_enum_members() -> None:
    ledger = _ledger()
    account, case, invoice = _account(), _case(), _invoice()
    invoice.accept(on=date(2026, 4, 22))
    ledger.save(account, case, invoice)
    account_back = ledger.repository.get(account.id)
    assert type(account_back.vat_regime) is VatRegime and account_back.vat_regime == "reverse_charge"
    assert account_back.contract is not None
    assert account_back.contract.payment_method is PaymentMethod.SEPA_DEBIT
    assert [p.method for p in account_back.payments] == [PaymentMethod.TRANSFER]
    assert [p.method for p in account_back.unapplied_credits] == [PaymentMethod.CHEQUE]
    case_back = ledger.repository.get(case.id)
    assert case_back.assessment.kind is CaseKind.DISPUTE and case_back.status is CaseStatus.OPEN
    assert ledger.repository.get(invoice.id).status is InvoiceStatus.ACCEPTED
    assert LineKind("plan_fee") is LineKind.PLAN_FEE


def test_the_event_guard_checks_an_enum_field_against_its_values() -> None:
    account = _account()
    registered = account.collect_events()[0]
    check_events([registered])  # a VatRegime member
    plain = type(registered)(**{**registered.__dict__, "vat_regime": "reverse_charge"})
    check_events([plain])  # the same value as text (an event read back) passes too
    wrong = type(registered)(**{**registered.__dict__, "vat_regime": "offshore"})
    with pytest.raises(InvalidInput) as refused:
        check_events([wrong])
    assert refused.value.field == "vat_regime"
    assert "export, reverse_charge, standard" in str(refused.value)
