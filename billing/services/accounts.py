"""Customer accounts and their contracts (API.md "Customers and their contracts").

Each use case loads one :class:`CustomerAccount`, runs one command and saves it; prices it needs
(the plan at service start, a support pack, the termination indemnity) come from the grid in force.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Protocol

from billing.commands.accounts import (
    AcceptOption,
    EndOption,
    GrantPenaltyCredit,
    NotifyTermination,
    RecordIntervention,
    RecordSupportHours,
    RegisterCustomer,
    SignContract,
)
from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate, get_aggregate, run_command
from billing.services.catalogue import CatalogueService
from billing.services.ports import ReadModels
from invoices.usage_statement import OverageTerms
from ledger.account import CustomerAccount
from ledger.clock import Clock
from ledger.contract_terms import TerminationOutcome
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.grid import PriceGrid
from ledger.identifiers import validate_account_id
from ledger.money import Money
from ledger.months import Month
from pricing.monthly_fees import recurring_monthly_fees
from pricing.proration import month_cap
from pricing.termination import early_termination_indemnity

__all__ = ["AccountQueries", "AccountService", "recurring_monthly_fees"]

class AccountQueries(Protocol):
    """What the account use cases read from the invoice read model."""

    def invoice_totals(self, account: str) -> dict[str, tuple[Money, Money]]:
        """Invoice number -> (total HT, total TTC) of the account's invoices (§6: payments count HT)."""


