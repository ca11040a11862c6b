"""Read models as projections of the ledger, updated exactly once.

Each step reads the next notifications after the tracked position and, in ONE database
transaction, applies them to the read-model tables and moves the tracking position. The first
statement of that transaction locks the tracking row, so two projectors (the API's background
thread, a worker, a CLI) never apply the same notification twice, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.utils import get_topic
from sqlalchemy import JSON, Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from billing.persistence import tables as t
from billing.persistence.account_batch import AccountBuffer
from billing.persistence.eventstore import Ledger
from billing.persistence.json_codec import json_text
from ledger.clock import Clock
from ledger.months import Month

log = logging.getLogger(__name__)

TRACKING_NAME = "read_models"
Handler = Callable[["ProjectionStep", Any, int], None]


@dataclass(frozen=True)
class ProjectionFailure:
    """Where the projector stopped: the notification it could not apply, and why (shown on /health)."""

    position: int  # the notification id of the event that failed
    event_id: str  # the aggregate id and version of that event
    event: str  # its class, e.g. "CustomerAccount.Registered"
    error: str
    topic: str = ""  # the stored event's full topic, e.g. "ledger.account:CustomerAccount.Registered"
    # When this process first found the projector stopped at this event (the injectable clock):
    # kept while later steps retry the same event, so an incident has one start (issue 17).
    since: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"position": self.position, "event_id": self.event_id, "event": self.event, "error": self.error}

    def stopped_at(self) -> dict[str, Any]:
        """API.md "Operations and audit": the ``stopped_at`` object of GET /v1/admin/projection."""
        return {
            "notification": self.position,
            "topic": self.topic,
            "error": self.error,
            "since": None if self.since is None else self.since.isoformat(),
        }


class HandlerFailed(Exception):
    """A handler raised on the ``index``-th notification of a batch (the batch was rolled back).

    ``bulk``: the batch was applied with writes buffered per table, so the failure may belong to an
    earlier event whose buffered row failed at a flush; applying it again event by event names it.
    """

    def __init__(self, index: int, failure: ProjectionFailure, bulk: bool = False) -> None:
        super().__init__(failure.error)
        self.index = index
        self.failure = failure
        self.bulk = bulk


class ProjectionStep:
    """The work of one transaction: usage sums, invoice rows and account events are buffered and
    written one statement per table at :meth:`flush`, which runs before any statement a handler
    executes through ``conn`` (so it sees every earlier event of the step) and at the end."""

    def __init__(self, conn: Connection, frontier: str | None, bulk: bool = True) -> None:
        self._conn = conn
        self.frontier = frontier  # the latest month whose close has started, if any
        # False: every event is written as it comes, one statement each (the way to locate a failing
        # event, and the per-event baseline of `make bench`); True: written at flush, per table.
        self.bulk = bulk
        self.usage: defaultdict[tuple[str, int, int], int] = defaultdict(int)
        self.invoice_rows: list[dict[str, Any]] = []
        self.line_rows: list[dict[str, Any]] = []
        self.allocation_rows: list[dict[str, Any]] = []
        self.batched_rows: dict[Any, list[dict[str, Any]]] = {}  # table -> rows inserted at flush (cases)
        self.accounts = AccountBuffer()
        # Payments to add to invoices.paid. A payment names an invoice whose row existed when it was
        # recorded (the service checks it), so adding them after this step's invoice rows is exact.
        self.paid: defaultdict[str, Decimal] = defaultdict(Decimal)
        self._names: dict[tuple[str, Any], str] = {}
        self.fec: dict[Any, Any] = {}  # the step's FEC numbering and names (handlers/fec.py)

    @property
    def conn(self) -> Connection:
        """The step's connection, once every buffered write is flushed: a handler that executes a
        statement (a read, an update of a row, a delete) sees every earlier event of the step."""
        self.flush()
        return self._conn

    def remember_account(self, originator_id: Any, account: str) -> None:
        """The code of an account registered in this step (no lookup needed for its next events)."""
        if self.bulk:
            self._names[(t.accounts.name, originator_id)] = account

    def prefetch_accounts(self, originator_ids: Iterable[Any]) -> None:
        """Look up the codes of the stored accounts of a step's events in one query."""
        wanted = {i.hex: i for i in originator_ids if (t.accounts.name, i) not in self._names}
        if not wanted:
            return
        rows = self._conn.execute(
            select(t.accounts.c.aggregate_id, t.accounts.c.account).where(t.accounts.c.aggregate_id.in_(wanted))
        )
        for aggregate_id, account in rows:
            self._names[(t.accounts.name, wanted[aggregate_id])] = account

    def _name(self, table: Any, column: Any, originator_id: Any) -> str:
        """The natural key (account code, month, invoice number) of an aggregate, by its id."""
        key = (table.name, originator_id)
        if key not in self._names:
            self.flush()
            value = self._conn.execute(select(column).where(table.c.aggregate_id == originator_id.hex)).scalar()
            if value is None:
                raise LookupError(f"no {table.name} row for aggregate {originator_id}")
            self._names[key] = value
        return self._names[key]

    def account_of(self, originator_id: Any) -> str:
        return self._name(t.accounts, t.accounts.c.account, originator_id)

    def month_of(self, originator_id: Any) -> str:
        return self._name(t.months, t.months.c.month, originator_id)

    def invoice_number(self, originator_id: Any) -> str:
        return self._name(t.invoices, t.invoices.c.number, originator_id)

    def booked_month(self, origin: int) -> int:
        """§7: usage of a month whose close has started is booked in the first open month."""
        if self.frontier is None:
            return origin
        return max(origin, Month.parse(self.frontier).index() + 1)

    def flush(self) -> None:
        """Write every buffered row: account records first, then usage sums and invoices, then payments."""
        if self.accounts:
            self.accounts.flush(self._conn, self._insert_rows)
        if self.usage:
            rows = [
                {"account": a, "booked_month": b, "origin_month": o, "credits": c}
                for (a, b, o), c in self.usage.items()
            ]
            dialect = self._conn.dialect.name
            stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(t.usage_monthly)
            stmt = stmt.on_conflict_do_update(
                index_elements=["account", "booked_month", "origin_month"],
                set_={"credits": t.usage_monthly.c.credits + stmt.excluded.credits},
            )
            self._conn.execute(stmt, rows)
            self.usage.clear()
        for table, attribute in (
            (t.invoices, "invoice_rows"),
            (t.invoice_lines, "line_rows"),
            (t.penalty_allocations, "allocation_rows"),
        ):
            rows = getattr(self, attribute)
            if rows:
                self._insert_rows(table, rows)
                setattr(self, attribute, [])
        for table, rows in self.batched_rows.items():
            if rows:
                self._insert_rows(table, rows)
        self.batched_rows = {}
        if self.paid:
            paid = t.invoices.c.paid
            self._conn.execute(
                update(t.invoices)
                .where(t.invoices.c.number == bindparam("_number"))
                .values(paid=paid + bindparam("_amount", type_=paid.type)),
                [{"_number": number, "_amount": amount} for number, amount in self.paid.items()],
            )
            self.paid.clear()

    def _insert_rows(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """Bulk insert; on PostgreSQL with COPY in this same transaction (a close projects 10,000
        invoices and their lines at once, and row-by-row inserts were a third of its time).
        Per event (``bulk`` False) a plain insert, the statement the handlers ran before issue 10."""
        if self._conn.dialect.name != "postgresql" or not self.bulk:
            self._conn.execute(insert(table), rows)
            return
        # The columns the rows set: a surrogate id (support hours, payments...) is left to its
        # sequence, in row order, and a column no event set stays NULL, as with insert().
        columns = [c.name for c in table.columns if any(c.name in row for row in rows)]
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        quote = self._conn.dialect.identifier_preparer.quote  # "on" is a reserved word
        driver: Any = self._conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row([json_text(row[c]) if c in json_columns and c in row else row.get(c) for c in columns])


class ReadModelProjector:
    """Follows the ledger's notification log into the read-model tables."""

    def __init__(
        self,
        ledger: Ledger,
        engine: Engine,
        batch_size: int = 500,
        step_bytes: int = 32 * 1024 * 1024,
        clock: Clock | None = None,
    ) -> None:
        self.ledger = ledger
        self.engine = engine
        self.clock = clock  # dates a stop (``ProjectionFailure.since``); None: the system's UTC time
        # Write a step's events with one statement per table (False: one per event, as before issue
        # 10; kept to locate a failing event and as the baseline of `make bench`).
        self.bulk = True
        self.batch_size = batch_size
        # Memory bound of a step: a usage batch stores up to 10,000 records (about 1 MB), so 500
        # of them read at once after a backlog (or in a rebuild) would hold 0.5-1 GB.
        self.step_bytes = step_bytes
        # One handler per event class, keyed by the class's topic ("ledger.invoice:Invoice.Issued");
        # what an event does to several read models is composed in its handler, in that order.
        self.handlers: dict[str, Handler] = {}
        self._local_lock = threading.RLock()
        # Set while the projector is stopped at an event it cannot apply; cleared once it moves on.
        self.failure: ProjectionFailure | None = None

    def on(self, event_class: type, handler: Handler) -> None:
        """Register the handler of an event class (``Invoice.Issued``), keyed by its topic: a renamed
        class fails where it is named (at import), and an event gets one handler only."""
        topic = get_topic(event_class)
        if topic in self.handlers:
            raise ValueError(f"a handler is already registered for {topic}")
        self.handlers[topic] = handler

    def position(self) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(
                select(t.projection_tracking.c.position).where(t.projection_tracking.c.name == TRACKING_NAME)
            ).scalar()
        return int(value or 0)

    def head(self) -> int:
        """The notification id of the last event stored in the ledger (0 when it is empty)."""
        return int(self.ledger.recorder.max_notification_id() or 0)

    def _now(self) -> datetime:
        if self.clock is not None:
            return self.clock.now()
        return datetime.now(UTC)

    def _stopped(self, stopped: ProjectionFailure) -> None:
        """Keep where the projector stopped; an incident is logged ONCE, when it stops at a new event.

        Later steps retry the same event (ProjectorThread, every sync): they keep the first
        ``since`` and log nothing, even when the error's text varies from one attempt to the next.
        """
        current = self.failure
        if current is not None and current.position == stopped.position:
            self.failure = replace(stopped, since=current.since)
            return
        self.failure = replace(stopped, since=self._now())
        log.error(
            "read-model projection stopped at notification %s (%s, event %s): %s",
            stopped.position, stopped.topic or stopped.event, stopped.event_id, stopped.error,
        )

    def step(self) -> int:
        """Apply the next batch of notifications in one transaction; return how many were applied.

        When a handler fails, the events of the batch before the failing one are applied (in a
        transaction of their own), and the projector stops there: the failure (event id, error) is
        kept in :attr:`failure` and logged, and each later step tries that event again. Nothing
        is raised, so reads answered from the read models keep working, only not up to date.
        """
        with self._local_lock:
            limit: int | None = None
            stopped: ProjectionFailure | None = None
            bulk = self.bulk
            while True:
                try:
                    applied = self._try_step(limit, bulk)
                except HandlerFailed as failed:
                    if failed.bulk:
                        bulk = False  # apply the same events one by one: that names the bad one
                        continue
                    bulk = self.bulk
                    stopped = failed.failure
                    if failed.index > 0 and limit is None:
                        limit = failed.index  # apply what precedes the bad event, then stop
                        continue
                    applied = 0
                if applied is None:
                    continue
                if stopped is not None:
                    self._stopped(stopped)
                elif applied:
                    self.failure = None
                return applied

    def _try_step(self, max_count: int | None = None, bulk: bool = True) -> int | None:
        """One attempt of :meth:`step`; None when another projector moved the position meanwhile.

        The notifications are read BEFORE the tracking row is locked: on SQLite that lock is the
        database's write lock, and a ledger writer waiting for it holds the event store's writer
        slot, which queues every other event-store connection behind it; reading the ledger while
        holding the lock deadlocked until the pool timed out ("Timed out waiting for return of
        writer"). The position is checked again under the lock, so nothing is applied twice.
        """
        start = self.position()
        limit = self._limit_within_budget(start)
        if max_count is not None:
            limit = min(limit, max_count)
        if not limit:
            return 0
        notifications = self.ledger.recorder.select_notifications(
            start=start, limit=limit, inclusive_of_start=False
        )
        if not notifications:
            return 0
        with self.engine.begin() as conn:
            # Lock the tracking row: another projector waits here, then sees our position.
            self._lock_tracking(conn)
            position = conn.execute(
                select(t.projection_tracking.c.position).where(t.projection_tracking.c.name == TRACKING_NAME)
            ).scalar_one()
            if position != start:
                return None  # another projector applied these meanwhile: read again from its position
            self._apply(conn, notifications, bulk)
            conn.execute(
                update(t.projection_tracking)
                .where(t.projection_tracking.c.name == TRACKING_NAME)
                .values(position=notifications[-1].id)
            )
            return len(notifications)

    def _apply(self, conn: Connection, notifications: Sequence[Any], bulk: bool = True) -> None:
        """Run the handlers of a batch through ``conn``; :class:`HandlerFailed` names the bad event.

        ``bulk``: buffered rows are written at the end (or before a handler's own statement), one
        statement per table; otherwise after each event, so a failure is that event's own.
        """
        frontier = conn.execute(select(t.months.c.month).order_by(t.months.c.month.desc()).limit(1)).scalar()
        work = ProjectionStep(conn, frontier, bulk)
        mapper = self.ledger.mapper
        index = 0
        try:
            if bulk:  # the codes of the accounts registered before this batch, in one query
                accounts = [n for n in notifications if ":CustomerAccount." in n.topic]
                registered = {n.originator_id for n in accounts if n.topic.endswith(".Registered")}
                work.prefetch_accounts(n.originator_id for n in accounts if n.originator_id not in registered)
            for index, notification in enumerate(notifications):  # noqa: B007 - read in the except
                domain_event = mapper.to_domain_event(notification)
                handler = self.handlers.get(get_topic(type(domain_event)))
                if handler is not None:
                    handler(work, domain_event, notification.id)
                    if not bulk:
                        work.flush()
            work.flush()
        except DBAPIError as exc:
            if exc.connection_invalidated:
                # The database went away mid-step: not the event's fault, so not a stop at it (issue
                # 17: no false incident); the step is tried again, a request meanwhile gets a 503.
                raise
            raise self._failed(notifications[index], exc, index, bulk) from exc
        except Exception as exc:
            raise self._failed(notifications[index], exc, index, bulk) from exc

    @staticmethod
    def _failed(notification: Any, exc: Exception, index: int, bulk: bool) -> HandlerFailed:
        return HandlerFailed(
            index,
            ProjectionFailure(
                position=notification.id,
                event_id=f"{notification.originator_id}@{notification.originator_version}",
                event=notification.topic.rsplit(":", 1)[-1],
                error=f"{type(exc).__name__}: {str(exc)[:500]}",
                topic=notification.topic,
            ),
            bulk,
        )

    def _limit_within_budget(self, start: int) -> int:
        """How many of the next notifications one step reads: up to ``batch_size``, and no more
        than fit in ``step_bytes`` (but at least one, whatever its size)."""
        total, count = 0, 0
        for size in self.ledger.notification_sizes(start, self.batch_size):
            total += size
            if count and total > self.step_bytes:
                break
            count += 1
        return count

    def step_if_free(self) -> int:
        """:meth:`step`, unless another thread of this process is projecting: then nothing (0)."""
        if not self._local_lock.acquire(blocking=False):
            return 0
        try:
            return self.step()
        finally:
            self._local_lock.release()

    def catch_up(self, until: int | None = None) -> int:
        """Project everything recorded so far (or at least up to ``until``); return the count applied."""
        total = 0
        while True:
            applied = self.step()
            total += applied
            if applied == 0:
                if until is None or self.failure is not None or self.position() >= until:
                    return total
                # A notification up to ``until`` exists but another projector holds it: wait for it.
                threading.Event().wait(0.05)

    def reset(self) -> None:
        """Empty every projected table, to rebuild the read models from the ledger alone."""
        with self._local_lock, self.engine.begin() as conn:
            for table in t.PROJECTED_TABLES:
                conn.execute(delete(table))

    def rebuild(self) -> int:
        """Rebuild every read model from the ledger alone, replacing the old ones only on success.

        The new rows are built in ONE transaction that first empties the tables and rewinds the
        tracking position: readers keep seeing the old read models until it commits (MVCC on
        PostgreSQL, WAL snapshots on SQLite), and if any event fails to project the transaction
        is rolled back, so the old read models stay exactly as they were. Raises
        :class:`HandlerFailed` naming the event. Returns the number of notifications replayed.
        """
        with self._local_lock:
            try:
                return self._rebuild(self.bulk)
            except HandlerFailed as failed:
                if not failed.bulk:
                    raise
                return self._rebuild(bulk=False)  # again event by event, to name the bad event

    def _rebuild(self, bulk: bool) -> int:
        with self._local_lock, self.engine.begin() as conn:
            self._lock_tracking(conn)
            for table in t.PROJECTED_TABLES:
                if table is not t.projection_tracking:  # its row is locked, and moved at the end
                    conn.execute(delete(table))
            position, total = 0, 0
            while True:
                limit = self._limit_within_budget(position)
                notifications = (
                    self.ledger.recorder.select_notifications(start=position, limit=limit, inclusive_of_start=False)
                    if limit
                    else []
                )
                if not notifications:
                    break
                self._apply(conn, notifications, bulk)
                position = notifications[-1].id
                total += len(notifications)
            conn.execute(
                update(t.projection_tracking)
                .where(t.projection_tracking.c.name == TRACKING_NAME)
                .values(position=position)
            )
        self.failure = None
        return total

    @staticmethod
    def _lock_tracking(conn: Connection) -> None:
        """Lock the tracking row (its update takes the row lock, or SQLite's write lock); two projectors
        may both find no row (first start, or after a reset): insert it once, then lock it."""
        locked = conn.execute(
            update(t.projection_tracking)
            .where(t.projection_tracking.c.name == TRACKING_NAME)
            .values(position=t.projection_tracking.c.position)
        ).rowcount
        if not locked:
            first = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(t.projection_tracking)
            conn.execute(first.values(name=TRACKING_NAME, position=0).on_conflict_do_nothing())
            conn.execute(
                update(t.projection_tracking)
                .where(t.projection_tracking.c.name == TRACKING_NAME)
                .values(position=t.projection_tracking.c.position)
            )


class ProjectorThread(threading.Thread):
    """Keeps the read models following the ledger in a long-running process, and survives errors.

    The runner of eventsourcing dies on the first error (ENGINEERING_NOTES); this one logs the
    error, waits with backoff and tries again, so one bad moment does not stop the projections.
    """

    def __init__(self, projector: ReadModelProjector, interval: float = 0.2) -> None:
        super().__init__(name="read-model-projector", daemon=True)
        self.projector = projector
        self.interval = interval
        self._stop_event = threading.Event()
        self.errors = 0

    def run(self) -> None:
        delay = self.interval
        while not self._stop_event.is_set():
            try:
                applied = self.projector.catch_up()
                if self.projector.failure is not None:
                    # Stopped at a bad event (reported on /health): retry it, but not 5 times a second.
                    delay = min(max(delay, self.interval) * 2, 5.0)
                    self._stop_event.wait(delay)
                    continue
                delay = self.interval
                if applied:
                    continue
            except Exception:
                self.errors += 1
                log.exception("projection step failed; retrying")
                delay = min(delay * 2, 5.0)
            self._stop_event.wait(delay)

    def stop(self) -> None:
        self._stop_event.set()
