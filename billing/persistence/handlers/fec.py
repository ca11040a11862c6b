"""FEC entries posted as their facts are projected (BILLING_RULES §12, LPF art. A47 A-1; issue 18).

Each invoice, credit note, payment, unapplied credit and returned debit becomes one row of
``fec_entries`` when the projector applies its event: numbered after the entries already posted in
its fiscal year (the calendar year of its date), in ledger order, with its validation date (the day
it was recorded), its label and the customer's name as they are then. Nothing updates or deletes a
row, so a later export shows the same entries, numbered the same, followed by the new ones; and a
rebuild (which replays the ledger in the same order) numbers them the same again.

The handlers of those events (:mod:`.invoice`, :mod:`.credit_note`, :mod:`.account_money`) call
:func:`post_sale` or :func:`post_bank` after writing their own rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from billing.persistence import tables as t
from billing.persistence.projections import ProjectionStep
from exports.fec import BankMove, FecEntry, SaleDocument, bank_entry, sale_entry
from ledger.clock import PARIS


def _recorded_on(e: Any) -> date:
    """The day the fact was recorded: the service's clock, carried by the event; for an event
    written without it, the day of its timestamp in Paris."""
    day: date | None = getattr(e, "recorded_on", None)
    return day if day is not None else e.timestamp.astimezone(PARIS).date()


def _legal_name(step: ProjectionStep, account: str) -> str:
    key = ("name", account)
    if key not in step.fec:
        name = step.conn.execute(select(t.accounts.c.legal_name).where(t.accounts.c.account == account)).scalar()
        step.fec[key] = name or ""
    name_now: str = step.fec[key]
    return name_now


def _post(step: ProjectionStep, entry: FecEntry) -> None:
    """Number the entry after the last one of its fiscal year and buffer its row (written at flush)."""
    year = entry.on.year
    key = ("next", year)
    if key not in step.fec:
        last = step.conn.execute(select(func.max(t.fec_entries.c.entry)).where(t.fec_entries.c.fiscal_year == year)).scalar()
        step.fec[key] = (last or 0) + 1
    number = step.fec[key]
    step.fec[key] = number + 1
    step.batched_rows.setdefault(t.fec_entries, []).append(
        {
            "fiscal_year": year,
            "entry": number,
            "journal": entry.journal,
            "entry_date": entry.on,
            "piece": entry.piece,
            "account": entry.account,
            "legal_name": entry.legal_name,
            "label": entry.label,
            "total_ht": entry.total_ht,
            "total_vat": entry.total_vat,
            "total_ttc": entry.total_ttc,
            "settles": entry.settles,
            "valid_date": entry.valid_on,
        }
    )


def post_sale(step: ProjectionStep, e: Any, corrects: str | None) -> None:
    doc = e.document
    buyer = doc.get("buyer") or {}
    name = buyer.get("legal_name") or _legal_name(step, e.account)  # frozen into the document at issue
    issue_date = date.fromisoformat(doc["issue_date"])
    sale = SaleDocument(e.number, e.account, name, issue_date, Decimal(doc["total_ht"]), Decimal(doc["total_vat"]),
                        Decimal(doc["total_ttc"]), corrects=corrects)
    # An invoice or a credit note is recorded on its issue date (a close issues on its issue date).
    _post(step, sale_entry(sale, issue_date))


def post_bank(step: ProjectionStep, e: Any, invoice: str | None, amount: Decimal, on: date, reference: str) -> None:
    account = step.account_of(e.originator_id)
    move = BankMove(on, account, _legal_name(step, account), invoice, amount, reference)
    _post(step, bank_entry(move, _recorded_on(e)))
