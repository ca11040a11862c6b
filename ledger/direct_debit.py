"""SEPA direct-debit files in the ledger: which invoices each file collected, and its returns.

A file is one aggregate per (collection date, scheme): asking for the same date again finds it and
returns the stored bytes, checked against the SHA-256 recorded here. Every new file also moves the
one :class:`DirectDebitRegister`, so two files written at the same time cannot both collect one
invoice: the second save clashes on the register's version, reloads and selects again (§8 "each
invoice in at most one file").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict, InvalidInput, NotFound

_NS = uuid5(NAMESPACE_URL, "https://billing.flexio.fr/ledger/direct-debit")

# ISO 20022 / EPC reason codes of R-transactions (rejects, returns, refunds) that finance records.
RETURN_REASONS = {
    "AC01": "incorrect account number",
    "AC04": "closed account",
    "AC06": "blocked account",
    "AG01": "transaction forbidden on this account",
    "AG02": "invalid bank operation code",
    "AM04": "insufficient funds",
    "AM05": "duplicate collection",
    "BE05": "unrecognised initiating party",
    "FF01": "invalid file format",
    "MD01": "no valid mandate",
    "MD02": "missing mandatory mandate information",
    "MD06": "refund requested by the debtor",
    "MD07": "debtor deceased",
    "MS02": "refused by the debtor",
    "MS03": "reason not specified",
    "RC01": "incorrect BIC",
    "RR01": "missing debtor account or identification",
    "RR02": "missing debtor name or address",
    "RR03": "missing creditor name or address",
    "RR04": "regulatory reason",
    "SL01": "specific service offered by the debtor bank",
}
# EPC SDD rulebook: after these, the mandate is not valid any more or was never used successfully,
# so the next collection on it (after finance fixes it) is presented as FRST again.
RESETS_TO_FIRST = {"MD01", "MD02", "AC01", "AC04", "AC06", "AG01", "MD07"}


@dataclass(frozen=True, slots=True)
class DebitReturn:
    """An R-transaction on one debit: its ISO reason code and the day the bank returned it."""

    reason: str
    returned_on: date


class DirectDebitRegister(Aggregate):
    """The one register every new file moves: it serialises file creation (see module docstring)."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(_NS, "register")

    @event("Opened")
    def __init__(self) -> None:
        self.files = 0

    def note_file(self, collection_date: date, scheme: str) -> None:
        self._file_noted(collection_date=collection_date, scheme=scheme)

    @event("FileNoted")
    def _file_noted(self, collection_date: date, scheme: str) -> None:
        self.files += 1


class DirectDebitFile(Aggregate):
    """A pain.008 file as handed to the bank: its debits, its hash, then the R-transactions on it."""

    @staticmethod
    def create_id(collection_date: date | str, scheme: str) -> UUID:
        day = collection_date if isinstance(collection_date, str) else collection_date.isoformat()
        return uuid5(_NS, f"file:{day}:{scheme}")

    @classmethod
    def record(
        cls,
        collection_date: date,
        scheme: str,
        version: str,
        message_id: str,
        sha256: str,
        created_at: str,
        debits: list[dict[str, Any]],
    ) -> DirectDebitFile:
        """``debits``: one {invoice, account, amount, sequence_type, mandate} per collection."""
        if not debits:
            raise InvalidInput("a direct-debit file collects at least one invoice")
        return cls(
            collection_date=collection_date,
            scheme=scheme,
            schema=version,
            message_id=message_id,
            sha256=sha256,
            created_at=created_at,
            debits=debits,
        )

    @event("Recorded")
    def __init__(
        self,
        collection_date: date,
        scheme: str,
        schema: str,
        message_id: str,
        sha256: str,
        created_at: str,
        debits: list[dict[str, Any]],
    ) -> None:
        self.collection_date = collection_date
        self.scheme = scheme
        self.schema = schema  # pain.008 version (not ``version``: that is the aggregate's)
        self.message_id = message_id
        self.sha256 = sha256
        self.created_at = created_at
        self.debits = debits
        self.returns: dict[str, DebitReturn] = {}  # invoice -> its R-transaction

    def record_return(self, invoice: str, reason: str, returned_on: date) -> None:
        """An R-transaction (reject, return or refund) on one debit, with its ISO reason code."""
        if reason not in RETURN_REASONS:
            raise InvalidInput(f"unknown R-transaction reason code {reason!r}", field="reason")
        if not any(d["invoice"] == invoice for d in self.debits):
            raise NotFound(
                f"invoice {invoice} is not in the file of {self.collection_date.isoformat()}", field="invoice"
            )
        if invoice in self.returns:
            raise Conflict(f"the debit of invoice {invoice} was already returned", field="invoice")
        if returned_on < self.collection_date:
            raise InvalidInput("returned_on is before the collection date", field="returned_on")
        self._returned(invoice=invoice, reason=reason, returned_on=returned_on)

    @event("DebitReturned")
    def _returned(self, invoice: str, reason: str, returned_on: date) -> None:
        self.returns[invoice] = DebitReturn(reason=reason, returned_on=returned_on)
