"""Commands and queries of the exports (API.md "Exports"): SEPA files and returns, the workbook, the FEC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from exports.sepa import DEFAULT_VERSION
from ledger.errors import InvalidInput
from ledger.input_checks import require_date
from ledger.months import Month


@dataclass(frozen=True)
class ExportSepa:
    """The pain.008 file of a collection date (the stored one when it was already written)."""

    collection_date: date
    scheme: str = "CORE"
    version: str = DEFAULT_VERSION

    @classmethod
    def from_request(cls, payload: Any) -> ExportSepa:
        """The body checked in the order the API always answered: object, date, then strings."""
        if not isinstance(payload, dict):
            raise InvalidInput("the body must be a JSON object")
        day = require_date(payload.get("collection_date"), "collection_date")
        scheme = payload.get("scheme", "CORE")
        version = payload.get("version", DEFAULT_VERSION)
        if not isinstance(scheme, str) or not isinstance(version, str):
            raise InvalidInput("scheme and version are strings", field="scheme")
        return cls(day, scheme, version)


@dataclass(frozen=True)
class RecordDirectDebitReturn:
    """An R-transaction from the bank on one debit of a file, with its ISO reason code."""

    invoice: str
    collection_date: date
    returned_on: date
    reason: str
    scheme: str = "CORE"

    @classmethod
    def from_request(cls, payload: Any) -> RecordDirectDebitReturn:
        if not isinstance(payload, dict):
            raise InvalidInput("the body must be a JSON object")
        invoice = payload.get("invoice")
        day = require_date(payload.get("collection_date"), "collection_date")
        returned_on = require_date(payload.get("returned_on"), "returned_on")
        reason = payload.get("reason")
        scheme = payload.get("scheme", "CORE")
        if not isinstance(scheme, str) or not isinstance(invoice, str) or not isinstance(reason, str):
            raise InvalidInput("invoice, reason and scheme are strings", field="invoice")
        return cls(invoice, day, returned_on, reason, scheme)


@dataclass(frozen=True)
class WorkbookPeriod:
    """The issue months of the accountants' workbook: the first day of ``from`` to the last day of ``to``."""

    start: date
    end: date

    @classmethod
    def from_request(cls, start_text: Any, end_text: Any) -> WorkbookPeriod:
        """``from``/``to`` as YYYY-MM, checked in the order the API always answered (422 reversed on ``to``)."""
        try:
            first = Month.parse(start_text)
        except (ValueError, TypeError, InvalidInput):
            raise InvalidInput(f"from {start_text!r} is not a month YYYY-MM", field="from") from None
        try:
            last = Month.parse(end_text)
        except (ValueError, TypeError, InvalidInput):
            raise InvalidInput(f"to {end_text!r} is not a month YYYY-MM", field="to") from None
        if last < first:
            raise InvalidInput(f"the range is reversed: from {first} is after to {last}", field="to")
        return cls(first.first_day, last.last_day)


@dataclass(frozen=True)
class FecYear:
    """The calendar year of a FEC (LPF art. A47 A-1), 2000 to 2999."""

    year: int

    @classmethod
    def from_request(cls, text: Any) -> FecYear:
        """``year`` as YYYY (or an int); 422 on ``year`` otherwise."""
        if isinstance(text, int) and not isinstance(text, bool):
            value = text
        elif isinstance(text, str) and text.isdigit() and len(text) == 4:
            value = int(text)
        else:
            raise InvalidInput(f"year {text!r} is not a year YYYY", field="year")
        if not 2000 <= value <= 2999:
            raise InvalidInput(f"year {value} is out of range", field="year")
        return cls(value)

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)
