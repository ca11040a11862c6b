"""Every search and download the Flow Service client sends passes the request validation of Stoplight
Prism serving the published XP Z12-013 OpenAPI (an implementation of the spec that is not ours).

Prism (npm ``@stoplight/prism-cli``, installed by ``scripts/ensure-prism``) mocks the API and reports in
an ``sl-violations`` header what it finds wrong with the request and with its own mocked response. Only
the request's violations matter here. Two limits of Prism, checked rather than assumed:
- it does not decode the JSON ``flowInfo`` part of the multipart ``POST /v1/flows`` ("must be object"):
  ``flowInfo`` is for the test platform to check (test_pa_flow_service_client.py);
- it cannot mock the file of ``GET /v1/flows/{flowId}`` (the spec's Content-Disposition pattern): the
  download answers 500, after Prism has validated the request.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.pa_platform import RunningPlatform, running_platform
from support.standards import standards_dir

from billing.pa import DocType, FlowDirection, FlowServiceClient, PaConfig, PaRejected, PaUnavailable
from einvoicing.flow_info import invoice_flow_info

REPO = Path(__file__).resolve().parents[2]
PRISM = REPO / "var" / "tools" / "prism" / "node_modules" / ".bin" / "prism"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def prism_url() -> Iterator[str]:
    if not PRISM.exists():
        pytest.fail(f"{PRISM} is missing: run scripts/ensure-prism")
    spec = standards_dir() / "afnor-xp-z12-013" / "flow-service-1.1.0.openapi.json"
    port = _free_port()
    process = subprocess.Popen(
        [str(PRISM), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "SCARF_ANALYTICS": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/v1/healthcheck", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                    pytest.fail(f"Prism did not start:\n{output[-2000:]}")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def token_platform() -> Iterator[RunningPlatform]:
    """Prism has no token endpoint: the test platform's issues the client's token."""
    with running_platform() as running:
        yield running


class Violations:
    """The request violations Prism reports, collected from every response the client receives."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, list[dict[str, Any]]]] = []

    def hook(self, response: httpx.Response) -> None:
        if response.request.url.path == "/token":  # the test platform's, not Prism's
            return
        found = json.loads(response.headers.get("sl-violations") or "[]")
        mine = [v for v in found if v.get("location", [None])[0] == "request"]
        self.requests.append((response.request.method, response.request.url.path, mine))

    def of(self, method: str, path_start: str) -> list[dict[str, Any]]:
        return [v for m, p, vs in self.requests if m == method and p.startswith(path_start) for v in vs]


def _client(prism_url: str, token_platform: RunningPlatform, violations: Violations) -> FlowServiceClient:
    cfg = PaConfig(prism_url, token_platform.token_url, token_platform.platform.client_id,
                   token_platform.platform.client_secret, max_attempts=1)
    http = httpx.Client(event_hooks={"response": [violations.hook]})
    return FlowServiceClient(cfg, http=http, sleep=lambda _: None)


def test_searches_and_metadata_pass_prism(prism_url: str, token_platform: RunningPlatform) -> None:
    violations = Violations()
    client = _client(prism_url, token_platform, violations)
    client.search_flows(updated_after=datetime(2026, 3, 1, 8, 30, tzinfo=UTC), directions=(FlowDirection.IN,),
                        flow_types=("CustomerInvoiceLC",), limit=100)
    client.search_flows(tracking_id="FX-2026-000042", directions=(FlowDirection.OUT,), limit=1)
    list(client.flows_updated_after(datetime(2026, 3, 1, tzinfo=UTC)))
    flow = client.get_flow("3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert flow.flow_id  # Prism's mocked Flow, parsed
    assert len(violations.requests) >= 4
    assert all(vs == [] for _, _, vs in violations.requests), violations.requests


def test_a_download_passes_prism(prism_url: str, token_platform: RunningPlatform) -> None:
    violations = Violations()
    client = _client(prism_url, token_platform, violations)
    for doc_type in (DocType.ORIGINAL, DocType.CONVERTED, DocType.READABLE_VIEW):
        with pytest.raises(PaUnavailable):  # Prism's own mock of the file fails, not our request
            client.download_flow("FX-flow-1", doc_type)
    assert len(violations.requests) == 3 and violations.of("GET", "/v1/flows/") == []


def test_a_submission_fails_prism_only_on_the_json_part_it_cannot_decode(
    prism_url: str, token_platform: RunningPlatform
) -> None:
    violations = Violations()
    client = _client(prism_url, token_platform, violations)
    pdf = b"%PDF-1.7 FX-2026-000042"
    with pytest.raises(PaRejected):
        client.submit_flow(invoice_flow_info("FX-2026-000042", pdf, file_name="FX-2026-000042.pdf"), pdf,
                           file_name="FX-2026-000042.pdf", content_type="application/pdf")
    assert [(v["location"], v["code"]) for v in violations.of("POST", "/v1/flows")] == [
        (["request", "body", "flowInfo"], "type")
    ]


def test_prism_does_report_a_request_off_the_spec(prism_url: str) -> None:
    """The check above is not a rubber stamp: a request off the spec gets its violation reported."""
    violations = Violations()
    with httpx.Client(event_hooks={"response": [violations.hook]}) as http:
        http.get(f"{prism_url}/v1/flows/abc", params={"docType": "Pdf"}, headers={"Authorization": "Bearer x"})
        http.post(f"{prism_url}/v1/flows/search", json={"limit": 500, "where": {"updatedAfter": "yesterday"}},
                  headers={"Authorization": "Bearer x"})
    assert [v["code"] for v in violations.of("GET", "/v1/flows/abc")] == ["enum"]
    assert sorted(v["code"] for v in violations.of("POST", "/v1/flows/search")) == ["format", "maximum"]
