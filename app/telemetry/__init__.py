"""QoE telemetry: every playback session reported to the collector, nothing lost.

``Telemetry`` (one per process) owns the on-disk queue and the threads that send it;
``Telemetry.start_session`` gives a ``QoeSession`` to add as a player listener. The events follow
``assets/schema/qoe-events-v1.json``.
"""

from app.telemetry.config import TelemetryConfig, default_queue_path
from app.telemetry.emitter import Telemetry, config_digest, telemetry_from_env
from app.telemetry.queue import EventQueue, QueueError
from app.telemetry.recorder import QoeSession
from app.telemetry.schema import SCHEMA_PATH, SCHEMA_VERSION, load_schema

__all__ = [
    "SCHEMA_PATH",
    "SCHEMA_VERSION",
    "EventQueue",
    "QoeSession",
    "QueueError",
    "Telemetry",
    "TelemetryConfig",
    "config_digest",
    "default_queue_path",
    "load_schema",
    "telemetry_from_env",
]
