"""Read-model rows of a year's FEC: the entries posted in ``fec_entries`` (exports/fec.py, §12)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine, select

from billing.persistence import tables as t
from exports.fec import FecEntry


class SqlFecQueries:
    """:class:`billing.services.exports.FecQueries` over the ``fec_entries`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def year_entries(self, year: int) -> list[FecEntry]:
        c = t.fec_entries.c
        query = (
            select(c.entry, c.journal, c.entry_date, c.piece, c.account, c.legal_name, c.label, c.total_ht,
                   c.total_vat, c.total_ttc, c.settles, c.valid_date)
            .where(c.fiscal_year == year)
            .order_by(c.entry)
        )
        with self.engine.connect() as conn:
            return [
                FecEntry(entry, journal, on, piece, account, name, label, Decimal(ht), Decimal(vat), Decimal(ttc),
                         settles, valid)
                for entry, journal, on, piece, account, name, label, ht, vat, ttc, settles, valid
                in conn.execute(query).tuples()
            ]
