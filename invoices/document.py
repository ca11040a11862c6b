"""What an issued invoice or credit note says, with the seller and the buyer frozen at issue.

An invoice is a legal document: the identities printed on it are those of the day it was issued
(Code de commerce L441-9, CGI 242 nonies A). They are copied into the ``Invoice.Issued`` event's
document, so a later change of the customer's address or VAT number never changes an issued
invoice, its PDF or its Factur-X XML. Pure: no IO, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ledger.months import Month

__all__ = ["Buyer", "Seller", "issued_document"]


@dataclass(frozen=True)
class Seller:
    """FLEXIO as printed on every invoice (BILLING_RULES §1b: settings with these defaults)."""

    name: str
    legal_form_capital: str
    line1: str
    postcode: str
    city: str
    country: str
    rcs: str
    siren: str
    vat_number: str
    email: str
    website: str
    iban: str = ""
    bic: str = ""
    creditor_id: str = ""

    def to_dict(self) -> dict[str, str]:
        # Field by field, not dataclasses.asdict: its deep copy was a sixth of a close (every field is text).
        return {name: getattr(self, name) for name in _SELLER_FIELDS}


@dataclass(frozen=True)
class Buyer:
    """The customer as it was on the issue date (§5: regime and payment method; art. 10.2)."""

    account: str
    legal_name: str
    address: dict[str, str]
    siren: str | None
    vat_number: str | None
    vat_regime: str
    billing_email: str
    payment_method: str
    mandate: dict[str, Any] | None = None
    branding_removal: bool = False  # art. 8: no FLEXIO mention in mails
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Every field but ``extra``; the address and the mandate copied, so a document never shares
        a mapping with the buyer it was made from."""
        return {name: _copied(getattr(self, name)) for name in _BUYER_FIELDS}


def _copied(value: Any) -> Any:
    """A deep copy of plain data (mappings and lists of text, numbers, dates), as ``asdict`` made."""
    if type(value) is dict:
        return {key: _copied(item) for key, item in value.items()}
    if type(value) is list:
        return [_copied(item) for item in value]
    return value


_SELLER_FIELDS = tuple(f.name for f in fields(Seller))
_BUYER_FIELDS = tuple(f.name for f in fields(Buyer) if f.name != "extra")


def issued_document(number: str, draft: dict[str, Any], seller: Seller, buyer: Buyer) -> dict[str, Any]:
    """The document an ``Invoice.Issued`` event carries: the draft, its number and both identities.

    ``branding_removal`` is true when the invoice bills the option (art. 8), i.e. the customer had it
    during the month: its mails then carry no FLEXIO mention.
    """
    branding = any(line.get("kind") == "branding_removal" for line in draft.get("lines", []))
    frozen_buyer = Buyer(
        account=buyer.account,
        legal_name=buyer.legal_name,
        address=dict(buyer.address),
        siren=buyer.siren,
        vat_number=buyer.vat_number,
        vat_regime=buyer.vat_regime,
        billing_email=buyer.billing_email,
        payment_method=buyer.payment_method,
        mandate=None if buyer.mandate is None else dict(buyer.mandate),
        branding_removal=branding or buyer.branding_removal,
    )
    month = Month.parse(draft["month"])
    return {
        "number": number,
        "document_type": "invoice",
        **draft,
        "period_start": month.first_day.isoformat(),  # date of the service (L441-9)
        "period_end": month.last_day.isoformat(),
        "seller": seller.to_dict(),
        "buyer": frozen_buyer.to_dict(),
    }
