"""Errors in the user's terms (issue 19.6): no regular expression in a 422, one details shape, a JSON
syntax error that says where, instants with their offset."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, post
from support.factories import customer

INTERVENTIONS = "/v1/admin/customers/acme/interventions"
# What a regular expression looks like in a message: anchors, classes, groups, quantifiers.
REGEX = re.compile(r"\^|\$'|\[[0-9a-zA-Z]-[0-9a-zA-Z]\]|\{\d+(,\d*)?\}|\(\?|\\[.d]")


def assert_invalid(response: object, field: str) -> dict[str, object]:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "invalid"
    assert not REGEX.search(error["message"]), error["message"]
    details = error["details"]
    assert details["field"] == field, details
    assert details["fields"] and all(set(f) == {"field", "message"} for f in details["fields"]), details
    assert not any(REGEX.search(f["message"]) for f in details["fields"]), details
    return error  # type: ignore[no-any-return]


def test_a_value_that_misses_its_format_is_said_in_words_with_an_example(client: TestClient) -> None:
    post(client, "/v1/admin/customers", customer("acme"))
    cases = [
        (INTERVENTIONS, {"on": "2026-02-30x", "hours": "1.5", "description": "x"}, "on", "for example 2026-03-17"),
        (INTERVENTIONS, {"on": "2026-02-03", "hours": "1.555", "description": "x"}, "hours", "for example 2.5"),
        ("/v1/admin/customers/acme/payments",
         {"invoice": "FX-2026-000001", "amount": "1e3", "received_on": "2026-02-03", "method": "transfer"},
         "amount", "at most 2 decimals, up to 1,000,000,000, for example 1234.50"),
        ("/v1/admin/customers", {**customer("beta"), "address": {**customer("beta")["address"], "country": "FRA"}},
         "address.country", "two-letter"),
    ]
    for path, body, field, words in cases:
        error = assert_invalid(client.post(path, json=body, headers=ADMIN), field)
        assert words in error["message"], error["message"]


def test_a_json_syntax_error_says_on_which_line_and_column(client: TestClient) -> None:
    post(client, "/v1/admin/customers", customer("acme"))
    body = '{"on": "2026-02-03",\n "hours": "1.5",\n "description": "x",}'
    response = client.post(INTERVENTIONS, content=body, headers={**ADMIN, "Content-Type": "application/json"})
    error = assert_invalid(response, "body")
    # After the trailing comma a name is expected: the closing brace, line 3, column 21 (` "description"`
    # is columns 1-14, `:` 15, space 16, `"x"` 17-19, `,` 20, `}` 21).
    assert "line 3, column 21" in error["message"], error["message"]


def test_a_domain_refusal_has_the_same_details_shape_as_a_format_error(client: TestClient) -> None:
    post(client, "/v1/admin/customers", customer("acme"))
    # 2026-02-30 matches the date pattern but is no calendar day: the domain refuses it.
    error = assert_invalid(client.post(INTERVENTIONS, json={"on": "2026-02-30", "hours": "1.5", "description": "x"},
                                       headers=ADMIN), "on")
    assert error["details"]["fields"] == [{"field": "on", "message": error["message"]}]  # type: ignore[index]
    # A control character in the query is refused by the guard before any route, in the same shape.
    assert_invalid(client.get("/v1/admin/invoices?month=2026-02%00", headers=ADMIN), "query")


def test_token_creation_times_carry_their_offset(client: TestClient) -> None:
    """The fixture clock is noon in Paris on 2026-02-12: listed as 12:00+01:00 on both backends."""
    post(client, "/v1/admin/tokens", {"role": "admin"})
    listed = client.get("/v1/admin/tokens", headers=ADMIN).json()["tokens"]
    assert [t["created_at"] for t in listed] == ["2026-02-12T12:00:00+01:00"]
