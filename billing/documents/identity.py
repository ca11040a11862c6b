"""The seller from the settings and the buyers from the accounts read model, as frozen at issue."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from billing.persistence import tables as t
from billing.settings import Settings
from invoices.document import Buyer, Seller


def seller_from_settings(settings: Settings) -> Seller:
    """BILLING_RULES §1b: FLEXIO's identity, VAT number, bank account and SEPA creditor id are settings."""
    return Seller(
        name=settings.seller_name,
        legal_form_capital=f"SAS au capital de {settings.seller_capital}",
        line1=settings.seller_street,
        postcode=settings.seller_postcode,
        city=settings.seller_city,
        country=settings.seller_country,
        rcs=settings.seller_rcs,
        siren=settings.seller_siren,
        vat_number=settings.seller_vat_number,
        email=settings.seller_email,
        website=settings.seller_website,
        iban=settings.sepa_creditor_iban,
        bic=settings.sepa_creditor_bic,
        creditor_id=settings.sepa_creditor_id,
    )


def load_buyers(conn: Connection, accounts: Iterable[str]) -> dict[str, Buyer]:
    """The current identity of each account: called at issue, the result is frozen in the document."""
    wanted = list(accounts)
    if not wanted:
        return {}
    a = t.accounts.c
    rows = conn.execute(select(t.accounts).where(a.account.in_(wanted))).mappings().all()
    buyers: dict[str, Buyer] = {}
    for row in rows:
        mandate = row["mandate"]
        buyers[row["account"]] = Buyer(
            account=row["account"],
            legal_name=row["legal_name"],
            address=dict(row["address"] or {}),
            siren=row["siren"],
            vat_number=row["vat_number"],
            vat_regime=row["vat_regime"],
            billing_email=row["billing_email"],
            payment_method=row["payment_method"] or "transfer",
            mandate=None
            if not mandate
            else {"reference": mandate.get("reference"), "signed_on": mandate.get("signed_on"),
                  "iban": mandate.get("iban"), "bic": mandate.get("bic")},
        )
    return buyers
