"""Money received for an invoice (API.md "POST /v1/admin/customers/{account}/payments"), run by ``PaymentService``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordPayment:
    """A payment received for one invoice of the account.

    ``amount`` and ``received_on`` are kept as the request gave them: the service looks the invoice
    up first (404 on an unknown invoice, 422 on another account's) and checks them after, in the
    order the API always answered, so a bad amount on an unknown invoice is still the 404.
    """

    invoice: str
    amount: str
    received_on: str
    method: str
    reference: str = ""
