"""A customer's service-level record: the order form's SLA terms and its incident tickets (art. 12, 13).

Durations and penalties are computed by the pure cases.sla from what is recorded here; a year's
penalty, once finance approves it, is granted as a penalty credit on the customer's account (§6
caps it there) and noted here so it is never granted twice. The state is typed records (Decimal, instants, Money);
ledger/transcodings.py stores them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.money import Money
from ledger.namespaces import LEDGER_NAMESPACE as _NS


@dataclass(frozen=True, slots=True)
class ServiceTerms:
    """The order form's SLA terms (art. 12.8, 13)."""

    restoration_hours: Decimal  # GTR: business hours to restore, per ticket
    yearly_max_hours: Decimal  # IMS: business hours of interruption a calendar year
    penalty_per_hour: Decimal  # HT, per business hour beyond


@dataclass(frozen=True, slots=True)
class IncidentTicket:
    """An incident as recorded: notified by the customer or scheduled, confirmed, restored (art. 12.4)."""

    reference: str
    notified_at: datetime
    scheduled: bool
    confirmed_at: datetime | None = None
    restored_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PenaltyApproval:
    """A year's penalty granted as the penalty credit ``credit_id`` of ``amount`` (after the §6 cap)."""

    credit_id: str
    amount: Money


class ServiceLevel(Aggregate):
    @staticmethod
    def create_id(account: str) -> UUID:
        return uuid5(_NS, f"service-level:{account}")

    @event("Opened")
    def __init__(self, account: str) -> None:
        self.account = account
        self.terms: ServiceTerms | None = None
        self.tickets: dict[str, IncidentTicket] = {}
        # Keyed by the year as text: a snapshot's JSON object keys come back as text.
        self.approved: dict[str, PenaltyApproval] = {}

    def set_terms(self, restoration_hours: Decimal, yearly_max_hours: Decimal, penalty_per_hour: Decimal) -> None:
        """The order form's SLA terms (GTR, IMS, penalty HT per business hour beyond)."""
        self._terms_set(restoration_hours=restoration_hours, yearly_max_hours=yearly_max_hours,
                        penalty_per_hour=penalty_per_hour)

    @event("TermsSet")
    def _terms_set(self, restoration_hours: Decimal, yearly_max_hours: Decimal, penalty_per_hour: Decimal) -> None:
        self.terms = ServiceTerms(restoration_hours=restoration_hours, yearly_max_hours=yearly_max_hours,
                                  penalty_per_hour=penalty_per_hour)

    def _ticket(self, reference: str) -> IncidentTicket:
        if reference not in self.tickets:
            raise NotFound(f"ticket {reference!r} not found")
        return self.tickets[reference]

    def open_ticket(self, reference: str, notified_at: datetime, scheduled: bool) -> None:
        """A ticket opened on the customer's notification (art. 12.4), or a scheduled interruption."""
        if reference in self.tickets:
            raise Conflict(f"ticket {reference!r} already exists")
        self._ticket_opened(reference=reference, notified_at=notified_at, scheduled=scheduled)

    @event("TicketOpened")
    def _ticket_opened(self, reference: str, notified_at: datetime, scheduled: bool) -> None:
        self.tickets[reference] = IncidentTicket(reference=reference, notified_at=notified_at, scheduled=scheduled)

    def confirm(self, reference: str, at: datetime) -> None:
        """FLEXIO confirmed the interruption ("constatée et confirmée", art. 12.4)."""
        ticket = self._ticket(reference)
        if ticket.confirmed_at is not None:
            return
        self._confirmed(reference=reference, at=at)

    @event("TicketConfirmed")
    def _confirmed(self, reference: str, at: datetime) -> None:
        self.tickets[reference] = replace(self.tickets[reference], confirmed_at=at)

    def restore(self, reference: str, at: datetime) -> None:
        """FLEXIO notified the customer that the service is restored: the end of the interruption."""
        ticket = self._ticket(reference)
        if ticket.restored_at is not None:
            raise Conflict(f"ticket {reference!r} is already restored")
        if at < ticket.notified_at:
            raise InvalidInput("the restoration is before the notification", field="at")
        self._restored(reference=reference, at=at)

    @event("ServiceRestored")
    def _restored(self, reference: str, at: datetime) -> None:
        self.tickets[reference] = replace(self.tickets[reference], restored_at=at)

    def approve(self, year: int, credit_id: str, amount: Money) -> None:
        if str(year) in self.approved:
            raise Conflict(f"the SLA penalty of {year} is already approved")
        self._approved(year=year, credit_id=credit_id, amount=amount)

    @event("PenaltyApproved")
    def _approved(self, year: int, credit_id: str, amount: Money) -> None:
        self.approved[str(year)] = PenaltyApproval(credit_id=credit_id, amount=amount)
