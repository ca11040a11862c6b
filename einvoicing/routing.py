"""Which of our documents go to the plateforme agréée as e-invoices, and which are e-reported.

Issue 22: each invoice and credit note of a **French business customer** is e-invoiced (processing
rule ``B2B``); those of customers under ``reverse_charge`` (EU) and ``export`` (outside the EU) are
e-reported as international B2B transactions (flux 10.1, processing rule ``B2BInt``). Every customer of
FLEXIO is a business (a SIREN is required in France: ``ledger/customer.py``).

A customer under the ``standard`` regime outside France (Monaco counts as France for VAT, BILLING_RULES
§5) is neither a French business nor under reverse charge or export: :func:`processing_rule` returns
``None`` for it, and the decision is left to finance rather than guessed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from einvoicing.flow_info import ProcessingRule


def processing_rule(vat_regime: str, country: str, siren: str | None) -> ProcessingRule | None:
    """The processing rule of a customer's documents, or ``None`` when the issue's rules do not decide it."""
    if vat_regime in ("reverse_charge", "export"):
        return ProcessingRule.B2B_INT
    if vat_regime == "standard" and country.upper() == "FR" and siren:
        return ProcessingRule.B2B
    if vat_regime not in ("standard", "reverse_charge", "export"):
        raise ValueError(f"unknown VAT regime {vat_regime!r}")
    return None


def is_e_invoiced(vat_regime: str, country: str, siren: str | None) -> bool:
    """True when the customer's documents go to the platform as e-invoices (``B2B``)."""
    return processing_rule(vat_regime, country, siren) is ProcessingRule.B2B


def document_processing_rule(buyer: Mapping[str, Any]) -> ProcessingRule | None:
    """The processing rule of an issued document, from the buyer frozen in it (``document["buyer"]``)."""
    address = buyer.get("address") or {}
    return processing_rule(str(buyer.get("vat_regime", "")), str(address.get("country", "")), buyer.get("siren"))


def document_is_e_invoiced(document: Mapping[str, Any]) -> bool:
    """True when an issued document goes to the platform as an e-invoice (its buyer as frozen at issue)."""
    buyer = document.get("buyer")
    return isinstance(buyer, Mapping) and document_processing_rule(buyer) is ProcessingRule.B2B
