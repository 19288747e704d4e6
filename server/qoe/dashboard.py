"""The QoE dashboard: one self-contained page (HTML, CSS, JS drawing SVG; nothing fetched from
elsewhere, so it works where only the backend is reachable). It reads the query API."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PAGE = Path(__file__).with_name("dashboard.html")


@lru_cache(maxsize=1)
def dashboard_html() -> str:
    return PAGE.read_text(encoding="utf-8")
