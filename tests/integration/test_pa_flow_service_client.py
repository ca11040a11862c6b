"""The Flow Service client against a test platform over real HTTP that checks each request against the
published XP Z12-013 OpenAPI (tests/support/pa_platform.py): tokens, the three operations, retries with
backoff on 429/5xx/timeouts, rejections, and a flow never sent twice."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from support.pa_platform import RunningPlatform, running_platform
from support.standards import cdar_examples

from billing.pa import (
    DocType,
    FlowAckStatus,
    FlowDirection,
    FlowServiceClient,
    PaConfig,
    PaRejected,
    PaUnavailable,
    flow_service_client,
)
from billing.settings import Settings, load_settings
from einvoicing.cdar import parse_cdar
from einvoicing.flow_info import FlowInfo, FlowSyntax, invoice_flow_info

PDF = b"%PDF-1.7\r\n% a Factur-X invoice \x00\xff\r\n%%EOF\n"


@pytest.fixture
def pa() -> Iterator[RunningPlatform]:
    with running_platform() as running:
        yield running
        # Every request the client sent passed the published spec (and the platform's answers too).
        assert running.platform.violations == []


class Sleeps:
    """The client's sleep, recorded instead of slept: backoff is asserted, and the tests stay fast."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def _client(pa: RunningPlatform, sleeps: Sleeps | None = None, **config: object) -> FlowServiceClient:
    cfg = PaConfig(
        url=pa.base_url,
        token_url=pa.token_url,
        client_id=pa.platform.client_id,
        client_secret=pa.platform.client_secret,
        **config,  # type: ignore[arg-type]
    )
    return FlowServiceClient(cfg, sleep=sleeps or Sleeps(), rng=random.Random(7))


def _info(number: str = "FX-2026-000042") -> FlowInfo:
    return invoice_flow_info(number, PDF, file_name=f"{number}.pdf")


def test_a_flow_is_submitted_with_its_flow_info_and_file(pa: RunningPlatform) -> None:
    with _client(pa) as client:
        submitted = client.submit_flow(_info(), PDF, file_name="FX-2026-000042.pdf", content_type="application/pdf")
    assert submitted.flow_id and submitted.tracking_id == "FX-2026-000042"
    assert submitted.flow_syntax is FlowSyntax.FACTUR_X and submitted.sha256 == hashlib.sha256(PDF).hexdigest()
    (stored,) = pa.platform.flows.values()
    assert stored.content == PDF  # byte for byte, CR LF and NUL included
    assert stored.content_type == "application/pdf" and stored.file_name == "FX-2026-000042.pdf"
    assert stored.flow["acknowledgement"] == {"status": "Ok"}  # the sha256 we sent matched the file


def test_the_token_is_fetched_once_and_kept_until_it_nears_expiry(pa: RunningPlatform) -> None:
    now = [1000.0]
    pa.platform.token_lifetime = 300
    cfg = PaConfig(pa.base_url, pa.token_url, pa.platform.client_id, pa.platform.client_secret, token_margin=30)
    with FlowServiceClient(cfg, sleep=Sleeps(), clock=lambda: now[0]) as client:
        for _ in range(3):
            client.search_flows(updated_after=datetime(2026, 1, 1, tzinfo=UTC))
        assert pa.platform.tokens_issued == 1
        now[0] += 269  # 300 s lifetime - 30 s margin = renewed from 270 s on
        client.search_flows(updated_after=datetime(2026, 1, 1, tzinfo=UTC))
        assert pa.platform.tokens_issued == 1
        now[0] += 1
        client.search_flows(updated_after=datetime(2026, 1, 1, tzinfo=UTC))
        assert pa.platform.tokens_issued == 2


def test_a_revoked_token_is_replaced_once(pa: RunningPlatform) -> None:
    with _client(pa) as client:
        client.search_flows(updated_after=datetime(2026, 1, 1, tzinfo=UTC))
        pa.platform.revoke_tokens()
        client.search_flows(updated_after=datetime(2026, 1, 1, tzinfo=UTC))
    assert pa.platform.tokens_issued == 2 and pa.platform.count("searchFlow") == 3  # 200, 401, 200


