"""The catalog as the screens see it: home rows, the open title, search results.

Every catalog call runs on a worker (:class:`ui.tasks.TaskRunner`); QML reads the outcome from
properties. Each screen's data has a ``*State`` of ``"idle"``, ``"loading"``, ``"ready"`` or
``"error"`` (with a one-line ``*Error``), so a screen can show a spinner or a message instead of
waiting. Answers that arrive after a newer request for the same screen are dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Property, QObject, Signal, Slot

from app.catalog import CatalogClient, CatalogError, Row, TitleDetail, TitleSummary
from ui.models import RowsModel, title_item
from ui.tasks import TaskRunner

log = logging.getLogger(__name__)


def describe(error: Exception) -> str:
    """One line for the screen. Catalog errors are already written for users; anything else is
    a bug, logged with its traceback and shown briefly."""
    if isinstance(error, CatalogError):
        return str(error)
    log.error("unexpected error in a catalog task", exc_info=error)
    return f"Something went wrong ({type(error).__name__}: {error})"


class Browse(QObject):
    """Context object ``browse`` in QML."""

    homeChanged = Signal()
    titleChanged = Signal()
    searchChanged = Signal()
    knownChanged = Signal()

    def __init__(self, catalog: CatalogClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._catalog = catalog
        self._tasks = TaskRunner("catalog", threads=3, parent=self)
        self._rows = RowsModel(self)
        self._known: dict[str, dict[str, Any]] = {}  # summaries seen, to open a title instantly
        self._known_revision = 0
        self._prefetching: set[str] = set()
        self._home_state, self._home_error = "idle", ""
        self._title: dict[str, Any] = {}
        self._similar: list[dict[str, Any]] = []
        self._home_rows: list[Row] = []
        self._title_state, self._title_error, self._title_request = "idle", "", 0
        self._results: list[dict[str, Any]] = []
        self._search_state, self._search_error, self._search_request = "idle", "", 0
        self._query = ""

    def shutdown(self) -> None:
        """Stop delivering answers (the window is going away)."""
        self._tasks.shutdown(wait=False)

    # -- home --------------------------------------------------------------------------------------

    rows = Property(QObject, lambda self: self._rows, constant=True)
    homeState = Property(str, lambda self: self._home_state, notify=homeChanged)
    homeError = Property(str, lambda self: self._home_error, notify=homeChanged)

    @Slot()
    def loadHome(self) -> None:
        """Fetch the rows; a refresh keeps showing the current rows until the new ones arrive."""
        if self._home_state != "ready":
            self._set_home("loading", "")
        self._tasks.submit(self._catalog.home, self._home_loaded, self._home_failed)

    def _home_loaded(self, rows: list[Row]) -> None:
        for row in rows:
            self._remember(row.items)
        self._home_rows = rows
        self._rows.set_rows(rows)
        self._set_home("ready", "")

    def _home_failed(self, error: Exception) -> None:
        message = describe(error)
        if self._home_state == "ready":
            # A background refresh: rows a little stale beat an error over a working screen.
            log.warning("home refresh failed: %s", message)
            return
        self._set_home("error", message)

    def _set_home(self, state: str, error: str) -> None:
        self._home_state, self._home_error = state, error
        self.homeChanged.emit()

    # -- title -------------------------------------------------------------------------------------

    title = Property("QVariantMap", lambda self: self._title, notify=titleChanged)
    # "More like this" on the title page: titles that share a genre, from the home rows.
    similar = Property("QVariantList", lambda self: self._similar, notify=titleChanged)
    titleState = Property(str, lambda self: self._title_state, notify=titleChanged)
    titleError = Property(str, lambda self: self._title_error, notify=titleChanged)

    @Slot(str)
    def openTitle(self, title_id: str) -> None:
        """Show what is known of ``title_id`` now, and its full detail when it arrives."""
        self._title_request += 1
        request = self._title_request
        self._title = dict(self._known.get(title_id, {"id": title_id}))
        self._similar = self._similar_to(self._title)
        self._title_state, self._title_error = "loading", ""
        self.titleChanged.emit()
        self._tasks.submit(
            lambda: self._catalog.title(title_id),
            lambda detail: self._title_loaded(request, detail),
            lambda error: self._title_failed(request, error),
        )

    def _title_loaded(self, request: int, detail: TitleDetail) -> None:
        if request != self._title_request:
            return
        self._remember([detail])
        self._title = title_item(detail)
        self._similar = self._similar_to(self._title)
        self._title_state = "ready"
        self.titleChanged.emit()

    def _title_failed(self, request: int, error: Exception) -> None:
        if request != self._title_request:
            return
        self._title_state, self._title_error = "error", describe(error)
        self.titleChanged.emit()

    # -- details ahead of need -----------------------------------------------------------------------

    # Bumped whenever a synopsis arrives, so bindings on synopsisOf() re-evaluate.
    knownRevision = Property(int, lambda self: self._known_revision, notify=knownChanged)

    @Slot(str, result=str)
    def synopsisOf(self, title_id: str) -> str:
        """The synopsis of ``title_id`` if already fetched, else "" (see :meth:`prefetch`)."""
        return self._known.get(title_id, {}).get("synopsis", "")

    @Slot(str)
    def prefetch(self, title_id: str) -> None:
        """Fetch ``title_id``'s detail in the background (the home hero shows its synopsis)."""
        if not title_id or self.synopsisOf(title_id) or title_id in self._prefetching:
            return
        self._prefetching.add(title_id)

        def done(detail: TitleDetail) -> None:
            self._prefetching.discard(title_id)
            self._remember([detail])
            self._known_revision += 1
            self.knownChanged.emit()

        # A failed prefetch only means no synopsis in the hero; the title page reports errors.
        self._tasks.submit(lambda: self._catalog.title(title_id), done,
                           lambda _error: self._prefetching.discard(title_id))

    # -- search ------------------------------------------------------------------------------------

    results = Property("QVariantList", lambda self: self._results, notify=searchChanged)
    searchState = Property(str, lambda self: self._search_state, notify=searchChanged)
    searchError = Property(str, lambda self: self._search_error, notify=searchChanged)
    query = Property(str, lambda self: self._query, notify=searchChanged)

    @Slot(str)
    def search(self, query: str) -> None:
        """Search for ``query`` (blank clears the results)."""
        self._search_request += 1
        request = self._search_request
        self._query = query
        if not query.strip():
            self._results, self._search_state, self._search_error = [], "idle", ""
            self.searchChanged.emit()
            return
        self._search_state, self._search_error = "loading", ""
        self.searchChanged.emit()
        self._tasks.submit(
            lambda: self._catalog.search(query.strip()),
            lambda found: self._search_done(request, found),
            lambda error: self._search_failed(request, error),
        )

    def _search_done(self, request: int, found: list[TitleSummary]) -> None:
        if request != self._search_request:
            return
        self._remember(found)
        self._results = [title_item(t) for t in found]
        self._search_state = "ready"
        self.searchChanged.emit()

    def _search_failed(self, request: int, error: Exception) -> None:
        if request != self._search_request:
            return
        self._search_state, self._search_error = "error", describe(error)
        self.searchChanged.emit()

    def _similar_to(self, title: dict[str, Any], limit: int = 12) -> list[dict[str, Any]]:
        """Titles sharing a genre with ``title``, most genres in common first."""
        genres = set(title.get("genres", ()))
        seen: dict[str, tuple[int, TitleSummary]] = {}
        for row in self._home_rows:
            for other in row.items:
                shared = len(genres.intersection(other.genres))
                if other.id != title.get("id") and shared and other.id not in seen:
                    seen[other.id] = (shared, other)
        ranked = sorted(seen.values(), key=lambda pair: -pair[0])
        return [title_item(other) for _, other in ranked[:limit]]

    def _remember(self, titles: Any) -> None:
        for title in titles:
            known = self._known.get(title.id, {})
            item = title_item(title)
            if not item["synopsis"]:  # a summary does not erase a synopsis already known
                item["synopsis"] = known.get("synopsis", "")
            self._known[title.id] = item
