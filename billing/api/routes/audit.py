"""The audit (API.md "Operations and audit", issue 18): the invariants over the real outputs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from billing.api.deps import AdminDep, AuditDep

router = APIRouter(prefix="/v1/admin", tags=["operations"])


@router.get("/audit")
def audit(audit: AuditDep, _: AdminDep) -> dict[str, Any]:
    """Check every invariant over the FEC, the workbook, SEPA files, receivables and documents as exported."""
    return audit.run().as_dict()
