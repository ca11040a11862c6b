"""Where the published standards are for the tests: ``shared/standards/`` beside the repository.

CI lays ``shared/`` beside its clone; a worktree may sit deeper, so each parent of the repository is
tried in turn (``BILLING_STANDARDS_DIR`` overrides). The service itself never reads this folder: the
tests do, to check our output against the specifications as published rather than against our copies.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


@cache
def standards_dir() -> Path:
    override = os.environ.get("BILLING_STANDARDS_DIR")
    candidates = [Path(override)] if override else [p / "shared" / "standards" for p in REPO.parents]
    for candidate in candidates:
        if (candidate / "README.md").is_file():
            return candidate
    pytest.fail(f"shared/standards/ not found beside {REPO} (set BILLING_STANDARDS_DIR)")


def cdar_examples() -> list[Path]:
    return sorted((standards_dir() / "cdar-examples").glob("*.xml"))


@cache
def flow_service_openapi() -> dict[str, Any]:
    """The official AFNOR XP Z12-013 Flow Service OpenAPI (v1.1.0), as published."""
    path = standards_dir() / "afnor-xp-z12-013" / "flow-service-1.1.0.openapi.json"
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return spec


def openapi_schema_validator(schema: dict[str, Any]) -> Any:
    """A JSON Schema validator of ``schema`` (e.g. ``{"$ref": "#/components/schemas/FlowInfo"}``) within the
    official OpenAPI: its ``#/components/...`` references resolve in the published document itself.

    OpenAPI 3.0.3 schemas are the JSON Schema draft 4/5 subset; Draft 4 reads them, with formats checked.
    """
    import jsonschema

    root = {**schema, "components": flow_service_openapi()["components"]}
    return jsonschema.Draft4Validator(root, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
