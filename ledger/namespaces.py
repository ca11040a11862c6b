"""The uuid5 namespace of the ledger's natural-key aggregate ids (defined once, used by each aggregate).

An id is ``uuid5(LEDGER_NAMESPACE, "<kind>:<natural key>")``: an invoice number, an account and a
month, a case's message id. Changing it would orphan every stored aggregate.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, uuid5

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "https://billing.flexio.fr/ledger")
