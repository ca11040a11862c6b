"""The indexes of the reads people wait on (issue 20 item 4), built by the migrations on both backends."""

from __future__ import annotations

from sqlalchemy import inspect

from billing.bootstrap import Container


def test_late_payment_invoices_are_found_by_their_line_kind_through_an_index(container: Container) -> None:
    # GET /v1/admin/receivables tells late-payment invoices (§8) by their lines' kind; without the index
    # that was a scan of every invoice line ever issued (600,000 for 10,000 accounts over a year).
    indexes = {i["name"]: i["column_names"] for i in inspect(container.engine).get_indexes("invoice_lines")}
    assert indexes.get("ix_invoice_lines_kind") == ["kind", "number"]
