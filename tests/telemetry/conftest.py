"""Shared pieces of the telemetry tests: a fast-sending configuration, the schema, and reading
back what the collector stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from app.telemetry import SCHEMA_VERSION, TelemetryConfig, load_schema


@pytest.fixture()
def fast_config(tmp_path: Path) -> TelemetryConfig:
    """Small batches, short delays and backoff, a private queue file."""
    return TelemetryConfig(queue_path=tmp_path / "telemetry.db", batch_size=20, batch_delay_s=0.2,
                           backoff_initial_s=0.1, backoff_max_s=0.5, request_timeout_s=5.0)


def validate_stream(session: dict[str, Any], events: list[dict[str, Any]]) -> None:
    """Assert ``events`` of ``session`` form valid batches of the shared schema."""
    validator = Draft202012Validator(load_schema())
    for start in range(0, len(events), 1000):
        batch = {"schema_version": SCHEMA_VERSION, "session": session, "events": events[start:start + 1000]}
        errors = sorted(validator.iter_errors(batch), key=lambda e: list(e.absolute_path))
        assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def stored_session(backend: str, session_id: str) -> dict[str, Any]:
    response = httpx.get(f"{backend}/api/v1/qoe/sessions/{session_id}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


SESSION_KEYS = ("session_id", "title_id", "app_version", "platform", "ui_mode", "player_config_digest",
                "started_at")


def session_fields(stored: dict[str, Any]) -> dict[str, Any]:
    return {k: stored[k] for k in SESSION_KEYS}
