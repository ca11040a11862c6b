"""Issue 17.6 inside one batch: whatever fails for one document (its HTML, its XML, the batch's one
wkhtmltopdf run) rejects that document alone, with the reason; the others get their PDFs."""

from __future__ import annotations

import os
from typing import Any

import pytest
from test_factur_x_documents import invoice

from billing.documents import render
from billing.documents.render import RENDER_NICENESS, RenderError, RenderPool, render_batch, render_batches


def numbered(number: str, **changes: Any) -> dict[str, Any]:
    document = invoice()
    document.update(number=number, **changes)
    return document


def test_a_document_missing_its_buyer_is_rejected_and_its_neighbours_are_stored() -> None:
    bad = numbered("FX-2026-000002")
    del bad["buyer"]  # as late-payment invoices were issued before issue 17.6
    results = render_batch([numbered("FX-2026-000001"), bad, numbered("FX-2026-000003")])
    assert [r.number for r in results] == ["FX-2026-000001", "FX-2026-000002", "FX-2026-000003"]
    assert results[0].pdf and results[2].pdf and results[1].pdf is None
    [failure] = results[1].failures
    assert (failure.rule, failure.flag, failure.source) == ("RENDER", "fatal", "render")
    assert "KeyError: 'buyer'" in failure.message
    # The batch recorded for a re-render is what was laid out together: without the rejected one.
    assert results[0].batch == results[2].batch == ("FX-2026-000001", "FX-2026-000003")


def test_a_document_whose_xml_cannot_be_built_is_rejected_with_the_reason() -> None:
    bad = numbered("FX-2026-000002")
    bad["buyer"] = {**bad["buyer"], "vat_regime": "martian"}  # no VAT category for it
    first, second = render_batch([numbered("FX-2026-000001"), bad])
    assert first.pdf is not None and second.pdf is None
    assert second.failures[0].rule == "RENDER" and "converted to Factur-X XML" in second.failures[0].message


def test_a_batch_whose_wkhtmltopdf_run_fails_as_a_whole_is_rendered_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    split = render._split

    def fails_with_the_bad_one(pdf: bytes, numbers: Any) -> Any:
        if "FX-2026-000002" in numbers:
            raise RenderError("document markers found for 2 of 3 documents")
        return split(pdf, numbers)

    monkeypatch.setattr(render, "_split", fails_with_the_bad_one)
    batch = [numbered("FX-2026-000001"), numbered("FX-2026-000002"), numbered("FX-2026-000003")]
    [results] = list(render_batches([batch], workers=1))
    assert [r.pdf is not None for r in results] == [True, False, True]
    assert results[1].failures[0].rule == "RENDER" and "RenderError" in results[1].failures[0].message
    assert results[0].batch == ("FX-2026-000001",) and results[2].batch == ("FX-2026-000003",)  # re-rendered alone


def test_the_previews_checks_report_a_draft_that_cannot_be_converted_and_check_the_others() -> None:
    from billing.documents.render import check_many

    bad = numbered("PREVIEW-000002")
    bad["buyer"] = {**bad["buyer"], "vat_regime": "martian"}
    good, failed = check_many([numbered("PREVIEW-000001"), bad])
    assert good == [] and [f["rule"] for f in failed] == ["RENDER"]


def test_a_wkhtmltopdf_that_cannot_start_rejects_nothing_the_job_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's failure, not a document's: raised, so every document stays pending."""

    def no_binary(html: str) -> Any:
        raise FileNotFoundError(2, "No such file or directory", "wkhtmltopdf")

    monkeypatch.setattr(render, "_start_wkhtmltopdf", no_binary)
    with pytest.raises(FileNotFoundError):
        list(render_batches([[numbered("FX-2026-000001"), numbered("FX-2026-000002")]], workers=1))


def test_render_workers_yield_the_cores_to_requests_and_short_jobs() -> None:
    """Issue 20: the render processes run RENDER_NICENESS below this process (capped at 19, the
    lowest priority), so a customer's request or a close is scheduled before bulk rendering."""
    pool = RenderPool(1)
    try:
        (worker_niceness,) = pool.map(os.nice, [0])  # os.nice(0) answers the niceness, changing nothing
    finally:
        pool.close()
    assert worker_niceness == min(19, os.nice(0) + RENDER_NICENESS)