def test_wrong_client_credentials_are_a_rejection(pa: RunningPlatform) -> None:
    cfg = PaConfig(pa.base_url, pa.token_url, pa.platform.client_id, "not-the-secret")
    with FlowServiceClient(cfg, sleep=Sleeps()) as client, pytest.raises(PaRejected) as caught:
        client.get_flow("whatever")
    assert caught.value.status_code == 401 and caught.value.error_code == "invalid_client"
    assert pa.platform.count("getFlow") == 0


def test_429_waits_the_retry_after_the_platform_asks_for(pa: RunningPlatform) -> None:
    sleeps = Sleeps()
    pa.platform.fail_next("createFlow", 429, retry_after="7", error_code="TOO_MANY_REQUESTS")
    with _client(pa, sleeps) as client:
        client.submit_flow(_info(), PDF, file_name="a.pdf", content_type="application/pdf")
    assert sleeps.delays == [7.0]
    assert pa.platform.count("createFlow") == 2 and len(pa.platform.flows) == 1


def test_retry_after_as_an_http_date_and_capped(pa: RunningPlatform) -> None:
    sleeps = Sleeps()
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    pa.platform.fail_next("searchFlow", 503, retry_after=later)
    with _client(pa, sleeps, backoff_max=20.0) as client:
        client.search_flows(updated_after=datetime(2026, 1, 1, tzinfo=UTC))
    assert sleeps.delays == [20.0]  # an hour asked, 20 s at most


def test_5xx_are_retried_with_growing_backoff(pa: RunningPlatform) -> None:
    sleeps = Sleeps()
    pa.platform.fail_next("getFlow", 503, times=2)
    pa.platform.fail_next("getFlow", 500)
    flow_id = pa.platform.add_incoming(b"<x/>", tracking_id="FX-1", updated_at=datetime(2026, 3, 1, tzinfo=UTC))
    with _client(pa, sleeps, backoff_base=0.5) as client:
        flow = client.get_flow(flow_id)
    assert flow.flow_id == flow_id and pa.platform.count("getFlow") == 4
    # Full jitter: the n-th wait is drawn in [0, 0.5 x 2^(n-1)]: [0, 0.5], [0, 1], [0, 2].
    assert len(sleeps.delays) == 3
    assert all(0 <= d <= cap for d, cap in zip(sleeps.delays, (0.5, 1.0, 2.0), strict=True))


def test_a_platform_that_stays_down_is_unavailable_after_the_last_attempt(pa: RunningPlatform) -> None:
    sleeps = Sleeps()
    pa.platform.fail_next("searchFlow", 503, times=10)
    with _client(pa, sleeps, max_attempts=4) as client, pytest.raises(PaUnavailable) as caught:
        client.search_flows(updated_after=datetime(2026, 1, 1, tzinfo=UTC))
    assert caught.value.attempts == 4 and caught.value.last == "HTTP 503"
    assert pa.platform.count("searchFlow") == 4 and len(sleeps.delays) == 3  # no wait after the last


def test_a_400_is_a_rejection_carrying_the_error_fields_and_is_not_retried(pa: RunningPlatform) -> None:
    pa.platform.fail_next("createFlow", 400, error_code="MISSING_REQUIRED_FIELD", error_message="Invalid request format")
    with _client(pa) as client, pytest.raises(PaRejected) as caught:
        client.submit_flow(_info(), PDF, file_name="a.pdf", content_type="application/pdf")
    assert (caught.value.status_code, caught.value.error_code, caught.value.error_message) == (
        400,
        "MISSING_REQUIRED_FIELD",
        "Invalid request format",
    )
    assert pa.platform.count("createFlow") == 1 and pa.platform.flows == {}


def test_a_flow_taken_before_a_503_is_not_sent_again(pa: RunningPlatform) -> None:
    """The platform stores the flow, then answers 503: the retry finds it by trackingId instead of re-sending."""
    pa.platform.fail_next("createFlow", 503, after_processing=True)
    with _client(pa) as client:
        submitted = client.submit_flow(_info(), PDF, file_name="a.pdf", content_type="application/pdf")
    (only,) = pa.platform.flows_tracked("FX-2026-000042")
    assert submitted.flow_id == only["flowId"]
    assert pa.platform.count("createFlow") == 1 and pa.platform.count("searchFlow") == 1


