"""Read-model queries behind SEPA direct-debit files (exports/sepa.py selects from these rows)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from billing.persistence import tables as t
from exports.sepa import DebitCandidate, structured_address
from ledger.account_records import PaymentMethod


def debit_candidates(conn: Connection, due_by: date) -> list[DebitCandidate]:
    """Invoices of direct-debit accounts due on or before ``due_by``, with payments and credit notes."""
    credited = (
        select(t.credit_notes.c.corrects, func.sum(t.credit_notes.c.total_ttc).label("credited"))
        .group_by(t.credit_notes.c.corrects)
        .subquery()
    )
    query = (
        select(
            t.invoices.c.number,
            t.invoices.c.account,
            t.invoices.c.issue_date,
            t.invoices.c.due_date,
            t.invoices.c.total_ttc,
            t.invoices.c.paid,
            t.invoices.c.status,
            credited.c.credited,
            t.accounts.c.legal_name,
            t.accounts.c.address,
            t.accounts.c.mandate,
        )
        .join(t.accounts, t.accounts.c.account == t.invoices.c.account)
        .outerjoin(credited, credited.c.corrects == t.invoices.c.number)
        .where(t.invoices.c.due_date <= due_by, t.accounts.c.payment_method == PaymentMethod.SEPA_DEBIT)
    )
    return [_candidate(row) for row in conn.execute(query)]


def _candidate(row: Any) -> DebitCandidate:
    address: dict[str, str] = row.address
    mandate: dict[str, Any] = row.mandate
    return DebitCandidate(
        invoice=row.number,
        account=row.account,
        debtor_name=row.legal_name,
        debtor_address=structured_address(
            address["line1"], address["postcode"], address["city"], address["country"]
        ),
        mandate_reference=mandate["reference"],
        mandate_signed_on=date.fromisoformat(mandate["signed_on"]),
        iban=mandate["iban"],
        bic=mandate.get("bic"),
        issue_date=row.issue_date,
        due_date=row.due_date,
        total_ttc=Decimal(row.total_ttc),
        paid=Decimal(row.paid),
        credited=Decimal(row.credited or 0),
        status=row.status,
    )


def filed_invoices(conn: Connection) -> set[str]:
    """Invoices already in a file and not returned: never put in a second file (API.md "Exports")."""
    query = select(t.sepa_debits.c.invoice).where(t.sepa_debits.c.returned_on.is_(None))
    return set(conn.execute(query).scalars())


def collected_mandates(conn: Connection) -> set[str]:
    """Mandates whose next collection is RCUR (exports.sepa.sequence_type), replaying their debits in order.

    A collection that was not returned makes the mandate "used". A return whose reason voids the
    mandate (ledger.direct_debit.RESETS_TO_FIRST, e.g. MD01) makes the next one a FRST again; any other
    return of a FRST leaves the mandate unused, so it is presented as FRST again (EPC SDD rulebook).
    """
    from ledger.direct_debit import RESETS_TO_FIRST

    query = select(t.sepa_debits.c.mandate, t.sepa_debits.c.return_reason).order_by(
        t.sepa_debits.c.collection_date, t.sepa_debits.c.invoice
    )
    counted: set[str] = set()
    for mandate, reason in conn.execute(query):
        if reason is None:
            counted.add(mandate)
        elif reason in RESETS_TO_FIRST:
            counted.discard(mandate)
    return counted


def sepa_file(conn: Connection, collection_date: date, scheme: str) -> Any | None:
    query = select(t.sepa_files).where(
        t.sepa_files.c.collection_date == collection_date, t.sepa_files.c.scheme == scheme
    )
    return conn.execute(query).first()


class SqlDirectDebitQueries:
    """:class:`billing.services.exports.DirectDebitQueries` over the read-model tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def sepa_file(self, collection_date: date, scheme: str) -> Any | None:
        with self.engine.connect() as conn:
            return sepa_file(conn, collection_date, scheme)

    def selection_rows(self, due_by: date) -> tuple[list[DebitCandidate], set[str], set[str]]:
        with self.engine.connect() as conn:
            return debit_candidates(conn, due_by), filed_invoices(conn), collected_mandates(conn)
