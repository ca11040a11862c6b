"""Where the published standards are for the tests: ``shared/standards/`` beside the repository.

CI lays ``shared/`` beside its clone; a worktree may sit deeper, so each parent of the repository is
tried in turn (``BILLING_STANDARDS_DIR`` overrides). The service itself never reads this folder: the
tests do, to check our output against the specifications as published rather than against our copies.
"""

from __future__ import annotations

import copy
import json
import os
import re
import uuid
from datetime import datetime
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


_RFC3339 = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)


def _format_checker() -> Any:
    """Draft 4's formats, with ``date-time`` (RFC 3339 §5.6) and ``uuid`` checked without extra packages."""
    import jsonschema

    checker = jsonschema.FormatChecker()

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not _RFC3339.match(value):
            return False
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return False
        return True

    @checker.checks("uuid", raises=ValueError)
    def _uuid(value: object) -> bool:
        return not isinstance(value, str) or bool(uuid.UUID(value))

    return checker


@cache
def _components() -> dict[str, Any]:
    """The OpenAPI's components, with one defect of the published text worked around.

    ``ReasonCode`` is ``oneOf: [ReasonCodeEnum, {type: string}]``: every value of the enum is also a
    string, so under JSON Schema's ``oneOf`` (exactly one must match) each predefined reason code, the
    very ones the spec lists, would be invalid. What the spec describes ("a predefined set of reason code
    values + ability to extend this set") is ``anyOf``; that is what is checked here.
    """
    components = copy.deepcopy(flow_service_openapi()["components"])
    reason = components["schemas"]["ReasonCode"]
    reason["anyOf"] = reason.pop("oneOf")
    return components


def openapi_schema_validator(schema: dict[str, Any]) -> Any:
    """A JSON Schema validator of ``schema`` (e.g. ``{"$ref": "#/components/schemas/FlowInfo"}``) within the
    official OpenAPI: its ``#/components/...`` references resolve in the published document itself.

    OpenAPI 3.0.3 schemas are the JSON Schema draft 4/5 subset; Draft 4 reads them, with formats checked.
    """
    import jsonschema

    root = {**schema, "components": _components()}
    return jsonschema.Draft4Validator(root, format_checker=_format_checker())