def test_a_flow_whose_answer_timed_out_is_not_sent_again(pa: RunningPlatform) -> None:
    pa.platform.fail_next("createFlow", 202, delay=1.5, after_processing=True)
    with _client(pa, timeout=0.5) as client:
        submitted = client.submit_flow(_info(), PDF, file_name="a.pdf", content_type="application/pdf")
    (only,) = pa.platform.flows_tracked("FX-2026-000042")
    assert submitted.flow_id == only["flowId"] and pa.platform.count("createFlow") == 1


def test_a_429_is_not_ambiguous_the_flow_is_simply_sent_again(pa: RunningPlatform) -> None:
    pa.platform.fail_next("createFlow", 429)
    with _client(pa) as client:
        client.submit_flow(_info(), PDF, file_name="a.pdf", content_type="application/pdf")
    assert pa.platform.count("searchFlow") == 0 and pa.platform.count("createFlow") == 2


def test_a_job_run_again_checks_first_and_sends_nothing_new(pa: RunningPlatform) -> None:
    with _client(pa) as client:
        first = client.submit_flow(_info(), PDF, file_name="a.pdf", content_type="application/pdf")
        again = client.submit_flow(_info(), PDF, file_name="a.pdf", content_type="application/pdf", check_existing=True)
    assert again.flow_id == first.flow_id and len(pa.platform.flows_tracked("FX-2026-000042")) == 1


def test_a_second_flow_of_one_tracking_id_is_refused_by_the_platform(pa: RunningPlatform) -> None:
    """Why the client never re-sends: the platform acknowledges a duplicate as AlreadyExistingFlow."""
    with _client(pa) as client:
        client.submit_flow(_info(), PDF, file_name="a.pdf", content_type="application/pdf")
        second = client.submit_flow(_info(), PDF, file_name="a.pdf", content_type="application/pdf")
        flow = client.get_flow(second.flow_id or "")
    assert flow.acknowledgement is not None and flow.acknowledgement.status is FlowAckStatus.ERROR
    assert [d.reason_code for d in flow.acknowledgement.details] == ["AlreadyExistingFlow"]


def test_a_wrong_checksum_comes_back_as_an_acknowledgement_error(pa: RunningPlatform) -> None:
    info = FlowInfo(flow_syntax=FlowSyntax.FACTUR_X, tracking_id="FX-9", sha256=hashlib.sha256(b"other").hexdigest())
    with _client(pa) as client:
        flow = client.get_flow(client.submit_flow(info, PDF, file_name="a.pdf", content_type="application/pdf").flow_id or "")
    assert flow.acknowledgement is not None
    assert (flow.acknowledgement.details[0].level, flow.acknowledgement.details[0].reason_code) == ("Error", "ChecksumMismatch")


def test_incoming_lifecycle_flows_are_found_by_updated_after_and_downloaded(pa: RunningPlatform) -> None:
    start = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    examples = cdar_examples()
    ids = [
        pa.platform.add_incoming(path.read_bytes(), tracking_id="F202500003", updated_at=start + timedelta(minutes=i))
        for i, path in enumerate(examples)
    ]
    with _client(pa) as client:
        found = list(client.flows_updated_after(start, page=2, directions=(FlowDirection.IN,)))
        # Flows updated strictly after `start`: all but the first, in order, none twice across pages of 2.
        assert [f.flow_id for f in found] == ids[1:]
        content = client.download_flow(found[-1].flow_id or "", DocType.ORIGINAL)
    assert content == examples[-1].read_bytes()
    assert parse_cdar(content).status.invoice_number == "F202500003"
    assert pa.platform.count("searchFlow") == 5  # pages of 2, 2, 2, 2, then 0 (8 flows)


