"""Auth (API.md "Auth", BILLING_RULES §9): tokens listed and revoked, roles kept to their endpoints,
a 404 that tells nothing, and a terminated customer's access closed after its last day of service."""

from __future__ import annotations

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, at, close_february, get, post
from support.http_helpers import setup_customer

from ledger.clock import FixedClock


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_are_listed_without_their_secret_and_a_revoked_one_is_a_401(client: TestClient) -> None:
    setup_customer(client)
    made = post(client, "/v1/admin/tokens", {"role": "customer", "account": "acme"})
    ingest = post(client, "/v1/admin/tokens", {"role": "ingest"})
    assert set(made) == {"id", "token"}
    assert client.get("/v1/customers/acme/invoices", headers=bearer(made["token"])).status_code == 200
    listed = get(client, "/v1/admin/tokens")["tokens"]
    assert {t["id"]: (t["role"], t["account"], t["revoked"]) for t in listed} == {
        made["id"]: ("customer", "acme", False), ingest["id"]: ("ingest", None, False)}
    assert made["token"] not in str(listed)
    assert client.delete(f"/v1/admin/tokens/{made['id']}", headers=ADMIN).status_code == 204
    assert client.get("/v1/customers/acme/invoices", headers=bearer(made["token"])).status_code == 401
    assert {t["id"]: t["revoked"] for t in get(client, "/v1/admin/tokens")["tokens"]} == {
        made["id"]: True, ingest["id"]: False}
    assert client.delete(f"/v1/admin/tokens/{made['id']}", headers=ADMIN).status_code == 204  # again: harmless
    assert client.delete("/v1/admin/tokens/nope", headers=ADMIN).status_code == 404
    # Only finance lists and revokes tokens.
    assert client.get("/v1/admin/tokens", headers=bearer(ingest["token"])).status_code == 403
    assert client.delete(f"/v1/admin/tokens/{ingest['id']}", headers=bearer(ingest["token"])).status_code == 403


def test_an_ingest_token_on_a_customer_route_is_a_403(client: TestClient, clock: FixedClock) -> None:
    setup_customer(client)
    close_february(client, clock)
    number = get(client, "/v1/admin/invoices?month=2026-02")["invoices"][0]["number"]
    ingest = bearer(post(client, "/v1/admin/tokens", {"role": "ingest"})["token"])
    assert client.get("/v1/customers/acme/invoices", headers=ingest).status_code == 403
    assert client.get(f"/v1/invoices/{number}", headers=ingest).status_code == 403
    assert client.get("/v1/invoices/FX-2099-000001", headers=ingest).status_code == 403


def test_another_accounts_invoice_is_the_same_404_as_one_that_does_not_exist(
    client: TestClient, clock: FixedClock
) -> None:
    setup_customer(client, "acme")
    setup_customer(client, "globex")
    close_february(client, clock)
    invoices = {i["account"]: i["number"] for i in get(client, "/v1/admin/invoices?month=2026-02")["invoices"]}
    globex = bearer(post(client, "/v1/admin/tokens", {"role": "customer", "account": "globex"})["token"])
    theirs = client.get(f"/v1/invoices/{invoices['acme']}", headers=globex)
    missing_number = invoices["acme"][:-1] + ("9" if invoices["acme"][-1] != "9" else "8")
    missing = client.get(f"/v1/invoices/{missing_number}", headers=globex)
    assert theirs.status_code == missing.status_code == 404
    # Same code and details; the message only repeats the number asked for.
    assert theirs.json()["error"]["message"].replace(invoices["acme"], "N") == \
        missing.json()["error"]["message"].replace(missing_number, "N")
    assert {k: v for k, v in theirs.json()["error"].items() if k != "message"} == \
        {k: v for k, v in missing.json()["error"].items() if k != "message"}


def test_a_terminated_customers_token_stops_after_the_last_day_of_service(
    client: TestClient, clock: FixedClock
) -> None:
    setup_customer(client)
    customer = bearer(post(client, "/v1/admin/tokens", {"role": "customer", "account": "acme"})["token"])
    at(clock, "2026-03-20")
    ended = post(client, "/v1/admin/customers/acme/termination",
                 {"notified_on": "2026-03-20", "channel": "email", "requested_end": "2026-04-30"})
    last_day = ended["effective_end"]
    at(clock, last_day, hour=23)
    assert client.get("/v1/customers/acme/invoices", headers=customer).status_code == 200
    at(clock, "2026-12-01")
    assert client.get("/v1/customers/acme/invoices", headers=customer).status_code == 401
    assert client.get("/v1/admin/invoices", headers=ADMIN).status_code == 200  # finance still reads them
