"""SLA terms, incident tickets and yearly penalty proposals of a customer (art. 12, 13; §6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from billing.commands.accounts import GrantPenaltyCredit
from billing.commands.service_levels import IncidentStep, OpenIncident, SetSlaTerms
from billing.persistence.eventstore import Ledger
from billing.services.accounts import AccountService
from billing.services.aggregates import find_aggregate, run_command
from cases.business_calendar import PARIS
from cases.sla import SlaTerms, Ticket, measure, year_penalty
from ledger.clock import Clock, today
from ledger.errors import Conflict
from ledger.identifiers import validate_account_id
from ledger.input_checks import decimal_str, money_str
from ledger.money import Money
from ledger.service_level import PenaltyApproval, ServiceLevel


def _terms(level: ServiceLevel) -> SlaTerms:
    if level.terms is None:
        raise Conflict(f"account {level.account!r} has no SLA terms")
    terms = level.terms
    return SlaTerms(terms.restoration_hours, terms.yearly_max_hours, terms.penalty_per_hour)


def incident_tickets(level: ServiceLevel) -> list[Ticket]:
    """The level's tickets as the pure SLA measures read them (cases.sla); also the signals report's."""
    return [
        Ticket(
            reference=t.reference,
            notified_at=t.notified_at,
            confirmed=t.confirmed_at is not None,
            restored_at=t.restored_at,
            scheduled=t.scheduled,
        )
        for t in level.tickets.values()
    ]


def _approval_view(approval: PenaltyApproval | None) -> dict[str, str] | None:
    return None if approval is None else {"credit_id": approval.credit_id, "amount": money_str(approval.amount)}


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

    def set_terms(self, account: str, command: SetSlaTerms) -> dict[str, Any]:
        self._run(account, lambda level: level.set_terms(
            command.restoration_hours, command.yearly_max_hours, command.penalty_per_hour
        ))
        return {
            "account": account,
            "restoration_hours": decimal_str(command.restoration_hours),
            "yearly_max_hours": decimal_str(command.yearly_max_hours),
            "penalty_per_hour": decimal_str(command.penalty_per_hour),
        }

    def open_ticket(self, account: str, command: OpenIncident) -> dict[str, Any]:
        self._run(account, lambda level: level.open_ticket(command.reference, command.notified_at, command.scheduled))
        return self.incident(account, command.reference)

    def confirm(self, account: str, command: IncidentStep) -> dict[str, Any]:
        """FLEXIO confirmed the interruption (art. 12.4): the business hours count from then."""
        self._run(account, lambda level: level.confirm(command.reference, command.at))
        return self.incident(account, command.reference)

    def restore(self, account: str, command: IncidentStep) -> dict[str, Any]:
        """FLEXIO notified the restoration: the end of the interruption."""
        self._run(account, lambda level: level.restore(command.reference, command.at))
        return self.incident(account, command.reference)

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
        for ticket in incident_tickets(level):
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
        p = year_penalty(_terms(level), incident_tickets(level), contract.service_start, year)
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
            "approved": _approval_view(level.approved.get(str(year))),
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
        granted: dict[str, Any]
        if existing is not None:  # granted by a run that stopped before noting the approval: note it now
            granted = {"id": credit_id, "requested": str(existing.requested), "granted": str(existing.granted),
                       "capped": existing.capped}
        else:
            granted = self.accounts.grant_penalty_credit(proposal["account"], GrantPenaltyCredit(
                credit_id=credit_id,
                amount=Money.of(proposal["amount"]),
                reason=f"SLA {year}: {proposal['penalty_hours']} business hours beyond the order form's terms (art. 13)",
                incident_on=date.fromisoformat(proposal["incident_on"]),
                granted_on=on,
            ))
        self._run(proposal["account"], lambda level: level.approve(year, credit_id, Money.of(granted["granted"])))
        return {**proposal, "approved": {"credit_id": credit_id, "amount": granted["granted"]}, "credit": granted}


