"""A customer's service-level record: the order form's SLA terms and its incident tickets (art. 12, 13).

Durations and penalties are computed by the pure cases.sla from what is recorded here; a year's
penalty, once finance approves it, is granted as a penalty credit on the customer's account (§6
caps it there) and noted here so it is never granted twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.namespaces import LEDGER_NAMESPACE as _NS


class ServiceLevel(Aggregate):
    @staticmethod
    def create_id(account: str) -> UUID:
        return uuid5(_NS, f"service-level:{account}")

    @event("Opened")
    def __init__(self, account: str) -> None:
        self.account = account
        self.terms: dict[str, str] | None = None
        self.tickets: dict[str, dict[str, Any]] = {}
        self.approved: dict[str, dict[str, str]] = {}  # year -> {credit_id, amount}

    def set_terms(self, restoration_hours: str, yearly_max_hours: str, penalty_per_hour: str) -> None:
        """The order form's SLA terms (GTR, IMS, penalty HT per business hour beyond)."""
        self._terms_set(restoration_hours=restoration_hours, yearly_max_hours=yearly_max_hours,
                        penalty_per_hour=penalty_per_hour)

    @event("TermsSet")
    def _terms_set(self, restoration_hours: str, yearly_max_hours: str, penalty_per_hour: str) -> None:
        self.terms = {"restoration_hours": restoration_hours, "yearly_max_hours": yearly_max_hours,
                      "penalty_per_hour": penalty_per_hour}

    def _ticket(self, reference: str) -> dict[str, Any]:
        if reference not in self.tickets:
            raise NotFound(f"ticket {reference!r} not found")
        return self.tickets[reference]

    def open_ticket(self, reference: str, notified_at: datetime, scheduled: bool) -> None:
        """A ticket opened on the customer's notification (art. 12.4), or a scheduled interruption."""
        if reference in self.tickets:
            raise Conflict(f"ticket {reference!r} already exists")
        self._ticket_opened(reference=reference, notified_at=notified_at.isoformat(), scheduled=scheduled)

    @event("TicketOpened")
    def _ticket_opened(self, reference: str, notified_at: str, scheduled: bool) -> None:
        self.tickets[reference] = {"reference": reference, "notified_at": notified_at, "scheduled": scheduled,
                                   "confirmed_at": None, "restored_at": None}

    def confirm(self, reference: str, at: datetime) -> None:
        """FLEXIO confirmed the interruption ("constatée et confirmée", art. 12.4)."""
        ticket = self._ticket(reference)
        if ticket["confirmed_at"] is not None:
            return
        self._confirmed(reference=reference, at=at.isoformat())

    @event("TicketConfirmed")
    def _confirmed(self, reference: str, at: str) -> None:
        self.tickets[reference]["confirmed_at"] = at

    def restore(self, reference: str, at: datetime) -> None:
        """FLEXIO notified the customer that the service is restored: the end of the interruption."""
        ticket = self._ticket(reference)
        if ticket["restored_at"] is not None:
            raise Conflict(f"ticket {reference!r} is already restored")
        if at < datetime.fromisoformat(ticket["notified_at"]):
            raise InvalidInput("the restoration is before the notification", field="at")
        self._restored(reference=reference, at=at.isoformat())

    @event("ServiceRestored")
    def _restored(self, reference: str, at: str) -> None:
        self.tickets[reference]["restored_at"] = at

    def approve(self, year: int, credit_id: str, amount: str) -> None:
        if str(year) in self.approved:
            raise Conflict(f"the SLA penalty of {year} is already approved")
        self._approved(year=year, credit_id=credit_id, amount=amount)

    @event("PenaltyApproved")
    def _approved(self, year: int, credit_id: str, amount: str) -> None:
        self.approved[str(year)] = {"credit_id": credit_id, "amount": amount}
