"""How the ledger's value types are stored in events and snapshots (eventsourcing ``Transcoding``s).

Registered on the ledger application (billing/persistence/eventstore.py), so an ``@event`` method
can take a ``Money``, a ``date`` or a ``Month`` and the aggregate keep it typed, instead of ISO
strings and "800.00" re-parsed by properties. Each value is stored as its canonical text:
``{"_type_": "money", "_data_": "800.00"}``, ``{"_type_": "date_iso", "_data_": "2025-04-01"}``.

The account's records (ledger/account_records.py), a VAT rate and a debit's return are frozen
dataclasses kept as aggregate state; events stay flat (typed scalar fields), but a snapshot stores the state as it is, so each
record type is stored too, as its fields (their Money and dates transcoded in turn):
``{"_type_": "payment", "_data_": {"invoice": ..., "amount": {"_type_": "money", ...}, ...}}``.
A case's assessment and mail, and a service level's terms and tickets, are records carried by the
events themselves (``Received``, ``TermsSet``); JSON has no tuple, so their tuple fields are made
tuples again when read (``RecordWithTuples``).
There is no production data yet: event shapes may change without upcasting.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal
from typing import Any

from eventsourcing.persistence import Transcoding

from ledger.account_records import (
    Contract,
    Intervention,
    Mandate,
    OptionInterval,
    Payment,
    PenaltyCredit,
    SupportHours,
    Termination,
)
from ledger.case import CaseAcknowledgment, CaseAssessment, CaseMail, CaseResolution, MailAttachment
from ledger.customer import Address
from ledger.direct_debit import DebitReturn
from ledger.late_payment_rates import LatePaymentRate
from ledger.money import Money
from ledger.months import Month
from ledger.service_level import IncidentTicket, PenaltyApproval, ServiceTerms
from ledger.vat_rates import VatRate


class MoneyAsStr(Transcoding):
    """``Money`` as its full-precision Decimal text (rounding stays explicit, ledger/money.py)."""

    type = Money
    name = "money"

    def encode(self, obj: Money) -> str:
        return str(obj.amount)

    def decode(self, data: str) -> Money:
        return Money(Decimal(data))


class DateAsISO(Transcoding):
    """A business ``date`` (never a datetime: the library's ``DatetimeAsISO`` has those)."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class MonthAsStr(Transcoding):
    """A billing ``Month`` as "YYYY-MM"."""

    type = Month
    name = "month"

    def encode(self, obj: Month) -> str:
        return str(obj)

    def decode(self, data: str) -> Month:
        return Month.parse(data)


class RecordAsFields(Transcoding):
    """A frozen record dataclass as a mapping of its fields; built back with the same keywords."""

    def __init__(self, record_type: type[Any], name: str) -> None:
        self.type = record_type
        self.name = name
        self._fields = tuple(f.name for f in fields(record_type))

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class RecordWithTuples(RecordAsFields):
    """A record with tuple fields: stored as JSON lists, given back as the tuples the record holds."""

    def __init__(self, record_type: type[Any], name: str, tuples: tuple[str, ...]) -> None:
        super().__init__(record_type, name)
        self._tuples = frozenset(tuples)

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**{k: tuple(v) if k in self._tuples else v for k, v in data.items()})


RECORD_TRANSCODINGS: tuple[Transcoding, ...] = (
    RecordAsFields(Mandate, "mandate"),
    RecordAsFields(Contract, "contract"),
    RecordAsFields(OptionInterval, "option_interval"),
    RecordAsFields(SupportHours, "support_hours"),
    RecordAsFields(Intervention, "intervention"),
    RecordAsFields(Payment, "payment"),
    RecordAsFields(PenaltyCredit, "penalty_credit"),
    RecordAsFields(Termination, "termination"),
    RecordAsFields(Address, "address"),
    RecordAsFields(VatRate, "vat_rate"),
    RecordAsFields(DebitReturn, "debit_return"),
    RecordAsFields(LatePaymentRate, "late_payment_rate"),  # the §8 table seeds its Created event with them
    RecordWithTuples(CaseAssessment, "case_assessment", ("reasons", "flags")),
    RecordAsFields(MailAttachment, "mail_attachment"),
    RecordWithTuples(CaseMail, "case_mail", ("attachments",)),
    RecordAsFields(CaseAcknowledgment, "case_acknowledgment"),
    RecordAsFields(CaseResolution, "case_resolution"),
    RecordAsFields(ServiceTerms, "service_terms"),
    RecordAsFields(IncidentTicket, "incident_ticket"),
    RecordAsFields(PenaltyApproval, "penalty_approval"),
)

LEDGER_TRANSCODINGS: tuple[Transcoding, ...] = (MoneyAsStr(), DateAsISO(), MonthAsStr(), *RECORD_TRANSCODINGS)
