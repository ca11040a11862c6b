"""Receivables and late-payment invoices (API.md "Receivables", BILLING_RULES §8, art. 10.3).

The charges are computed by exports/late_interest.py; this service reads what is still due on a
date and, when finance decides, issues an invoice of the interest and indemnities in the ordinary
series (numbering and invoice saved in one transaction, as the month close does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from eventsourcing.persistence import IntegrityError

from billing.commands.receivables import IssueLatePaymentInvoice, ReceivablesOn
from billing.documents.identity import seller_from_settings
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate
from billing.services.ports import ReadModels
from billing.settings import Settings
from exports.late_interest import LateCharge, RateTable, late_charge
from invoices.document import Buyer
from invoices.draft import LineKind
from invoices.payment_dates import dispute_deadline, due_date
from invoices.payment_status import PaymentStatus
from ledger.account_records import PaymentMethod
from ledger.clock import Clock, today
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.invoice import Invoice, InvoiceStatus
from ledger.numbering import INVOICE_SERIES, InvoiceNumbering

ATTEMPTS = 10
# ENGINEERING_NOTES: late-payment interest is outside the scope of VAT and goes on its own invoice.
OUT_OF_SCOPE_MENTION = "Hors champ d'application de la TVA (intérêts de retard et indemnité forfaitaire, art. L441-10)"


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class Receivable:
    """One invoice with something still due on a date: its TTC less payments and credits dated by then."""

    number: str
    account: str
    month: str
    issue_date: date
    due_date: date
    total_ttc: Decimal
    outstanding: Decimal
    late_payment_invoice: bool  # an invoice of interest and indemnities itself (no interest on it)


class ReceivableQueries(Protocol):
    """What is still due, from the read models (``billing/persistence/queries/receivables.py``)."""

    def receivables_on(self, on: date, account: str | None = None) -> list[Receivable]:
        """Every invoice with something still due on ``on`` (payments and credits dated after it left out)."""

    def late_payment_billed(self, account: str) -> dict[str, dict[str, Any]]:
        """Per late invoice, what earlier late-payment invoices billed: {"interest_to", "indemnity"}."""

    def account(self, account: str) -> Any | None:
        """The ``accounts`` row (``payment_method``, ``mandate``), ``None`` when unknown."""

    def buyer(self, account: str) -> Buyer | None:
        """The account's identity as an invoice freezes it (``billing/documents/identity.py``)."""


