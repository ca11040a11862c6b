"""Our 212 Encaissée from an issued invoice (issue 22, item 4): when it is due, and what it says.

FLEXIO sells services: their VAT is due when the price is collected, unless FLEXIO opted to pay it on
the debits ("option pour le paiement de la taxe d'après les débits"). So when an e-invoiced invoice
(a French business customer, :mod:`einvoicing.routing`) is fully paid and FLEXIO has not taken that
option, the seller reports the amount collected at each VAT rate with a 212 Encaissée (BR-FR-CDV-14).
Our invoices carry one VAT rate (``vat_rate`` of the issued document), hence one amount.

The buyer's electronic address (MDT-73) is its SIREN under scheme 0225, as in the official example
(``URIID schemeID="0225"`` 200000008 for the buyer whose SIREN is 200000008); a directory lookup of
the real address is for the adapter, when the platform's directory is wired.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from einvoicing.cdar import CollectedAtRate, Encaissee, PartyId, TradeParty
from einvoicing.routing import is_e_invoiced
from ledger.money import Money


def emits_encaissee(document: Mapping[str, Any], *, vat_on_debits: bool) -> bool:
    """Whether paying this issued document in full calls for a 212 Encaissée from us."""
    if vat_on_debits or document.get("document_type", "invoice") != "invoice":
        return False
    buyer = document["buyer"]
    return is_e_invoiced(str(buyer["vat_regime"]), str(buyer["address"]["country"]), buyer.get("siren"))


def encaissee_of_invoice(
    document: Mapping[str, Any],
    *,
    collected: Money,
    deposited_at: datetime,
    collected_at: datetime,
    created_at: datetime,
    tax_platform: TradeParty | None = None,
) -> Encaissee:
    """The Encaissée of an issued invoice whose ``collected`` amount (TTC) was received.

    ``deposited_at`` is when the platform recorded the invoice Déposée (its 200), ``collected_at`` when
    the payment was received, ``created_at`` when the message is written.
    """
    if collected.amount <= 0:
        raise ValueError("an Encaissée reports an amount received: more than zero")
    seller, buyer = document["seller"], document["buyer"]
    if not buyer.get("siren"):
        raise ValueError("the buyer has no SIREN: its invoices are not e-invoiced")
    return Encaissee(
        invoice_number=str(document["number"]),
        invoice_date=date.fromisoformat(str(document["issue_date"])),
        deposited_at=deposited_at,
        collected_at=collected_at,
        created_at=created_at,
        seller=TradeParty(ids=(PartyId(str(seller["siren"]), "0002"),), name=str(seller["name"])),
        buyer=TradeParty(
            ids=(PartyId(str(buyer["siren"]), "0002"),),
            name=str(buyer["legal_name"]),
            electronic_address=PartyId(str(buyer["siren"]), "0225"),
        ),
        collected=(CollectedAtRate(rate=Decimal(str(document["vat_rate"])), amount=collected.to_cents()),),
        tax_platform=tax_platform,
    )