@pytest.mark.parametrize(("inclusive", "page"), [(False, 2), (True, 3)])
def test_pages_ending_on_a_shared_instant_lose_and_repeat_nothing(pa: RunningPlatform, inclusive: bool, page: int) -> None:
    """Six flows updated two by two at the same instant (t0 t0 t1 t1 t2 t2), whether the platform reads
    updatedAfter as strict or inclusive: every flow once. (Inclusive with pages of 2 could never get past
    t0: the spec's pagination cannot, so the page must be larger than the flows of one instant.)"""
    pa.platform.updated_after_inclusive = inclusive
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    ids = [
        pa.platform.add_incoming(b"<x/>", tracking_id=f"FX-{i}", updated_at=t0 + timedelta(seconds=i // 2))
        for i in range(6)
    ]
    with _client(pa) as client:
        found = [f.flow_id for f in client.flows_updated_after(t0 - timedelta(seconds=1), page=page)]
    assert sorted(found) == sorted(ids) and len(found) == 6  # type: ignore[type-var]


def test_an_unknown_flow_is_a_404_rejection(pa: RunningPlatform) -> None:
    with _client(pa) as client, pytest.raises(PaRejected) as caught:
        client.get_flow("no-such-flow")
    assert (caught.value.status_code, caught.value.error_code) == (404, "MISSING_RESOURCE")


def test_the_test_platform_refuses_what_the_spec_forbids(pa: RunningPlatform) -> None:
    """The checks the fixture relies on are real: requests off the spec are answered 400 and recorded."""
    token = pa.platform.issue_token()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=pa.base_url, headers=headers) as http:
        no_syntax = http.post("/v1/flows", files={"flowInfo": (None, b'{"trackingId":"x"}', "application/json"),
                                                  "file": ("a.pdf", PDF, "application/pdf")})
        flow_info_as_text = http.post("/v1/flows", files={"flowInfo": (None, b'{"flowSyntax":"CII"}', "text/plain"),
                                                          "file": ("a.xml", b"<a/>", "application/xml")})
        no_file = http.post("/v1/flows", files={"flowInfo": (None, b'{"flowSyntax":"CII"}', "application/json")})
        empty_search = http.post("/v1/flows/search", json={"where": {}})
        big_limit = http.post("/v1/flows/search", json={"limit": 500, "where": {"trackingId": "x"}})
        bad_date = http.post("/v1/flows/search", json={"where": {"updatedAfter": "yesterday"}})
        bad_doc_type = http.get("/v1/flows/abc", params={"docType": "Pdf"})
        bad_request_id = http.get("/v1/flows/abc", headers={"X-Request-Id": "not-a-uuid"})
    answers = [no_syntax, flow_info_as_text, no_file, empty_search, big_limit, bad_date, bad_doc_type, bad_request_id]
    assert [r.status_code for r in answers] == [400] * 8
    violations = list(pa.platform.violations)
    assert len(violations) >= 8 and any("flowSyntax" in v for v in violations)
    assert any("text/plain" in v for v in violations) and any("'file' is a required property" in v for v in violations)
    assert any("date-time" in v for v in violations) and any("500" in v for v in violations)
    pa.platform.violations.clear()  # seen; the fixture's final check is for the client's requests


def test_nothing_is_configured_by_default() -> None:
    assert flow_service_client(Settings()) is None
    assert PaConfig.from_settings(Settings()) is None


def test_the_four_settings_make_a_client_and_the_secret_stays_out_of_reprs() -> None:
    settings = Settings(
        pa_url="https://pa.example.test/flow-service/",
        pa_token_url="https://pa.example.test/oauth/token",
        pa_client_id="flexio",
        pa_client_secret="s3cret",  # type: ignore[arg-type]
    )
    config = PaConfig.from_settings(settings)
    assert config is not None and config.url == "https://pa.example.test/flow-service"  # no trailing slash
    assert "s3cret" not in repr(config) and "s3cret" not in repr(settings)
    client = flow_service_client(settings)
    assert client is not None
    client.close()


def test_a_partial_platform_configuration_stops_the_start() -> None:
    with pytest.raises(SystemExit, match="BILLING_PA_CLIENT_SECRET"):
        load_settings(pa_url="https://pa.example.test", pa_token_url="https://pa.example.test/t", pa_client_id="x")
    with pytest.raises(SystemExit, match="BILLING_PA_URL"):
        load_settings(pa_url="ftp://pa.example.test", pa_token_url="https://t", pa_client_id="x", pa_client_secret="y")


def test_the_published_reason_code_schema_refuses_its_own_enum_under_strict_one_of() -> None:
    """Why tests/support/standards.py reads ReasonCode's oneOf as anyOf (a defect of the published text)."""
    import jsonschema
    from support.standards import flow_service_openapi

    strict = jsonschema.Draft4Validator(
        {"$ref": "#/components/schemas/ReasonCode", "components": flow_service_openapi()["components"]}
    )
    assert not strict.is_valid("ChecksumMismatch")  # in ReasonCodeEnum, and a string: two matches
    assert strict.is_valid("PLATFORM_OWN_CODE")  # only a string: one match
