"""A parser bomb posted to the dispute intake is a 422 naming the body, nothing recorded, on SQLite
and PostgreSQL (issue 19 item 4): before, multiparts nested 1,000 deep were a 500 (RecursionError)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from support.api_helpers import ADMIN, get

RFC822 = {**ADMIN, "Content-Type": "message/rfc822"}


def nested(depth: int) -> bytes:
    text = "From: compta@acme.fr\r\nSubject: x\r\nMessage-ID: <deep@acme.fr>\r\nMIME-Version: 1.0\r\n"
    text += 'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    for level in range(1, depth):
        text += f'--b{level - 1}\r\nContent-Type: multipart/mixed; boundary="b{level}"\r\n\r\n'
    text += f"--b{depth - 1}\r\nContent-Type: text/plain\r\n\r\nNous contestons 40,00 EUR.\r\n"
    return (text + "".join(f"--b{level}--\r\n" for level in range(depth - 1, -1, -1))).encode()


def test_multiparts_nested_1000_deep_are_a_422_and_nothing_is_recorded(client: TestClient) -> None:
    response = client.post("/v1/admin/disputes/emails", content=nested(1_000), headers=RFC822)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and "nests more than 50" in error["message"]
    assert error["details"]["field"] == "body"
    assert get(client, "/v1/admin/disputes")["cases"] == []
    fine = client.post("/v1/admin/disputes/emails", content=nested(5), headers=RFC822)
    assert fine.status_code == 201, fine.text
    assert [c["case"] for c in get(client, "/v1/admin/disputes")["cases"]] == [fine.json()["case"]]


def test_a_header_of_a_megabyte_is_a_422(client: TestClient) -> None:
    raw = b"From: compta@acme.fr\r\nSubject: " + b"a" * 1_000_000 + b"\r\nMessage-ID: <big@acme.fr>\r\n\r\nbody\r\n"
    response = client.post("/v1/admin/disputes/emails", content=raw, headers=RFC822)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["field"] == "body"
    assert get(client, "/v1/admin/disputes")["cases"] == []
