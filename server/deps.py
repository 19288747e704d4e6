"""Request-scoped access to the app's library and store, and absolute URL building."""

from __future__ import annotations

from fastapi import HTTPException, Request

from .library import Library, Title
from .store import Store


def get_library(request: Request) -> Library:
    return request.app.state.library


def get_store(request: Request) -> Store:
    return request.app.state.store


def title_or_404(library: Library, title_id: str) -> Title:
    title = library.title(title_id)
    if title is None:
        raise HTTPException(status_code=404, detail=f"no title {title_id!r}")
    return title


def library_url(request: Request, relative: str) -> str:
    """Absolute origin URL of a library file given by its path relative to the library root
    (``media/...`` or ``art/...``), built from the request's base URL."""
    area, _, rest = relative.partition("/")
    return str(request.url_for(area, path=rest))
