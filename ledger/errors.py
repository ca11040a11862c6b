"""The domain's error hierarchy. The API maps each kind to one status code (API.md "Errors")."""

from __future__ import annotations

from typing import Any


class BillingError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "billing_error"

    def __init__(self, message: str, *, field: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class InvalidInput(BillingError):
    """A command whose data breaks a rule: answered 422, nothing written."""

    code = "invalid"


class NotFound(BillingError):
    """An unknown account, invoice, grid or month: answered 404."""

    code = "not_found"


class Conflict(BillingError):
    """A command that clashes with the ledger's state: answered 409."""

    code = "conflict"


class Unavailable(BillingError):
    """The service cannot answer with current data now (read models behind or stopped, database
    unreachable): answered 503 with ``Retry-After`` (API.md "Operations and audit"). Never a 500,
    and never an answer about money computed from read models that miss stored events."""

    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int = 5, details: object = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after
