"""The QoE collector: ingest of the players' telemetry, a query API and a dashboard page.

``router`` goes under ``/api/v1`` and ``pages`` at the root; the app keeps a :class:`QoeStore`
as ``app.state.qoe``. The event schema is ``assets/schema/qoe-events-v1.json``.
"""

from .routes import pages, router
from .storage import IngestResult, QoeStore, SqliteQoeStore, StorageError

__all__ = ["IngestResult", "QoeStore", "SqliteQoeStore", "StorageError", "pages", "router"]
