"""Price grid versions (API.md "Price grid", BILLING_RULES §4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.persistence.eventstore import Ledger
from billing.services.aggregates import find_aggregate, run_command
from billing.services.grid_guards import GridGuardQueries, check_grid_version
from billing.services.ports import ReadModels
from billing.services.vat_rates import all_rates, last_issue_date, vat_rate_on
from ledger.clock import Clock, today
from ledger.errors import Conflict, NotFound
from ledger.grid import PriceGrid
from ledger.grid_catalogue import PriceGridCatalogue, grid_to_dict
from ledger.vat_rates import check_not_before_issued, rate_in_force


class CatalogueService:
    def __init__(self, ledger: Ledger, guards: GridGuardQueries, read_models: ReadModels, clock: Clock) -> None:
        self.ledger = ledger
        self.guards = guards
        self.read_models = read_models
        self.clock = clock

    def publish(self, grid: PriceGrid) -> tuple[PriceGrid, bool]:
        """Publish a version; the same version posted again with the same content is not a new one.

        Returns the grid and whether it was created now.
        """

        def publish(catalogue: PriceGridCatalogue) -> bool:
            existing = catalogue.find(grid.version)
            if existing is not None:
                if grid_to_dict(existing) == grid_to_dict(grid):
                    return False
                raise Conflict(f"price grid version {grid.version!r} exists with other content", field="version")
            catalogue.check_publishable(grid)
            self.read_models.sync()
            # §4: not notified in the future, never re-pricing a closed month, nothing in use dropped.
            check_grid_version(grid, today(self.clock), self.guards, is_first=not catalogue.versions())
            if grid.vat_rate is not None and rate_in_force(grid.effective_from, all_rates(self.ledger)) != grid.vat_rate:
                # §4: the grid's vat_rate records a rate from effective_from, never before an issued invoice.
                check_not_before_issued(grid.effective_from, last_issue_date(self.ledger))
            catalogue.publish(grid)
            return True

        created = run_command(
            self.ledger,
            PriceGridCatalogue.create_id(),
            publish,
            what="price grid catalogue",
            create=PriceGridCatalogue,
            after_save=self.read_models.sync,
        )
        return grid, created

    def catalogue(self) -> PriceGridCatalogue | None:
        return find_aggregate(self.ledger, PriceGridCatalogue.create_id())

    def versions(self) -> list[PriceGrid]:
        catalogue = self.catalogue()
        return catalogue.versions() if catalogue else []

    def get(self, version: str) -> PriceGrid:
        catalogue = self.catalogue()
        grid = catalogue.find(version) if catalogue else None
        if grid is None:
            raise NotFound(f"price grid {version!r} not found")
        return grid

    def vat_rate_on(self, day: date) -> Decimal:
        """§4: the VAT rate in force on ``day`` (an invoice's issue date) applies to the whole invoice."""
        return vat_rate_on(self.ledger, day)

    def in_force(self, day: date) -> PriceGrid:
        catalogue = self.catalogue()
        if catalogue is None:
            raise NotFound("no price grid has been published", field="service_start")
        return catalogue.in_force(day)
