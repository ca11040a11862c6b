"""Usage validation (API.md "Usage", BILLING_RULES §2): the fast path and the detailed path agree.

The service decodes a batch with a strict schema and, when every event passes it, validates in a
tight loop that trusts the schema; any doubt sends the batch to the detailed path that names
every problem. Both must accept exactly the same events with exactly the same records.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.services import usage as usage_service
from billing.services.usage import decode_usage_body, may_hold_refused_id_character
from ledger.clock import PARIS
from ledger.months import Month
from ledger.usage import (
    MAX_CREDITS,
    MONTHS,
    paris_midnight_micros,
    to_micros,
    validate_usage_events,
)

NOW = datetime(2026, 11, 26, 11, 0, tzinfo=PARIS)
# acme starts on 1 March 2026 at 00:00 Paris time (UTC+1): 2026-02-28T23:00:00Z.
STARTS = {"acme": paris_midnight_micros(datetime(2026, 3, 1).date())}


def _body(events: list[dict[str, object]]) -> bytes:
    return json.dumps({"events": events}).encode()


def _both_paths(body: bytes) -> tuple[object, object]:
    events, typed = decode_usage_body(body)
    fast = validate_usage_events(events, STARTS, NOW, typed=typed)
    loose = validate_usage_events(json.loads(body)["events"], STARTS, NOW, typed=False)
    return fast, loose


def test_service_start_is_paris_midnight() -> None:
    assert STARTS["acme"] == to_micros(datetime(2026, 2, 28, 23, 0, tzinfo=UTC))


def test_an_instant_in_paris_time_is_booked_in_its_paris_month() -> None:
    # 2026-03-31T22:30:00Z is 1 April 00:30 in Paris (summer time, UTC+2): April, not March.
    events, typed = decode_usage_body(
        _body([{"id": "e1", "account": "acme", "at": "2026-03-31T22:30:00Z", "credits": 5}])
    )
    records, problems = validate_usage_events(events, STARTS, NOW, typed=typed)
    assert typed and problems == []
    assert records.months == [Month(2026, 4).index()]
    assert records.at == [to_micros(datetime(2026, 3, 31, 22, 30, tzinfo=UTC))]


def test_one_minute_before_the_service_start_is_refused_on_both_paths() -> None:
    body = _body([{"id": "e1", "account": "acme", "at": "2026-02-28T23:59:00+01:00", "credits": 5}])
    (records, problems), (loose_records, loose_problems) = _both_paths(body)  # type: ignore[misc]
    assert len(records) == 0 and [p.field for p in problems] == ["at"]
    assert problems == loose_problems and len(loose_records) == 0


def test_the_detailed_path_names_every_bad_event() -> None:
    body = _body(
        [
            {"id": "ok", "account": "acme", "at": "2026-04-01T10:00:00+02:00", "credits": 1},
            {"id": "", "account": "acme", "at": "2026-04-01T10:00:00+02:00", "credits": 1},
            {"id": "e3", "account": "nobody", "at": "2026-04-01T10:00:00+02:00", "credits": 1},
            {"id": "e4", "account": "acme", "at": "2026-04-01T10:00:00", "credits": 1},
            {"id": "e5", "account": "acme", "at": "2026-04-01T10:00:00+02:00", "credits": MAX_CREDITS + 1},
            {"id": "e6", "account": "acme", "at": "2026-11-26T11:06:00+01:00", "credits": 1},
        ]
    )
    events, typed = decode_usage_body(body)
    assert not typed  # the strict schema refused it: the detailed path runs
    records, problems = validate_usage_events(events, STARTS, NOW, typed=typed)
    assert [(p.index, p.field) for p in problems] == [(1, "id"), (2, "account"), (3, "at"), (4, "credits"), (5, "at")]
    assert records.ids == ["ok"]


_offsets = st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))])
_instants = st.datetimes(
    min_value=datetime(2026, 2, 27), max_value=datetime(2026, 11, 27), timezones=_offsets
)
_events = st.fixed_dictionaries(
    {
        "id": st.text(min_size=0, max_size=130),
        "account": st.sampled_from(["acme", "acme", "acme", "ghost"]),
        "at": _instants.map(lambda d: d.isoformat()),
        "credits": st.one_of(st.integers(min_value=1, max_value=MAX_CREDITS), st.integers(-5, 2 * MAX_CREDITS)),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_events, min_size=1, max_size=20))
def test_fast_and_detailed_paths_give_the_same_records_and_problems(events: list[dict[str, object]]) -> None:
    (records, problems), (loose_records, loose_problems) = _both_paths(_body(events))  # type: ignore[misc]
    assert records == loose_records
    assert problems == loose_problems
    for micros, month in zip(records.at, records.months, strict=True):
        assert month == MONTHS.month_index_of(micros)


# -- the id pattern skipped only where no id can break it (issue 20 item 3) --------------------------

_REFUSED = ["\x00", "\x1f", "\x7f", "\x85", "\x9f", "\ud800", "\udfff"]


def _raw_body(events: list[dict[str, object]]) -> bytes:
    """A body as a client writing UTF-8 sends it: non-ASCII characters raw, not escaped."""
    return json.dumps({"events": events}, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _strict(body: bytes) -> object:
    """What the decoder with the id pattern makes of a body: its events, or the error's kind."""
    try:
        return msgspec.to_builtins(usage_service._decoder.decode(body).events)
    except msgspec.ValidationError:
        return "invalid"
    except msgspec.DecodeError:
        return "malformed"


