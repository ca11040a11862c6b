"""JSON for the read models' columns (addresses, mandates, terminations, invoice documents).

Written and read with msgspec rather than the standard library: a month close reads 10,000
accounts' JSON columns and writes 10,000 invoice documents, and ``json`` was a third of that.
The values are plain JSON (str, int, float, bool, None, lists, objects): both codecs agree on them.
"""

from __future__ import annotations

from typing import Any

import msgspec


def json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


# create_engine() keyword arguments: SQLAlchemy hands them to the driver for JSON columns.
ENGINE_JSON_CODEC: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": msgspec.json.decode}
