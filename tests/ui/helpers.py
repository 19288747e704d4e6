"""Driving the desktop app from tests as a viewer would: keys, what has focus, what is on screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtQuick import QQuickItem, QQuickWindow
from PySide6.QtTest import QTest

from ui.app import Desktop

TIMEOUT_MS = 20_000


def press(window: QQuickWindow, *keys: Qt.Key) -> None:
    for key in keys:
        QTest.keyClick(window, key)


def type_text(window: QQuickWindow, text: str) -> None:
    for char in text:
        QTest.keyClick(window, ord(char))  # the char overload: sends the key and its text


def item(window: QQuickWindow, name: str) -> QQuickItem:
    found = window.findChild(QQuickItem, name)
    assert found is not None, f"no QML item named {name!r}"
    return found


def screen(desktop: Desktop) -> str:
    return desktop.window.property("currentPage")


def focused_in(window: QQuickWindow) -> list[str]:
    """Object names from the item with keyboard focus up to the window (views hand focus to
    their current delegate, so the view itself is an ancestor)."""
    names = []
    focus = window.activeFocusItem()
    while focus is not None:
        if focus.objectName():
            names.append(focus.objectName())
        focus = focus.parentItem()
    return names


def js(value: object) -> object:
    """A QML property value as plain Python (QJSValue lists and maps included)."""
    return value.toVariant() if hasattr(value, "toVariant") else value


def save(image: QImage, directory: Path, name: str) -> None:
    path = directory / f"{name}.png"
    assert image.save(str(path)), f"could not write {path}"


def find(root: QQuickItem | QQuickWindow, name: str) -> QQuickItem:
    """The visual item called ``name``, delegates included (searched through child items, which
    reach what ``findChild``'s object tree does not)."""
    stack = [root.contentItem() if isinstance(root, QQuickWindow) else root]
    while stack:
        node = stack.pop()
        if node.objectName() == name:
            return node
        stack.extend(node.childItems())
    raise AssertionError(f"no QML item named {name!r}")