def _chosen(body: bytes) -> object:
    decoder = usage_service._decoder if may_hold_refused_id_character(body) else usage_service._plain_decoder
    try:
        return msgspec.to_builtins(decoder.decode(body).events)
    except msgspec.ValidationError:
        return "invalid"
    except msgspec.DecodeError:
        return "malformed"


def test_a_plain_body_skips_the_pattern_and_any_refused_character_keeps_it() -> None:
    plain = _body([{"id": "evt-0001", "account": "acme", "at": "2026-03-02T10:00:00+01:00", "credits": 1}])
    assert not may_hold_refused_id_character(plain)
    for char in _REFUSED:
        for body in (_body([{"id": f"e{char}", "account": "acme", "at": "2026-03-02T10:00:00+01:00", "credits": 1}]),
                     _raw_body([{"id": f"e{char}", "account": "acme", "at": "2026-03-02T10:00:00+01:00",
                                 "credits": 1}])):
            # Escaped (\u0000, \u007f...) or raw (DEL is 7F, U+0085 is C2 85): the pattern is checked,
            # or msgspec refuses the bytes themselves (a raw C0 byte or a raw surrogate).
            assert may_hold_refused_id_character(body) or _strict(body) == "malformed", (char, body)
            assert _chosen(body) in ("invalid", "malformed"), (char, body)


def test_a_raw_del_or_c1_character_in_an_id_is_refused_and_named() -> None:
    for char in ("\x7f", "\x85"):
        body = _raw_body([{"id": f"e{char}x", "account": "acme", "at": "2026-03-02T10:00:00+01:00", "credits": 1}])
        events, typed = decode_usage_body(body)
        assert not typed
        _, problems = validate_usage_events(events, STARTS, NOW, typed=typed)
        assert [(p.field, p.message) for p in problems] == [("id", "contains a control character")]


@settings(max_examples=400, deadline=None)
@given(st.lists(_events, min_size=1, max_size=8), st.booleans())
def test_the_chosen_decoder_decodes_every_body_as_the_strict_one(events: list[dict[str, object]], raw: bool) -> None:
    body = _raw_body(events) if raw else _body(events)
    assert _chosen(body) == _strict(body)


class _Periods:
    """The two queries ServiceStarts reads: one account, never terminated."""

    def __init__(self) -> None:
        self.loads = 0

    def terminated_count(self) -> int:
        return 0

    def service_periods(self) -> list[tuple[str, object, object]]:
        self.loads += 1
        return [("acme", datetime(2026, 3, 1).date(), None)]


def test_the_first_batch_finds_the_service_starts_loaded() -> None:
    # A fresh process: the first batch's ends() loads the cache once, so its fast path sees acme
    # (before, it saw an empty cache, checked every event on the detailed path, then reloaded).
    periods = _Periods()
    starts = usage_service.ServiceStarts(periods)  # type: ignore[arg-type]
    assert starts.ends() == {}
    assert starts.get() == STARTS
    starts.ends()
    assert periods.loads == 1  # later batches: only the count query
