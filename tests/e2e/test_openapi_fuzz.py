"""schemathesis against the app's own OpenAPI, on SQLite and PostgreSQL: no 5xx, and every response
has a documented status, content type and schema. Bounded (a few positive and negative examples an
operation, derandomised so a failure replays the same way) so that `make test` stays quick."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support.api_helpers import ADMIN
from support.http_helpers import setup_customer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 30}
# A dispute email is posted as its raw bytes (API.md "Disputes"): send generated bodies as bytes.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")


def test_the_api_answers_every_generated_request_within_its_documented_responses(client: TestClient) -> None:
    setup_customer(client)  # a grid and a customer, so that some generated paths exist
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 15
    failures: list[str] = []
    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                case.headers = {**(case.headers or {}), **ADMIN}
                case.call_and_validate(checks=CHECKS)

            try:
                run()
            except Unsatisfiable:  # no negative example exists (an operation without parameters)
                continue
            except BaseException as exc:  # collect every operation's failure (an exception group), then fail once
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
