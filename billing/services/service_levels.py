"""SLA terms, incident tickets and yearly penalty proposals of a customer (art. 12, 13; §6)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from billing.commands.accounts import GrantPenaltyCredit
from billing.persistence.eventstore import Ledger
from billing.services.accounts import AccountService
from billing.services.aggregates import find_aggregate, run_command
from cases.calendar import PARIS
from cases.sla import SlaTerms, Ticket, measure, year_penalty
from ledger.clock import Clock, today
from ledger.errors import Conflict, InvalidInput
from ledger.identifiers import validate_account_id
from ledger.input_checks import decimal_str, require_decimal, require_positive_decimal, require_text
from ledger.service_level import ServiceLevel


def require_instant(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be an ISO 8601 date-time with its offset", field=field)
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} must be an ISO 8601 date-time with its offset", field=field) from None
    if instant.tzinfo is None:
        raise InvalidInput(f"{field} needs its UTC offset (e.g. +01:00)", field=field)
    return instant


def _terms(level: ServiceLevel) -> SlaTerms:
    if level.terms is None:
        raise Conflict(f"account {level.account!r} has no SLA terms")
    return SlaTerms(*(Decimal(level.terms[k]) for k in ("restoration_hours", "yearly_max_hours", "penalty_per_hour")))


def _tickets(level: ServiceLevel) -> list[Ticket]:
    return [
        Ticket(
            reference=t["reference"],
            notified_at=datetime.fromisoformat(t["notified_at"]),
            confirmed=t["confirmed_at"] is not None,
            restored_at=None if t["restored_at"] is None else datetime.fromisoformat(t["restored_at"]),
            scheduled=t["scheduled"],
        )
        for t in level.tickets.values()
    ]


def _hours(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


class ServiceLevelService:
    def __init__(self, ledger: Ledger, accounts: AccountService, clock: Clock) -> None:
        self.ledger = ledger
        self.accounts = accounts
        self.clock = clock

    def _run(self, account: str, command: Any) -> Any:
        code = validate_account_id(account)
        self.accounts.get(code)  # 404 for an unknown account
        return run_command(self.ledger, ServiceLevel.create_id(code), command, what=f"service level of {code!r}",
                           create=lambda: ServiceLevel(account=code))

    def set_terms(self, account: str, body: dict[str, Any]) -> dict[str, Any]:
        values = {
            "restoration_hours": decimal_str(require_positive_decimal(body.get("restoration_hours"), "restoration_hours")),
            "yearly_max_hours": decimal_str(require_decimal(body.get("yearly_max_hours"), "yearly_max_hours")),
            "penalty_per_hour": decimal_str(require_positive_decimal(body.get("penalty_per_hour"), "penalty_per_hour",
                                                                     max_places=2)),
        }
        if Decimal(values["yearly_max_hours"]) < 0:
            raise InvalidInput("yearly_max_hours must not be negative", field="yearly_max_hours")
        self._run(account, lambda level: level.set_terms(**values))
        return {"account": account, **values}

    def open_ticket(self, account: str, body: dict[str, Any]) -> dict[str, Any]:
        reference = require_text(body.get("reference"), "reference", max_length=64)
        notified_at = require_instant(body.get("notified_at"), "notified_at")
        scheduled = body.get("scheduled", False)
        if not isinstance(scheduled, bool):
            raise InvalidInput("scheduled must be true or false", field="scheduled")
        self._run(account, lambda level: level.open_ticket(reference, notified_at, scheduled))
        return self.incident(account, reference)

    def confirm(self, account: str, reference: str, body: dict[str, Any]) -> dict[str, Any]:
        at = require_instant(body.get("at"), "at")
        self._run(account, lambda level: level.confirm(reference, at))
        return self.incident(account, reference)

    def restore(self, account: str, reference: str, body: dict[str, Any]) -> dict[str, Any]:
        at = require_instant(body.get("at"), "at")
        self._run(account, lambda level: level.restore(reference, at))
        return self.incident(account, reference)

    def _level(self, account: str) -> ServiceLevel:
        code = validate_account_id(account)
        self.accounts.get(code)
        level = find_aggregate(self.ledger, ServiceLevel.create_id(code))
        if level is None:
            raise Conflict(f"account {code!r} has no SLA terms")
        assert isinstance(level, ServiceLevel)
        return level

    def incidents(self, account: str) -> list[dict[str, Any]]:
        level = self._level(account)
        terms = _terms(level)
        out = []
        for ticket in _tickets(level):
            m = measure(ticket, terms)
            out.append({
                "reference": ticket.reference,
                "notified_at": ticket.notified_at.astimezone(PARIS).isoformat(),
                "scheduled": ticket.scheduled,
                "confirmed": ticket.confirmed,
                "restored_at": None if ticket.restored_at is None else ticket.restored_at.astimezone(PARIS).isoformat(),
                "status": m.status,
                "counted_from": None if m.counted_from is None else m.counted_from.isoformat(),
                "business_hours": _hours(m.business_hours),
                "counted_hours": _hours(m.counted_hours),
                "beyond_restoration_hours": _hours(m.beyond_restoration),
            })
        return out

    def incident(self, account: str, reference: str) -> dict[str, Any]:
        return next(i for i in self.incidents(account) if i["reference"] == reference)

    def proposal(self, account: str, year: int) -> dict[str, Any]:
        level = self._level(account)
        contract = self.accounts.get(level.account).contract
        if contract is None:
            raise Conflict(f"account {level.account!r} has no contract")
        p = year_penalty(_terms(level), _tickets(level), contract.service_start, year)
        return {
            "account": level.account,
            "year": year,
            "allowance_hours": _hours(p.allowance_hours),
            "interruption_hours": _hours(p.interruption_hours),
            "ims_excess_hours": _hours(p.ims_excess_hours),
            "gtr_excess_hours": _hours(p.gtr_excess_hours),
            "penalty_hours": _hours(p.penalty_hours),
            "amount": f"{p.amount:.2f}",
            "incident_on": None if p.incident_on is None else p.incident_on.isoformat(),
            "tickets": list(p.tickets),
            "approved": level.approved.get(str(year)),
        }

    def approve(self, account: str, year: int) -> dict[str, Any]:
        """Grant the year's proposal as a penalty credit (§6 caps it) once the year is over."""
        on = today(self.clock)
        if year >= on.year:
            raise Conflict(f"the penalties of {year} are counted once the calendar year is over (art. 13)")
        proposal = self.proposal(account, year)
        if proposal["approved"] is not None:
            raise Conflict(f"the SLA penalty of {year} is already approved")
        if Decimal(proposal["amount"]) <= 0 or proposal["incident_on"] is None:
            raise Conflict(f"no SLA penalty is due for {year}")
        credit_id = f"sla-{year}"
        existing = next((c for c in self.accounts.get(proposal["account"]).penalty_credits if c.credit_id == credit_id), None)
        if existing is not None:  # granted by a run that stopped before noting the approval: note it now
            granted = {"id": credit_id, "requested": str(existing.requested), "granted": str(existing.granted),
                       "capped": existing.capped}
        else:
            granted = self.accounts.grant_penalty_credit(proposal["account"], GrantPenaltyCredit.from_request({
                "id": credit_id,
                "amount": proposal["amount"],
                "reason": f"SLA {year}: {proposal['penalty_hours']} business hours beyond the order form's terms (art. 13)",
                "incident_on": proposal["incident_on"],
                "granted_on": on.isoformat(),
            }))
        self._run(proposal["account"], lambda level: level.approve(year, credit_id, granted["granted"]))
        return {**proposal, "approved": {"credit_id": credit_id, "amount": granted["granted"]}, "credit": granted}


