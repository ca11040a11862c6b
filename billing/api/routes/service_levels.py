"""SLA terms, incident tickets and penalty proposals of a customer (art. 12, 13; BILLING_RULES §6)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from billing.api.deps import AdminDep, ServiceLevelsDep
from billing.commands.service_levels import IncidentStep, OpenIncident, SetSlaTerms

router = APIRouter(prefix="/v1/admin/customers/{account}", tags=["service levels"])

Year = Path(ge=2000, le=2999)


class SlaTermsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    restoration_hours: str = Field(description="GTR: business hours to restore the service")
    yearly_max_hours: str = Field(description="IMS: business hours of interruption a calendar year")
    penalty_per_hour: str = Field(description="penalty HT per business hour beyond")


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(max_length=64)
    notified_at: str = Field(description="ISO 8601 with offset: the ticket time")
    scheduled: bool = False


class AtIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str = Field(description="ISO 8601 with offset")


@router.put("/sla-terms")
def set_sla_terms(account: str, body: SlaTermsIn, service_levels: ServiceLevelsDep, _: AdminDep) -> dict[str, Any]:
    """The order form's SLA terms."""
    return service_levels.set_terms(account, SetSlaTerms.from_request(body.model_dump()))


@router.post("/incidents", status_code=201)
def open_incident(account: str, body: IncidentIn, service_levels: ServiceLevelsDep, _: AdminDep) -> dict[str, Any]:
    """An incident ticket (notified by the customer, or a scheduled interruption)."""
    return service_levels.open_ticket(account, OpenIncident.from_request(body.model_dump()))


@router.post("/incidents/{reference}/confirm")
def confirm_incident(account: str, reference: str, body: AtIn, service_levels: ServiceLevelsDep, _: AdminDep) -> dict[str, Any]:
    """FLEXIO confirmed the interruption (art. 12.4)."""
    return service_levels.confirm(account, IncidentStep.from_request(reference, body.model_dump()))


@router.post("/incidents/{reference}/restore")
def restore_incident(account: str, reference: str, body: AtIn, service_levels: ServiceLevelsDep, _: AdminDep) -> dict[str, Any]:
    """FLEXIO notified the restoration: the end of the interruption."""
    return service_levels.restore(account, IncidentStep.from_request(reference, body.model_dump()))


@router.get("/incidents")
def list_incidents(account: str, service_levels: ServiceLevelsDep, _: AdminDep) -> dict[str, Any]:
    """Tickets with their durations in business hours."""
    return {"incidents": service_levels.incidents(account)}


@router.get("/sla-penalties/{year}")
def sla_penalty(account: str, service_levels: ServiceLevelsDep, _: AdminDep, year: int = Year) -> dict[str, Any]:
    """The proposed penalty of a calendar year (pro rata in the first year)."""
    return service_levels.proposal(account, year)


@router.post("/sla-penalties/{year}/approve")
def approve_sla_penalty(account: str, service_levels: ServiceLevelsDep, _: AdminDep, year: int = Year) -> dict[str, Any]:
    """Grant the year's proposal as a penalty credit, capped per §6."""
    return service_levels.approve(account, year)
