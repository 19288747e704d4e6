"""The event schema both ends follow: ``assets/schema/qoe-events-v1.json``.

The client does not validate at run time (its events are built to the schema and tested against
it); the path and version are here so tests and tools find the one file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "assets" / "schema" / f"qoe-events-v{SCHEMA_VERSION}.json"


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
