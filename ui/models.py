"""Catalog data shaped for QML: plain dicts for titles and a list model for the home rows."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from app.catalog import Row, TitleDetail, TitleSummary


def title_item(title: TitleSummary) -> dict[str, Any]:
    """A title as QML sees it: camelCase keys, watched share precomputed, synopsis if known."""
    return {
        "id": title.id,
        "title": title.title,
        "year": title.year,
        "durationS": title.duration_s,
        "genres": list(title.genres),
        "rating": title.rating,
        "poster": title.poster_url,
        "backdrop": title.backdrop_url,
        "progressS": title.progress_s,
        "progress": title.progress_fraction,
        "synopsis": title.synopsis if isinstance(title, TitleDetail) else "",
    }


class RowsModel(QAbstractListModel):
    """The home screen's rows; each row carries its titles as a list of :func:`title_item`."""

    RowIdRole = Qt.ItemDataRole.UserRole + 1
    RowTitleRole = Qt.ItemDataRole.UserRole + 2
    ItemsRole = Qt.ItemDataRole.UserRole + 3

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, list[dict[str, Any]]]] = []

    def set_rows(self, rows: list[Row]) -> None:
        """Replace the rows. When the same rows come back (a refresh), update them in place so
        the views keep their scroll position and focus; otherwise reset."""
        fresh = [(r.id, r.title, [title_item(t) for t in r.items]) for r in rows if r.items]
        if [r[0] for r in fresh] == [r[0] for r in self._rows]:
            for i, row in enumerate(fresh):
                if row != self._rows[i]:
                    self._rows[i] = row
                    index = self.index(i)
                    self.dataChanged.emit(index, index)
            return
        self.beginResetModel()
        self._rows = fresh
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row_id, title, items = self._rows[index.row()]
        if role == self.RowIdRole:
            return row_id
        if role in (self.RowTitleRole, Qt.ItemDataRole.DisplayRole):
            return title
        if role == self.ItemsRole:
            return items
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        return {
            self.RowIdRole: QByteArray(b"rowId"),
            self.RowTitleRole: QByteArray(b"rowTitle"),
            self.ItemsRole: QByteArray(b"items"),
        }
