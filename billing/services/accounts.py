"""Customer accounts and their contracts (API.md "Customers and their contracts").

Each use case loads one :class:`CustomerAccount`, runs one command and saves it; prices it needs
(the plan at service start, a support pack, the termination indemnity) come from the grid in force.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from billing.persistence import tables as t
from billing.persistence.eventstore import Ledger
from billing.persistence.projections import ReadModelProjector
from billing.services.aggregates import find_aggregate, get_aggregate, run_command
from billing.services.catalogue import CatalogueService
from ledger.account import CustomerAccount
from ledger.clock import Clock
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.grid import PriceGrid
from ledger.identifiers import validate_account_id
from ledger.input_checks import optional_date, require_date, require_money
from ledger.money import Money
from ledger.months import Month
from ledger.termination_kinds import termination_kind
from pricing.termination import early_termination_indemnity


def recurring_monthly_fees(grid: PriceGrid, plan: str, options: list[Any], on: date) -> Money:
    """The monthly fees ("redevances mensuelles", art. 14) of a plan and the options active on a day."""
    plan_price = grid.plan(plan)
    total = plan_price.monthly_fee
    for interval in options:
        if interval.accepted_on > on or (interval.ended_on is not None and interval.ended_on < on):
            continue
        if interval.option == "branding_removal":
            total = total + grid.branding_removal.monthly_price(plan_price.monthly_fee)
        elif interval.option == "reference_opt_out":
            total = total + grid.reference_opt_out_fee
        elif interval.option == "advanced_support" and interval.pack:
            total = total + grid.support_pack(interval.pack).monthly_fee
    return total


class AccountService:
    def __init__(
        self,
        ledger: Ledger,
        engine: Engine,
        projector: ReadModelProjector,
        catalogue: CatalogueService,
        clock: Clock,
    ) -> None:
        self.ledger = ledger
        self.engine = engine
        self.projector = projector
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
            after_save=self.projector.catch_up,
        )

    def _grid_on(self, day: date, field: str) -> PriceGrid:
        try:
            return self.catalogue.in_force(day)
        except NotFound:
            raise InvalidInput(f"no price grid is in force on {day.isoformat()}", field=field) from None

    def get(self, account: str) -> CustomerAccount:
        code = validate_account_id(account)
        return get_aggregate(self.ledger, CustomerAccount.create_id(code), f"account {code!r}")

    # -- use cases -------------------------------------------------------------------------------

    def register(self, payload: dict[str, Any]) -> CustomerAccount:
        customer = CustomerAccount.register(
            account=payload.get("account"),  # type: ignore[arg-type]
            legal_name=payload.get("legal_name"),  # type: ignore[arg-type]
            siren=payload.get("siren"),
            vat_number=payload.get("vat_number"),
            vat_regime=payload.get("vat_regime"),  # type: ignore[arg-type]
            billing_email=payload.get("billing_email"),  # type: ignore[arg-type]
            address=payload.get("address"),  # type: ignore[arg-type]
        )
        if find_aggregate(self.ledger, customer.id) is not None:
            raise Conflict(f"account {customer.account!r} already exists", field="account")
        from eventsourcing.persistence import IntegrityError

        try:
            self.ledger.save(customer)
        except IntegrityError:
            raise Conflict(f"account {customer.account!r} already exists", field="account") from None
        self.projector.catch_up()
        return customer

    def sign_contract(self, account: str, payload: dict[str, Any]) -> CustomerAccount:
        start = require_date(payload.get("service_start"), "service_start")
        grid = self._grid_on(start, "service_start")  # the plan comes from the grid in force at start
        plan = payload.get("plan")
        if not isinstance(plan, str) or plan not in grid.plans:
            raise InvalidInput(
                f"plan {plan!r} is not in price grid {grid.version} in force on {start.isoformat()}",
                field="plan",
            )

        def sign(customer: CustomerAccount) -> CustomerAccount:
            customer.sign_contract(
                plan=plan,
                service_start=start,
                installation_fee=payload.get("installation_fee", "0.00"),
                freemium=payload.get("freemium", False),
                payment_method=payload.get("payment_method"),  # type: ignore[arg-type]
                mandate=payload.get("mandate"),
                plan_grid_version=grid.version,
            )
            return customer

        return self._run(account, sign)

    def accept_option(self, account: str, payload: dict[str, Any]) -> CustomerAccount:
        day = require_date(payload.get("accepted_on"), "accepted_on")
        pack = payload.get("pack")
        if payload.get("option") == "advanced_support" and isinstance(pack, str):
            self._grid_on(day, "accepted_on").support_pack(pack)  # 422 naming "pack" when unknown

        def accept(customer: CustomerAccount) -> CustomerAccount:
            customer.accept_option(payload.get("option"), pack, day)  # type: ignore[arg-type]
            return customer

        return self._run(account, accept)

    def end_option(self, account: str, option: str, payload: dict[str, Any]) -> CustomerAccount:
        def end(customer: CustomerAccount) -> CustomerAccount:
            customer.end_option(option, payload.get("ended_on"))  # type: ignore[arg-type]
            return customer

        return self._run(account, end)

    def record_support_hours(self, account: str, payload: dict[str, Any]) -> None:
        self._run(
            account,
            lambda c: c.record_support_hours(payload.get("on"), payload.get("hours"), payload.get("note", "")),
        )

    def record_intervention(self, account: str, payload: dict[str, Any]) -> None:
        self._run(
            account,
            lambda c: c.record_intervention(
                payload.get("on"), payload.get("hours"), payload.get("description")
            ),
        )

    def record_payment(self, account: str, payload: dict[str, Any]) -> None:
        number = payload.get("invoice")
        with self.engine.connect() as conn:
            owner = conn.execute(select(t.invoices.c.account).where(t.invoices.c.number == number)).scalar()
        if owner != account:
            raise InvalidInput(f"invoice {number!r} is not an invoice of account {account!r}", field="invoice")
        self._run(
            account,
            lambda c: c.record_payment(
                number,
                payload.get("amount"),
                payload.get("received_on"),
                payload.get("method"),
                payload.get("reference", ""),
            ),
        )

    def grant_penalty_credit(self, account: str, payload: dict[str, Any]) -> dict[str, Any]:
        credit_id = payload.get("id") or uuid.uuid4().hex
        requested = require_money(payload.get("amount"), "amount", positive=True)
        code = validate_account_id(account)
        # §6: a payment counts for its HT value, amount × HT / TTC of the invoice it paid.
        with self.engine.connect() as conn:
            invoices = {
                number: (Money(Decimal(ht)), Money(Decimal(ttc)))
                for number, ht, ttc in conn.execute(
                    select(t.invoices.c.number, t.invoices.c.total_ht, t.invoices.c.total_ttc).where(
                        t.invoices.c.account == code
                    )
                )
            }

        def grant(customer: CustomerAccount) -> Money:
            return customer.grant_penalty_credit(
                credit_id,
                requested,
                payload.get("reason"),  # type: ignore[arg-type]
                payload.get("incident_on"),  # type: ignore[arg-type]
                payload.get("granted_on"),  # type: ignore[arg-type]
                invoices,
            )

        granted: Money = self._run(account, grant)
        return {
            "id": credit_id,
            "requested": str(requested),
            "granted": str(granted),
            "capped": granted < requested,
        }

    def notify_termination(self, account: str, payload: dict[str, Any]) -> dict[str, Any]:
        notified_on = require_date(payload.get("notified_on"), "notified_on")
        requested_end = optional_date(payload.get("requested_end"), "requested_end")

        def terminate(customer: CustomerAccount) -> dict[str, Any]:
            contract = customer.contract
            if contract is None:
                raise Conflict(f"account {customer.account!r} has no contract")
            initiated_by = payload.get("initiated_by") or "customer"
            reason = payload.get("reason") or "notice"
            # §9: who initiated it and why decide the end and whether the indemnity is owed.
            kind = termination_kind(
                contract.service_start, notified_on, requested_end, initiated_by, reason, contract.freemium
            )
            outcome = kind.outcome
            indemnity = Money.zero()
            period = outcome.indemnity_period
            if period is not None and kind.owes_indemnity:
                options = customer.options

                def fees(month: Month) -> Money:
                    grid = self.catalogue.in_force(month.first_day)
                    return recurring_monthly_fees(grid, contract.plan, options, outcome.effective_end)

                indemnity = early_termination_indemnity(fees, period[0], period[1])
            customer.notify_termination(
                notified_on,
                payload.get("channel"),  # type: ignore[arg-type]
                requested_end,
                outcome.effective_end,
                outcome.early,
                indemnity,
                initiated_by,
                reason,
            )
            return {
                "effective_end": outcome.effective_end.isoformat(),
                "early": outcome.early,
                "indemnity": str(indemnity),
                "initiated_by": initiated_by,
                "reason": reason,
            }

        return self._run(account, terminate)
