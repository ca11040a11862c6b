"""What the finance console lists (issue 23): customers searched and paged, the months with their
close state, and the state of a job the API returned the id of.

Read through query ports (``billing/persistence/queries/pages.py``); the month states come from the
closing service, so the list says exactly what ``GET /v1/admin/months/{M}`` says for each month.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from billing.services.closing import ClosingService
from billing.services.ports import ReadModels
from ledger.clock import Clock, today
from ledger.errors import InvalidInput, NotFound
from ledger.month_close import CloseStatus
from ledger.months import Month

PAGE_SIZE = 50
MAX_QUERY = 100
MAX_PAGE = 100_000


class DirectoryQueries(Protocol):
    def customers(self, q: str, offset: int, limit: int) -> list[dict[str, Any]]: ...

    def months(self) -> list[str]: ...


class JobStates(Protocol):
    def queued(self, job_id: str, actor: str, month: str | None, at: datetime) -> None: ...

    def update(self, job_id: str, actor: str, month: str | None, status: str, at: datetime,
               error: str | None = None) -> None: ...

    def get(self, job_id: str) -> dict[str, Any] | None: ...


class DirectoryService:
    def __init__(self, queries: DirectoryQueries, jobs: JobStates, closing: ClosingService,
                 read_models: ReadModels, clock: Clock) -> None:
        self.queries = queries
        self.job_states = jobs
        self.closing = closing
        self.read_models = read_models
        self.clock = clock

    def customers(self, q: str = "", page: int = 1) -> dict[str, Any]:
        """One page of accounts whose id, name, billing email or SIREN contains ``q`` (any case)."""
        if len(q) > MAX_QUERY:
            raise InvalidInput(f"q: at most {MAX_QUERY} characters", field="q")
        if not 1 <= page <= MAX_PAGE:
            raise InvalidInput(f"page: from 1 to {MAX_PAGE}", field="page")
        self.read_models.sync()
        rows = self.queries.customers(q.strip(), (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
        return {"customers": rows[:PAGE_SIZE], "page": page, "next": page + 1 if len(rows) > PAGE_SIZE else None}

    def months(self) -> dict[str, Any]:
        """Every month from the first month of service to the last ended one, and any month with a close
        recorded, newest first, each with its state (open, closing with its progress, closed, failed)."""
        self.read_models.sync()
        names = set(self.queries.months())
        first = self.closing.first_billing_month()
        if first is not None:
            last_ended = Month.of(today(self.clock)).previous()
            month = first
            while month.index() <= last_ended.index():
                names.add(str(month))
                month = month.next()
        return {"months": [self.closing.month_state(name) for name in sorted(names, reverse=True)]}

    def job(self, job_id: str) -> dict[str, Any]:
        """A job's state; for a close, the month's state too, and a close whose month failed is failed."""
        if not job_id or len(job_id) > 64:
            raise NotFound(f"job {job_id!r} not found")
        state = self.job_states.get(job_id)
        if state is None:
            raise NotFound(f"job {job_id!r} not found")
        if state["actor"] == "close_month" and state["month"]:
            month_state = self.closing.current_month_state(state["month"])
            state["month_state"] = month_state
            if state["status"] == "done" and month_state["status"] == CloseStatus.FAILED:
                state["status"], state["error"] = "failed", month_state.get("error")
        return state
