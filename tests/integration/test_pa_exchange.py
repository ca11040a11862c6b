"""Sending a document and polling the lifecycle, against the test platform over real HTTP."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from support.pa_platform import RunningPlatform, running_platform
from support.standards import cdar_examples

from billing.pa import FlowAckStatus, FlowServiceClient, PaConfig, PaUnavailable
from billing.pa.exchange import TransmissionRejected, Transmitted, poll_lifecycle, transmit_document
from einvoicing.flow_info import FlowSyntax, ProcessingRule
from einvoicing.lifecycle import LifecycleStatus

PDF = b"%PDF-1.7\n% FX-2026-000042\n%%EOF\n"


@pytest.fixture
def pa() -> Iterator[RunningPlatform]:
    with running_platform() as running:
        yield running
        assert running.platform.violations == []


def _client(pa: RunningPlatform, **config: object) -> FlowServiceClient:
    cfg = PaConfig(pa.base_url, pa.token_url, pa.platform.client_id, pa.platform.client_secret, **config)  # type: ignore[arg-type]
    return FlowServiceClient(cfg, sleep=lambda _: None, rng=random.Random(1))


def test_a_document_is_transmitted_under_its_number(pa: RunningPlatform) -> None:
    with _client(pa) as client:
        outcome = transmit_document(client, "FX-2026-000042", PDF)
        assert isinstance(outcome, Transmitted) and outcome.tracking_id == "FX-2026-000042" and outcome.flow_id
        # The answer to POST /v1/flows is a FullFlowInfo, without acknowledgement: it is read afterwards.
        assert outcome.acknowledgement is None
        flow = client.get_flow(outcome.flow_id)
    assert flow.acknowledgement is not None and flow.acknowledgement.status is FlowAckStatus.OK
    (stored,) = pa.platform.flows_tracked("FX-2026-000042")
    assert (stored["flowSyntax"], stored["flowProfile"], stored["processingRule"]) == ("Factur-X", "CIUS", "B2B")


def test_the_xml_alone_goes_as_cii(pa: RunningPlatform) -> None:
    with _client(pa) as client:
        outcome = transmit_document(client, "AV-2026-000001", b"<rsm:CrossIndustryInvoice/>", syntax=FlowSyntax.CII,
                                    processing_rule=ProcessingRule.B2B)
    assert isinstance(outcome, Transmitted)
    (stored,) = pa.platform.flows.values()
    assert stored.content_type == "application/xml" and stored.file_name == "AV-2026-000001.xml"


def test_a_rejection_is_an_outcome_with_its_codes(pa: RunningPlatform) -> None:
    pa.platform.fail_next("createFlow", 422, error_code="UNPROCESSABLE_ENTITY", error_message="Entity consistency error")
    with _client(pa) as client:
        outcome = transmit_document(client, "FX-2026-000042", PDF)
    assert isinstance(outcome, TransmissionRejected)
    assert (outcome.status_code, outcome.reason_codes, outcome.error_message) == (
        422, ("UNPROCESSABLE_ENTITY",), "Entity consistency error"
    )


def test_an_outage_is_raised_for_the_job_to_retry_and_the_retry_sends_once(pa: RunningPlatform) -> None:
    pa.platform.fail_next("createFlow", 503, times=2)  # two attempts, both refused before processing
    with _client(pa, max_attempts=2) as client:
        with pytest.raises(PaUnavailable):
            transmit_document(client, "FX-2026-000042", PDF)
        assert pa.platform.flows == {}
        # The job's next run cannot know whether an earlier one reached the platform: it looks first.
        outcome = transmit_document(client, "FX-2026-000042", PDF, attempted_before=True)
    assert isinstance(outcome, Transmitted)
    assert len(pa.platform.flows_tracked("FX-2026-000042")) == 1 and pa.platform.count("createFlow") == 3
    # A 503 may come after the platform took the flow: before each new attempt the number is looked up
    # (once inside the first run, once at the start of the second), and found on neither.
    assert pa.platform.count("searchFlow") == 2


def test_a_job_run_again_after_its_flow_reached_the_platform_sends_nothing(pa: RunningPlatform) -> None:
    with _client(pa) as client:
        first = transmit_document(client, "FX-2026-000042", PDF)
        again = transmit_document(client, "FX-2026-000042", PDF, attempted_before=True)
    assert isinstance(first, Transmitted) and isinstance(again, Transmitted) and again.flow_id == first.flow_id
    assert pa.platform.count("createFlow") == 1


def test_the_lifecycle_is_polled_parsed_and_resumed_where_it_stopped(pa: RunningPlatform) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    examples = cdar_examples()
    for i, path in enumerate(examples):
        pa.platform.add_incoming(path.read_bytes(), tracking_id="F202500003", updated_at=start + timedelta(minutes=i + 1))
    broken = pa.platform.add_incoming(b"<not-cdar/>", tracking_id="F202500003", updated_at=start + timedelta(minutes=30))
    pa.platform.add_incoming(b"<invoice/>", tracking_id="FX-1", updated_at=start + timedelta(minutes=31),
                             flow_type="SupplierInvoice")  # not a lifecycle: not asked for
    with _client(pa) as client:
        first = poll_lifecycle(client, start, page=4)
        again = poll_lifecycle(client, first.next_since)
    codes = sorted(m.message.status.code for m in first.messages)
    assert codes == ["200", "200", "202", "203", "204", "205", "211", "212", "212"]
    assert {m.message.status.status for m in first.messages} >= {LifecycleStatus.ENCAISSEE, LifecycleStatus.DEPOSEE}
    (unreadable,) = first.unreadable
    assert unreadable.flow_id == broken and unreadable.problems
    assert first.next_since == start + timedelta(minutes=30)
    assert again.messages == () and again.unreadable == () and again.next_since == first.next_since