class AccountService:
    def __init__(
        self,
        ledger: Ledger,
        queries: AccountQueries,
        read_models: ReadModels,
        catalogue: CatalogueService,
        clock: Clock,
    ) -> None:
        self.ledger = ledger
        self.queries = queries
        self.read_models = read_models
        self.catalogue = catalogue
        self.clock = clock

    # -- helpers ---------------------------------------------------------------------------------

    def _run(self, account: str, command: Any) -> Any:
        code = validate_account_id(account)
        return run_command(
            self.ledger,
            CustomerAccount.create_id(code),
            command,
            what=f"account {code!r}",
            after_save=self.read_models.refresh,
        )

    def _grid_on(self, day: date, field: str) -> PriceGrid:
        try:
            return self.catalogue.in_force(day)
        except NotFound:
            raise InvalidInput(f"no price grid is in force on {day.isoformat()}", field=field) from None

    def get(self, account: str) -> CustomerAccount:
        code = validate_account_id(account)
        return get_aggregate(self.ledger, CustomerAccount.create_id(code), f"account {code!r}")

    def month_cap(self, account: str, month: Month) -> int | None:
        """§4, §5.4: the credits included in ``month`` (grid in force on its 1st, prorated), None without contract."""
        customer = self.get(account)
        contract = customer.contract
        if contract is None:
            return None
        grid = self.catalogue.in_force(month.first_day)
        end = customer.termination.effective_end if customer.termination else None
        return month_cap(grid.plan(contract.plan).included_credits, month, contract.service_start, end)

    def month_overage_terms(self, account: str, month: Month) -> OverageTerms | None:
        """The overage price of the plan in force on ``month``'s 1st (art. 4, 10.1), None without contract."""
        contract = self.get(account).contract
        if contract is None:
            return None
        plan = self.catalogue.in_force(month.first_day).plan(contract.plan)
        return OverageTerms(plan.overage_block_credits, plan.overage_block_price)

    # -- use cases -------------------------------------------------------------------------------

    def register(self, command: RegisterCustomer) -> CustomerAccount:
        customer = CustomerAccount.register(
            account=command.account,
            legal_name=command.legal_name,
            siren=command.siren,
            vat_number=command.vat_number,
            vat_regime=command.vat_regime,
            billing_email=command.billing_email,
            address=dict(command.address),
        )
        if find_aggregate(self.ledger, customer.id) is not None:
            raise Conflict(f"account {customer.account!r} already exists", field="account")
        from eventsourcing.persistence import IntegrityError

        try:
            self.ledger.save(customer)
        except IntegrityError:
            raise Conflict(f"account {customer.account!r} already exists", field="account") from None
        self.read_models.refresh()
        return customer

    def sign_contract(self, account: str, command: SignContract) -> CustomerAccount:
        start = command.service_start
        grid = self._grid_on(start, "service_start")  # the plan comes from the grid in force at start
        plan = command.plan
        if not isinstance(plan, str) or plan not in grid.plans:
            raise InvalidInput(
                f"plan {plan!r} is not in price grid {grid.version} in force on {start.isoformat()}",
                field="plan",
            )

        def sign(customer: CustomerAccount) -> CustomerAccount:
            customer.sign_contract(
                plan=plan,
                service_start=start,
                installation_fee=command.installation_fee,
                freemium=command.freemium,
                payment_method=command.payment_method,
                mandate=None if command.mandate is None else dict(command.mandate),
                plan_grid_version=grid.version,
            )
            return customer

        return self._run(account, sign)

    def accept_option(self, account: str, command: AcceptOption) -> CustomerAccount:
        day = command.accepted_on
        if command.option == "advanced_support" and isinstance(command.pack, str):
            self._grid_on(day, "accepted_on").support_pack(command.pack)  # 422 naming "pack" when unknown

        def accept(customer: CustomerAccount) -> CustomerAccount:
            customer.accept_option(command.option, command.pack, day)
            return customer

        return self._run(account, accept)

    def end_option(self, account: str, command: EndOption) -> CustomerAccount:
        def end(customer: CustomerAccount) -> CustomerAccount:
            customer.end_option(command.option, command.ended_on)
            return customer

        return self._run(account, end)

    def record_support_hours(self, account: str, command: RecordSupportHours) -> None:
        self._run(account, lambda c: c.record_support_hours(command.on, command.hours, command.note))

    def record_intervention(self, account: str, command: RecordIntervention) -> None:
        self._run(account, lambda c: c.record_intervention(command.on, command.hours, command.description))

    def grant_penalty_credit(self, account: str, command: GrantPenaltyCredit) -> dict[str, Any]:
        credit_id = command.credit_id or uuid.uuid4().hex
        requested = command.amount
        code = validate_account_id(account)
        # §6: a payment counts for its HT value, amount × HT / TTC of the invoice it paid.
        invoices = self.queries.invoice_totals(code)

        def grant(customer: CustomerAccount) -> Money:
            return customer.grant_penalty_credit(
                credit_id, requested, command.reason, command.incident_on, command.granted_on, invoices
            )

        granted: Money = self._run(account, grant)
        return {
            "id": credit_id,
            "requested": str(requested),
            "granted": str(granted),
            "capped": granted < requested,
        }

    def notify_termination(self, account: str, command: NotifyTermination) -> dict[str, Any]:
        notified_on = command.notified_on
        requested_end = command.requested_end

        def terminate(customer: CustomerAccount) -> dict[str, Any]:
            contract = customer.contract
            if contract is None:
                raise Conflict(f"account {customer.account!r} has no contract")
            options = customer.options

            def indemnity(outcome: TerminationOutcome) -> Money:
                # art. 14: the monthly fees of the plan and options still running at the end, for the
                # months of the period still due.
                period = outcome.indemnity_period
                if period is None:
                    return Money.zero()

                def fees(month: Month) -> Money:
                    grid = self.catalogue.in_force(month.first_day)
                    return recurring_monthly_fees(grid, contract.plan, options, outcome.effective_end)

                return early_termination_indemnity(fees, period[0], period[1])

            # §9: the aggregate works out the kind (the end, early or not, the indemnity owed) once.
            kind = customer.terminate(notified_on, command.channel, requested_end, command.initiated_by,
                                      command.reason, indemnity)
            termination = customer.termination
            assert termination is not None
            return {
                "effective_end": kind.outcome.effective_end.isoformat(),
                "early": kind.outcome.early,
                "indemnity": str(termination.indemnity),
                "initiated_by": command.initiated_by,
                "reason": command.reason,
            }

        return self._run(account, terminate)
