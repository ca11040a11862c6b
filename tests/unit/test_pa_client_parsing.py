"""The Flow Service client's reading of what a platform sends: lenient on values a newer spec may add,
exact on Retry-After, and rejections carrying the spec's error fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from billing.pa.client import Flow, FlowAckStatus, FlowDirection, _rejection, _retry_after_seconds
from einvoicing.flow_info import FlowProfile, FlowSyntax, ProcessingRule


def test_a_flow_of_the_spec_is_read_whole() -> None:
    flow = Flow.from_json({
        "flowId": "f-1", "trackingId": "FX-2026-000042", "submittedAt": "2026-03-01T09:00:00Z",
        "updatedAt": "2026-03-01T09:00:05.250+01:00", "flowType": "CustomerInvoice", "processingRule": "B2B",
        "flowDirection": "Out", "flowSyntax": "Factur-X", "flowProfile": "CIUS",
        "acknowledgement": {"status": "Error", "details": [
            {"level": "Error", "item": "sha256", "reasonCode": "ChecksumMismatch", "reasonMessage": "differs"}]},
    })
    assert flow.submitted_at == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert flow.updated_at == datetime(2026, 3, 1, 8, 0, 5, 250000, tzinfo=UTC)
    assert (flow.processing_rule, flow.flow_direction, flow.flow_syntax, flow.flow_profile) == (
        ProcessingRule.B2B, FlowDirection.OUT, FlowSyntax.FACTUR_X, FlowProfile.CIUS
    )
    assert flow.acknowledgement is not None and flow.acknowledgement.status is FlowAckStatus.ERROR
    assert flow.acknowledgement.details[0].reason_code == "ChecksumMismatch"


def test_values_outside_the_spec_become_none_instead_of_failing() -> None:
    flow = Flow.from_json({"flowId": 42, "processingRule": "B2G", "flowSyntax": "PDF", "updatedAt": "yesterday",
                           "acknowledgement": {"status": "Accepted", "details": "none"}})
    assert flow.flow_id == "42" and flow.processing_rule is None and flow.flow_syntax is None
    assert flow.updated_at is None
    assert flow.acknowledgement is not None and flow.acknowledgement.status is None
    assert flow.acknowledgement.details == ()


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert _retry_after_seconds("120") == 120.0
    assert _retry_after_seconds(None) is None and _retry_after_seconds("soon") is None
    in_a_minute = (datetime.now(UTC) + timedelta(seconds=60)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    waited = _retry_after_seconds(in_a_minute)
    assert waited is not None and 55 <= waited <= 60
    assert _retry_after_seconds("Mon, 01 Jan 2001 00:00:00 GMT") == 0.0  # in the past: no wait


def test_a_rejection_keeps_the_error_and_the_acknowledgement_details() -> None:
    request = httpx.Request("POST", "https://pa.example.test/v1/flows")
    response = httpx.Response(422, request=request, json={
        "errorCode": "UNPROCESSABLE_ENTITY", "errorMessage": "Entity consistency error",
        "acknowledgement": {"status": "Error", "details": [
            {"level": "Error", "item": "trackingId", "reasonCode": "AlreadyExistingFlow", "reasonMessage": "seen"}]},
    })
    rejection = _rejection("createFlow", response)
    assert (rejection.status_code, rejection.error_code, rejection.error_message) == (
        422, "UNPROCESSABLE_ENTITY", "Entity consistency error"
    )
    assert [d.reason_code for d in rejection.details] == ["AlreadyExistingFlow"]
    bare = _rejection("getFlow", httpx.Response(403, request=request, text="<html>forbidden</html>"))
    assert (bare.status_code, bare.error_code, bare.details) == (403, None, ())
