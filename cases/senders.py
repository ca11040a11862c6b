"""Which customer wrote: by billing email, else by the domain of the billing email.

A domain shared by several customers, or a public webmail domain, matches nobody: the case is then
kept and flagged ``unknown_sender`` for finance, never dropped (issue 13).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["PUBLIC_DOMAINS", "SenderDirectory"]

PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "hotmail.com", "hotmail.fr", "outlook.com",
        "outlook.fr", "live.com", "live.fr", "msn.com", "orange.fr", "wanadoo.fr", "free.fr", "sfr.fr",
        "laposte.net", "icloud.com", "me.com", "gmx.fr", "gmx.com", "proton.me", "protonmail.com", "aol.com",
        "bbox.fr", "neuf.fr",
    }
)


class SenderDirectory:
    """Billing emails of the customers, indexed once (a poll matches many messages)."""

    def __init__(self, customers: Iterable[tuple[str, str]]) -> None:
        self._by_email: dict[str, str] = {}
        by_domain: dict[str, set[str]] = {}
        for account, billing_email in customers:
            address = billing_email.strip().lower()
            self._by_email.setdefault(address, account)
            domain = address.rpartition("@")[2]
            if domain and domain not in PUBLIC_DOMAINS:
                by_domain.setdefault(domain, set()).add(account)
        self._by_domain = {d: next(iter(a)) for d, a in by_domain.items() if len(a) == 1}

    def match(self, sender: str) -> str | None:
        address = sender.strip().lower()
        if not address:
            return None
        if address in self._by_email:
            return self._by_email[address]
        return self._by_domain.get(address.rpartition("@")[2])
