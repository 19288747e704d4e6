"""Telemetry settings: where the on-disk queue lives, how events are batched and retried.

Defaults suit a viewer's machine; tests and the environment override them (``from_env``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def default_queue_path() -> Path:
    """``$XDG_DATA_HOME/marquee/telemetry.db`` (``~/.local/share`` when unset)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "marquee" / "telemetry.db"


@dataclass(frozen=True)
class TelemetryConfig:
    queue_path: Path = field(default_factory=default_queue_path)
    max_queued: int = 20_000
    """Events kept on disk at most; past it the oldest go and a ``dropped`` record counts them."""
    batch_size: int = 100
    """A batch is sent as soon as this many events wait..."""
    batch_delay_s: float = 2.0
    """...or when the oldest waiting event is this old."""
    heartbeat_s: float = 10.0
    request_timeout_s: float = 5.0
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    collector_url: str | None = None
    """Send here instead of the collector the catalog names."""
    enabled: bool = True

    @classmethod
    def from_env(cls, **overrides: object) -> TelemetryConfig:
        """Defaults, then ``MARQUEE_TELEMETRY`` (``off`` disables), ``MARQUEE_TELEMETRY_DB``,
        ``MARQUEE_TELEMETRY_BATCH_S``, ``MARQUEE_COLLECTOR``, then ``overrides``."""
        env = os.environ
        config = cls()
        if env.get("MARQUEE_TELEMETRY", "").lower() in ("off", "0", "no", "false"):
            config = replace(config, enabled=False)
        if env.get("MARQUEE_TELEMETRY_DB"):
            config = replace(config, queue_path=Path(env["MARQUEE_TELEMETRY_DB"]))
        if env.get("MARQUEE_TELEMETRY_BATCH_S"):
            try:
                config = replace(config, batch_delay_s=float(env["MARQUEE_TELEMETRY_BATCH_S"]))
            except ValueError:
                raise ValueError(f"MARQUEE_TELEMETRY_BATCH_S is not a number: "
                                 f"{env['MARQUEE_TELEMETRY_BATCH_S']!r}") from None
        if env.get("MARQUEE_COLLECTOR"):
            config = replace(config, collector_url=env["MARQUEE_COLLECTOR"])
        return replace(config, **overrides)  # type: ignore[arg-type]
