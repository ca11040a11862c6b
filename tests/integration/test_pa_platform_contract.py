"""The test platform itself honours the published Flow Service contract: schemathesis generates requests
from the official OpenAPI (XP Z12-013 v1.1.0) and checks every answer of the platform, over real HTTP.

A client test is only as good as the platform it runs against: this one makes sure the platform answers
within the documented statuses, content types and schemas, and that what it refuses as off-spec in
positive examples is only what the spec's prose adds (a search needs one criterion)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support.pa_platform import RunningPlatform, running_platform
from support.standards import flow_service_openapi

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 40, GenerationMode.NEGATIVE: 20}
PROSE_RULES = ("at least one criterion",)  # the searchFlow description, which no schema expresses


def _published_spec() -> dict[str, Any]:
    """The official document, with ReasonCode's oneOf read as anyOf (tests/support/standards.py says why)."""
    spec = copy.deepcopy(flow_service_openapi())
    reason = spec["components"]["schemas"]["ReasonCode"]
    reason["anyOf"] = reason.pop("oneOf")
    return spec


@pytest.fixture
def pa() -> Iterator[RunningPlatform]:
    with running_platform() as running:
        running.platform.add_incoming(b"<x/>", tracking_id="FX-1", updated_at=datetime(2026, 3, 1, tzinfo=UTC))
        yield running


def test_the_platform_answers_every_generated_request_within_the_spec(pa: RunningPlatform) -> None:
    schema = schemathesis.openapi.from_dict(_published_spec())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert sorted(op.label for op in operations) == [
        "GET /v1/flows/{flowId}", "GET /v1/healthcheck", "POST /v1/flows", "POST /v1/flows/search"
    ]
    token = pa.platform.issue_token()
    failures: list[str] = []
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            pa.platform.violations.clear()

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
                case.call_and_validate(base_url=pa.base_url, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                continue
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
            if mode is GenerationMode.POSITIVE:
                stricter = [v for v in pa.platform.violations if not any(rule in v for rule in PROSE_RULES)]
                if stricter:
                    failures.append(f"{operation.label}: refused valid requests: {stricter[:5]}")
    assert not failures, "\n\n".join(failures)
    assert pa.platform.count("createFlow") > 0 and pa.platform.count("searchFlow") > 0
