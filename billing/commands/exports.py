"""Commands of the SEPA direct-debit export (API.md "Exports")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from exports.sepa import DEFAULT_VERSION
from ledger.errors import InvalidInput
from ledger.input_checks import require_date


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