class ReceivableService:
    def __init__(
        self, settings: Settings, ledger: Ledger, queries: ReceivableQueries, read_models: ReadModels, clock: Clock,
        rates: Callable[[], RateTable], render: Callable[[], object] | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.queries = queries
        self.read_models = read_models
        self.clock = clock
        # §8, §12: the rates finance keeps in the ledger, read again for every answer, so a half-year
        # recorded a moment ago is used at once (LatePaymentRateService.table).
        self.rates = rates
        self.render = render  # the document service's request_render: a late-payment invoice gets its PDF

    def _charge(
        self, item: Receivable, on: date, rates: RateTable, billed: dict[str, Any] | None = None
    ) -> LateCharge:
        if item.late_payment_invoice:
            # **Decision**: no interest on interest (anatocisme needs an agreement, C. civ. 1343-2).
            return LateCharge(max((on - item.due_date).days, 0), Decimal("0.00"), Decimal("0.00"), ())
        interest_from = None
        indemnity_billed = False
        if billed is not None:
            interest_from = date.fromisoformat(billed["interest_to"]) + timedelta(days=1)
            indemnity_billed = billed["indemnity"]
        return late_charge(item.outstanding, item.due_date, on, rates,
                           interest_from=interest_from, indemnity_billed=indemnity_billed)

    def receivables(self, query: ReceivablesOn, account: str | None = None) -> dict[str, Any]:
        """API.md "GET /v1/admin/receivables?on=": what is due and overdue on a date, with §8 charges;
        one account's only when ``account`` is given (the console's account page)."""
        on = today(self.clock) if query.on is None else query.on
        self.read_models.sync()
        items = self.queries.receivables_on(on, account)
        rates = self.rates()
        invoices = []
        missing: set[str] = set()
        for item in items:
            charge = self._charge(item, on, rates)
            missing.update(charge.missing_rates)
            invoices.append(
                {
                    "number": item.number,
                    "account": item.account,
                    "due_date": item.due_date.isoformat(),
                    "outstanding": f"{item.outstanding:.2f}",
                    "days_late": charge.days_late,
                    "interest": _money(charge.interest),
                    "indemnity": f"{charge.indemnity:.2f}",
                    **({"missing_rates": list(charge.missing_rates)} if charge.missing_rates else {}),
                }
            )
        answer: dict[str, Any] = {"on": on.isoformat(), "invoices": invoices}
        if missing:
            answer["missing_rates"] = sorted(missing)  # §8: reported, never guessed
        return answer

    def issue_late_payment_invoice(self, command: IssueLatePaymentInvoice) -> dict[str, Any]:
        """An invoice of the interest and indemnities accrued on ``on`` (ordinary series, no VAT)."""
        code, on = command.account, command.on
        if on > today(self.clock):
            raise InvalidInput(f"on {on.isoformat()} is in the future: an invoice is issued on a past day", field="on")
        for _attempt in range(ATTEMPTS):
            self.read_models.sync()
            row = self.queries.account(code)
            buyer = self.queries.buyer(code)
            if row is None or buyer is None:
                raise NotFound(f"account {code!r} not found")
            items = [i for i in self.queries.receivables_on(on, code) if not i.late_payment_invoice]
            billed = self.queries.late_payment_billed(code)
            lines, covered = self._lines(items, on, billed)
            if not lines:
                raise Conflict(f"account {code!r} owes no late-payment interest or indemnity on {on.isoformat()}")
            numbering = find_aggregate(self.ledger, InvoiceNumbering.create_id()) or InvoiceNumbering()
            first = numbering.allocate(INVOICE_SERIES, on, 1)
            number = self.settings.invoice_number_format.format(year=on.year, seq=first)
            total = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
            mandate = row.mandate or {}
            document = {
                "number": number,
                "document_type": "invoice",
                "kind": "late_payment",
                "account": code,
                # A closed month: the month totals of the close are not touched by this invoice.
                "month": max(i.month for i in items if i.number in covered),
                "issue_date": on.isoformat(),
                # The period the charges accrued over (L441-9 "date de la prestation"): from the first
                # day of interest billed here to the reference date.
                "period_start": min((line["details"]["from"] for line in lines if "from" in line["details"]),
                                    default=on.isoformat()),
                "period_end": on.isoformat(),
                "due_date": due_date(on).isoformat(),
                "dispute_deadline": dispute_deadline(on).isoformat(),
                "lines": lines,
                "total_ht": f"{total:.2f}",
                "vat_rate": "0.00",
                "total_vat": "0.00",
                "total_ttc": f"{total:.2f}",
                "vat_mention": OUT_OF_SCOPE_MENTION,
                "payment_method": row.payment_method,
                "collection_date": None,
                "mandate_reference": mandate.get("reference") if row.payment_method == PaymentMethod.SEPA_DEBIT else None,
                "penalty_allocations": [],
                "grid_version": None,
                "late_payment": list(covered.values()),
                # Issue 17.6: seller and buyer frozen at issue, as on every invoice (L441-9).
                "seller": seller_from_settings(self.settings).to_dict(),
                "buyer": buyer.to_dict(),
            }
            invoice = Invoice(number=number, account=code, month=document["month"], document=document)
            try:
                self.ledger.save(numbering, invoice)
            except IntegrityError:
                continue
            self.read_models.refresh()
            if self.render is not None:  # issue 17.6: rendered, validated and stored like any invoice
                self.render()
            return {**document, "status": InvoiceStatus.ISSUED, "payment_status": PaymentStatus.UNPAID, "paid": "0.00"}
        raise Conflict("invoice numbers are being allocated by another request; retry")

    def _lines(
        self, items: list[Receivable], on: date, billed: dict[str, dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        lines: list[dict[str, Any]] = []
        covered: dict[str, dict[str, Any]] = {}
        missing: set[str] = set()
        rates = self.rates()
        for item in items:
            charge = self._charge(item, on, rates, billed.get(item.number))
            if charge.days_late == 0:
                continue
            if charge.interest is None:
                missing.update(charge.missing_rates)
                continue
            start = item.due_date + timedelta(days=1)
            if item.number in billed:
                start = date.fromisoformat(billed[item.number]["interest_to"]) + timedelta(days=1)
            if charge.interest > 0:
                lines.append({
                    "kind": LineKind.LATE_INTEREST.value,  # the stored document is plain JSON text
                    "label": f"Intérêts de retard sur {item.number} ({item.outstanding:.2f} TTC dus)"
                             f" du {start.isoformat()} au {on.isoformat()}",
                    "quantity": str((on - start).days + 1),
                    "unit_price": None,
                    "amount": f"{charge.interest:.2f}",
                    "details": {"invoice": item.number, "from": start.isoformat(), "to": on.isoformat()},
                })
            if charge.indemnity > 0:
                lines.append({
                    "kind": LineKind.RECOVERY_INDEMNITY.value,
                    "label": f"Indemnité forfaitaire pour frais de recouvrement, facture {item.number}",
                    "quantity": "1",
                    "unit_price": f"{charge.indemnity:.2f}",
                    "amount": f"{charge.indemnity:.2f}",
                    "details": {"invoice": item.number},
                })
            if charge.interest > 0 or charge.indemnity > 0:
                covered[item.number] = {"invoice": item.number, "interest_to": on.isoformat(),
                                        "interest": f"{charge.interest:.2f}", "indemnity": f"{charge.indemnity:.2f}"}
        if missing:
            raise Conflict(
                "no late-payment rate is configured for " + ", ".join(sorted(missing)) + ": the interest is not guessed",
                details={"missing_rates": sorted(missing)},
            )
        return lines, covered
