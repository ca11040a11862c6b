"""Which §8 deadline a case has missed (acknowledge by the next business day, answer by day 7)."""

from __future__ import annotations

from datetime import date
from typing import Any

from billing.services.case_views import overdue


def view(**changes: Any) -> dict[str, Any]:
    # received Friday 13 March 2026: acknowledge by Monday 16, answer by Friday 20
    base = {"kind": "dispute", "status": "open", "acknowledged_at": None, "answered_on": None,
            "acknowledge_by": "2026-03-16", "answer_by": "2026-03-20"}
    return {**base, **changes}


def test_nothing_is_overdue_on_the_deadline_itself() -> None:
    assert overdue(view(), date(2026, 3, 16)) == []


def test_a_missed_acknowledgment_then_a_missed_answer() -> None:
    assert overdue(view(), date(2026, 3, 17)) == ["acknowledgment"]
    assert overdue(view(), date(2026, 3, 21)) == ["acknowledgment", "answer"]
    assert overdue(view(acknowledged_at="2026-03-16T09:00:00+01:00"), date(2026, 3, 21)) == ["answer"]


def test_resolved_cases_and_other_messages_have_no_deadline() -> None:
    assert overdue(view(status="resolved"), date(2026, 4, 1)) == []
    assert overdue(view(kind="other", status="filed"), date(2026, 4, 1)) == []
