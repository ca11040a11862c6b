"""The OpenAPI page works offline: Swagger UI's files are served by the app, and the schema documents
the errors with their real shape and typed responses."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


def test_the_docs_page_loads_swagger_ui_from_the_app_itself(client: TestClient) -> None:
    pytest.importorskip("swagger_ui_bundle", reason="swagger-ui-bundle-v2 (pyproject dependency) not installed")
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: *['"]([^'"]+)['"]""", page.text)
    assets = [u for pair in urls for u in pair if u]
    assert assets, page.text
    for url in assets:
        assert not url.startswith(("http:", "https:", "//")), f"{url} is not served by the app"
        assert client.get(url).status_code == 200, url
    assert len(client.get("/docs/assets/swagger-ui-bundle.js").content) > 500_000


def test_the_schema_documents_the_error_statuses_with_the_real_error_shape(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorDetail")
    posts = [(path, ops["post"]) for path, ops in schema["paths"].items() if "post" in ops]
    assert posts
    for path, operation in posts:
        for status in ("401", "403", "404", "409", "422"):
            content = operation["responses"][status]["content"]["application/json"]["schema"]
            assert content["$ref"].endswith("/ErrorOut"), (path, status)
        assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"]), path
    assert "HTTPValidationError" not in schema["components"]["schemas"]
