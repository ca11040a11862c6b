"""Credit consumption (art. 1 "Crédits"): validation of reported usage and the batch aggregate.

Usage is the ledger's busiest stream, so one stored event carries a whole accepted batch: a
:class:`UsageBatch` is created once, with columnar records, and never changes. Which month a
record belongs to is decided here, in Paris time (BILLING_RULES §2); which month it is *booked*
in (late usage, §7) is decided by the close cut-off, in the projection.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from ledger.clock import PARIS
from ledger.months import Month

MAX_EVENTS_PER_REQUEST = 10_000
MAX_CREDITS = 10**9
MAX_ID_LENGTH = 128
# An id is stored as text (PostgreSQL refuses NUL) and echoed in errors: no control characters or
# lone surrogates. Also enforced by the API's decoder, in C, for the fast path.
ID_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff]+$"
_ID_RE = re.compile(ID_PATTERN)
FUTURE_TOLERANCE = timedelta(minutes=5)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)


def to_micros(instant: datetime) -> int:
    """Microseconds since the Unix epoch, for compact storage and exact comparison."""
    return (instant - _EPOCH) // _ONE_MICROSECOND


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def paris_midnight_micros(day: date) -> int:
    """The instant a Paris business day starts: service starts at 00:00 Paris time (art. 10.2)."""
    return to_micros(datetime(day.year, day.month, day.day, tzinfo=PARIS))


class MonthIndex:
    """Maps instants to Paris calendar months by bisecting precomputed month starts.

    Converting each of 300,000 instants with zoneinfo costs more than the rest of validation;
    month boundaries in UTC are few and fixed.
    """

    def __init__(self, first: Month = Month(2000, 1), last: Month = Month(2100, 12)) -> None:
        self._first = first.index()
        starts: list[int] = []
        month = first
        while month <= last:
            starts.append(paris_midnight_micros(month.first_day))
            month = month.next()
        self._starts = starts

    def bisect_table(self) -> tuple[list[int], int, int, int]:
        """(month starts, first month index, lowest and highest supported instant), for tight loops."""
        return self._starts, self._first, self._starts[0], self._starts[-1]

    def month_index_of(self, micros: int) -> int:
        position = bisect_right(self._starts, micros) - 1
        if position < 0 or position >= len(self._starts) - 1:
            raise ValueError("instant outside the supported calendar (2000-2100)")
        return self._first + position


MONTHS = MonthIndex()


@dataclass(slots=True)
class UsageColumns:
    """Validated usage events as parallel lists, the shape the ledger stores and the index takes.

    Columns rather than one object per event: a batch carries up to 10,000 events, and the
    stored event, the idempotency keys and the projection all read whole columns.
    ``ids`` are the platform's idempotency keys, unique per account (API.md "Usage").
    """

    ids: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    at: list[int] = field(default_factory=list)  # microseconds since the epoch
    credits: list[int] = field(default_factory=list)
    months: list[int] = field(default_factory=list)  # Paris calendar month (Month.index())

    def __len__(self) -> int:
        return len(self.ids)

    def append(self, event_id: str, account: str, at_micros: int, credits: int, month_index: int) -> None:
        self.ids.append(event_id)
        self.accounts.append(account)
        self.at.append(at_micros)
        self.credits.append(credits)
        self.months.append(month_index)

    def rows(self) -> Iterator[tuple[str, str, int, int, int]]:
        return zip(self.ids, self.accounts, self.at, self.credits, self.months, strict=True)

    def select(self, positions: Iterable[int]) -> UsageColumns:
        chosen = UsageColumns()
        for i in positions:
            chosen.append(self.ids[i], self.accounts[i], self.at[i], self.credits[i], self.months[i])
        return chosen


@dataclass(frozen=True, slots=True)
class UsageProblem:
    """Why one event of a batch is refused; the API lists them all in its 422."""

    index: int
    id: Any
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "field": self.field, "message": self.message}


def parse_instant(text: Any) -> datetime | str:
    """An ISO 8601 instant with an offset, or the reason it is not one (API.md: instants carry an offset)."""
    if isinstance(text, datetime):  # already decoded by the fast path
        instant = text
    elif not isinstance(text, str):
        return "must be an ISO 8601 instant string"
    else:
        try:
            instant = datetime.fromisoformat(text)
        except ValueError:
            return "is not an ISO 8601 instant"
    if instant.tzinfo is None or instant.utcoffset() is None:
        return "has no UTC offset (write e.g. 2026-03-17T09:30:00+01:00)"
    return instant


def _accept_well_formed(
    events: Sequence[Any], service_starts: dict[str, int], latest: int, service_ends: dict[str, int]
) -> UsageColumns | None:
    """The common case in one tight loop; ``None`` at the first doubt, for the detailed path.

    The caller's decoder has already enforced the types, the id length, the credits range and
    the UTC offset (in C); what is left needs the accounts and the clock.
    """
    columns = UsageColumns()
    ids, accounts, ats, credits, months = columns.ids, columns.accounts, columns.at, columns.credits, columns.months
    starts, first, lowest, highest = MONTHS.bisect_table()
    get_start = service_starts.get
    get_end = service_ends.get
    for event_ in events:
        account = event_.account
        micros = (event_.at - _EPOCH) // _ONE_MICROSECOND
        start = get_start(account)
        if start is None or micros < start or micros > latest or not lowest <= micros < highest:
            return None
        if service_ends and micros >= get_end(account, highest):
            return None
        ids.append(event_.id)
        accounts.append(account)
        ats.append(micros)
        credits.append(event_.credits)
        months.append(first + bisect_right(starts, micros) - 1)
    return columns


def validate_usage_events(
    events: Sequence[Any],
    service_starts: dict[str, int],
    now: datetime,
    *,
    typed: bool = False,
    service_ends: dict[str, int] | None = None,
) -> tuple[UsageColumns, list[UsageProblem]]:
    """Check every event of a batch; return the records and every problem found (not just the first).

    ``service_starts`` maps each account that has a contract to the instant its service starts
    (micros): usage before it, or of an unknown account, is refused (API.md "Usage").
    ``service_ends`` maps a terminated account to the first instant after its last day of service:
    usage stamped from then on is refused too (BILLING_RULES §7b).
    ``typed`` says the events were decoded by a schema that enforced the types, the id length,
    the credits range and the offset: the fast loop then only checks accounts and instants.
    """
    ends = service_ends or {}
    if typed:
        fast = _accept_well_formed(events, service_starts, to_micros(now + FUTURE_TOLERANCE), ends)
        if fast is not None:
            return fast, []
    records = UsageColumns()
    problems: list[UsageProblem] = []
    latest = to_micros(now + FUTURE_TOLERANCE)
    month_of = MONTHS.month_index_of
    for index, raw in enumerate(events):
        if isinstance(raw, dict):
            event_id, account = raw.get("id"), raw.get("account")
            at, credits = raw.get("at"), raw.get("credits")
        elif hasattr(raw, "__struct_fields__"):
            event_id, account, at, credits = raw.id, raw.account, raw.at, raw.credits
        else:  # not a JSON object (a number, a string, a list...): a 422 naming it, not a 500
            problems.append(UsageProblem(index, None, "event", "must be a JSON object"))
            continue
        bad = len(problems)
        if not isinstance(event_id, str) or not event_id:
            problems.append(UsageProblem(index, event_id, "id", "is required (a non-empty string)"))
        elif len(event_id) > MAX_ID_LENGTH:
            problems.append(UsageProblem(index, event_id, "id", f"is longer than {MAX_ID_LENGTH} characters"))
        elif not _ID_RE.match(event_id):
            problems.append(UsageProblem(index, repr(event_id), "id", "contains a control character"))
        start = service_starts.get(account) if isinstance(account, str) else None
        if start is None:
            problems.append(UsageProblem(index, event_id, "account", f"unknown account {account!r}"))
        if type(credits) is not int:
            problems.append(UsageProblem(index, event_id, "credits", "must be a positive integer"))
        elif credits <= 0 or credits > MAX_CREDITS:
            problems.append(
                UsageProblem(index, event_id, "credits", f"must be between 1 and {MAX_CREDITS:,}")
            )
        instant = parse_instant(at)
        micros = 0
        if isinstance(instant, str):
            problems.append(UsageProblem(index, event_id, "at", instant))
        else:
            micros = to_micros(instant)
            if micros > latest:
                problems.append(UsageProblem(index, event_id, "at", "is more than 5 minutes ahead of now"))
            elif start is not None and micros < start:
                problems.append(UsageProblem(index, event_id, "at", "is before the account's service start"))
            elif isinstance(account, str) and account in ends and micros >= ends[account]:
                problems.append(UsageProblem(index, event_id, "at", "is after the account's service end"))
        if len(problems) == bad:
            try:
                month = month_of(micros)
            except ValueError as exc:
                problems.append(UsageProblem(index, event_id, "at", str(exc)))
                continue
            records.append(str(event_id), str(account), micros, credits, month)  # type: ignore[arg-type]
    return records, problems


class UsageBatch(Aggregate):
    """An accepted batch of usage records, stored as one event with columnar lists."""

    @staticmethod
    def create_id() -> UUID:
        return uuid4()

    @event("Recorded")
    def __init__(
        self,
        ids: list[str],
        accounts: list[str],
        at: list[int],
        credits: list[int],
        months: list[int],
    ) -> None:
        self.ids = ids
        self.accounts = accounts
        self.at = at
        self.credits = credits
        self.months = months

    @classmethod
    def of(cls, columns: UsageColumns) -> UsageBatch:
        return cls(ids=columns.ids, accounts=columns.accounts, at=columns.at, credits=columns.credits,
                   months=columns.months)
