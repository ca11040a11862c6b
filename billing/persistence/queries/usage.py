"""The read-model queries of usage ingestion and statements (``billing.services.usage.UsageQueries``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy import Engine, func, select, text

from billing.persistence import tables as t
from billing.persistence.json_codec import json_text
from ledger.clock import PARIS
from ledger.months import Month


class SqlUsageQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._is_postgres = engine.dialect.name == "postgresql"

    def terminated_count(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(t.accounts).where(t.accounts.c.service_end.is_not(None))
                ).scalar_one()
            )

    def service_periods(self) -> list[tuple[str, date, date | None]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.accounts.c.account, t.accounts.c.service_start, t.accounts.c.service_end).where(
                    t.accounts.c.service_start.is_not(None)
                )
            ).all()
        return [(account, start, end) for account, start, end in rows]

    def recorded(self, accounts: list[str], ids: list[str]) -> dict[tuple[str, str], tuple[int, int]]:
        found: dict[tuple[str, str], tuple[int, int]] = {}
        with self.engine.connect() as conn:
            if self._is_postgres:
                wanted = json_text([{"a": a, "i": i} for a, i in zip(accounts, ids, strict=True)])
                rows = conn.exec_driver_sql(
                    "SELECT k.account, k.event_id, k.at_micros, k.credits FROM usage_keys k "
                    "JOIN json_to_recordset(%s::json) AS b(a text, i text) "
                    "ON k.account = b.a AND k.event_id = b.i",
                    (wanted,),
                ).all()
            else:
                by_account: dict[str, list[str]] = {}
                for account, event_id in zip(accounts, ids, strict=True):
                    by_account.setdefault(account, []).append(event_id)
                rows = []
                for account, wanted_ids in by_account.items():
                    for start in range(0, len(wanted_ids), 900):
                        chunk = wanted_ids[start : start + 900]
                        marks = ",".join("?" * len(chunk))
                        rows.extend(
                            conn.exec_driver_sql(
                                "SELECT account, event_id, at_micros, credits FROM usage_keys "
                                f"WHERE account = ? AND event_id IN ({marks})",
                                (account, *chunk),
                            ).all()
                        )
        for account, event_id, at_micros, credits in rows:
            found[(account, event_id)] = (at_micros, credits)
        return found

    def account_exists(self, account: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.accounts.c.account).where(t.accounts.c.account == account)).first() is not None

    def booked_in(self, account: str, month_index: int) -> tuple[list[tuple[int, int]], int]:
        """(origin month index, credits) booked in the month, and the credits stamped in it (any booking)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.usage_monthly.c.origin_month, t.usage_monthly.c.credits).where(
                    t.usage_monthly.c.account == account, t.usage_monthly.c.booked_month == month_index
                )
            ).all()
            stamped = conn.execute(
                text(
                    "SELECT COALESCE(SUM(credits), 0) FROM usage_monthly "
                    "WHERE account = :a AND origin_month = :m"
                ),
                {"a": account, "m": month_index},
            ).scalar_one()
        return [(int(o), int(c)) for o, c in rows], int(stamped)

    def daily_credits(self, account: str, month: Month) -> dict[date, int]:
        start = datetime.combine(month.first_day, datetime.min.time(), PARIS).astimezone(UTC)
        end = datetime.combine(month.next().first_day, datetime.min.time(), PARIS).astimezone(UTC)
        k = t.usage_keys.c
        per_day: defaultdict[date, int] = defaultdict(int)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(k.at_micros, k.credits).where(
                    k.account == account,
                    k.at_micros >= int(start.timestamp() * 1_000_000),
                    k.at_micros < int(end.timestamp() * 1_000_000),
                )
            )
            for at_micros, credits in rows:
                day = datetime.fromtimestamp(at_micros / 1_000_000, UTC).astimezone(PARIS).date()
                per_day[day] += int(credits)
        return dict(per_day)
