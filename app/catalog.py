"""Client for the Marquee catalog API (``/api/v1``).

The client is deliberately blocking and thread-agnostic: the UI runs it on a worker thread, the
command line and the session glue call it directly. Every failure the caller could meet (the
backend is down, slow, answers with an error status or with a body that is not what the API
promises) surfaces as one exception type, :class:`CatalogError`, whose message is a single line
naming the request, so a screen or a terminal can show it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, TypeVar
from urllib.parse import quote, urljoin

import httpx

__all__ = [
    "CatalogClient",
    "CatalogError",
    "PlaybackInfo",
    "Row",
    "TitleDetail",
    "TitleSummary",
]

API_PREFIX = "/api/v1"

T = TypeVar("T")


class CatalogError(Exception):
    """A catalog request failed; ``str(error)`` is one line fit to show to a user.

    ``status`` is the HTTP status when the backend answered, else ``None`` (no connection,
    timeout, unreadable body).
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class TitleSummary:
    """A title as shown on a poster: enough for a row, a hero area and a progress bar."""

    id: str
    title: str
    year: int
    duration_s: float
    genres: tuple[str, ...]
    rating: str
    poster_url: str
    backdrop_url: str
    progress_s: float

    @property
    def progress_fraction(self) -> float:
        """Watched share in [0, 1] (0 when the duration is unknown)."""
        if self.duration_s <= 0:
            return 0.0
        return min(1.0, max(0.0, self.progress_s / self.duration_s))


@dataclass(frozen=True, slots=True)
class TitleDetail(TitleSummary):
    """A title as shown on its own page."""

    synopsis: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    """One home-screen row (Continue watching, New, a genre)."""

    id: str
    title: str
    items: tuple[TitleSummary, ...]


@dataclass(frozen=True, slots=True)
class PlaybackInfo:
    """What a player needs to start a title: manifests, DRM licence and telemetry endpoints."""

    title_id: str
    manifests: dict[str, str]
    license_url: str | None
    token: str | None
    collector_url: str | None
    resume_s: float

    def manifest(self, fmt: str | None = None) -> str:
        """The manifest URL for ``fmt`` ("dash" or "hls"); with None, DASH where the title has
        it, else HLS (some titles are published in one format only)."""
        for candidate in (fmt,) if fmt else ("dash", "hls"):
            url = self.manifests.get(candidate)
            if url:
                return url
        have = ", ".join(sorted(k for k, v in self.manifests.items() if v)) or "none"
        wanted = repr(fmt) if fmt else "playable"
        raise CatalogError(f"title {self.title_id!r} has no {wanted} manifest (has: {have})")

    def format_of(self, url: str) -> str:
        return next(k for k, v in self.manifests.items() if v == url)


class CatalogClient:
    """Blocking client of one catalog backend. Not for the UI thread."""

    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise CatalogError(f"catalog URL must start with http:// or https://: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url + API_PREFIX, timeout=timeout)

    def __enter__(self) -> CatalogClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- API -------------------------------------------------------------------------------------

    def home(self) -> list[Row]:
        return self._decode("GET /home", self._request("GET", "/home"), _rows)

    def title(self, title_id: str) -> TitleDetail:
        path = f"/titles/{_segment(title_id)}"
        body = self._request("GET", path)
        return self._decode(f"GET {path}", body, _title_detail)

    def search(self, query: str) -> list[TitleSummary]:
        body = self._request("GET", "/search", params={"q": query})
        return self._decode("GET /search", body, _search_results)

    def playback(self, title_id: str) -> PlaybackInfo:
        path = f"/titles/{_segment(title_id)}/playback"
        body = self._request("POST", path)
        return self._decode(f"POST {path}", body, _playback_info)

    def report_progress(self, title_id: str, position_s: float, duration_s: float) -> None:
        path = f"/titles/{_segment(title_id)}/progress"
        self._request(
            "PUT",
            path,
            json={"position_s": float(position_s), "duration_s": float(duration_s)},
            expect_body=False,
        )

    # -- plumbing --------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
        expect_body: bool = True,
    ) -> Any:
        where = f"{method} {self.base_url}{API_PREFIX}{path}"
        try:
            response = self._http.request(method, path, params=params, json=json)
        except httpx.TimeoutException:
            raise CatalogError(f"catalog did not answer in time: {where}") from None
        except httpx.ConnectError:
            raise CatalogError(f"cannot reach the catalog at {self.base_url} ({where})") from None
        except httpx.HTTPError as exc:
            raise CatalogError(f"catalog request failed: {where}: {_one_line(exc)}") from None
        if not response.is_success:
            raise CatalogError(
                f"catalog answered {response.status_code}"
                f"{_error_detail(response)}: {where}",
                status=response.status_code,
            )
        if not expect_body:
            return None
        try:
            return response.json()
        except ValueError:
            raise CatalogError(f"catalog sent a body that is not JSON: {where}") from None

    def _decode(self, what: str, body: Any, build: Callable[[Any, str], T]) -> T:
        try:
            return build(body, self.base_url)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CatalogError(
                f"catalog sent an unexpected shape for {what}: {_one_line(exc)}"
            ) from None


def _segment(title_id: str) -> str:
    """Quote an id for a path segment: an id is data, never a path."""
    if not title_id:
        raise CatalogError("title id is empty")
    return quote(title_id, safe="")


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def _error_detail(response: httpx.Response) -> str:
    """The backend's ``{"error": ...}`` message, if it sent one, as ``" (message)"``."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        message = body.get("error") or body.get("detail")
        if isinstance(message, str) and message:
            return f" ({' '.join(message.split())})"
    return ""


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _absolute(base: str, url: Any) -> str:
    """Resolve a URL the backend may send relative to itself; empty stays empty."""
    return urljoin(base + "/", str(url)) if url else ""


def _summary_fields(raw: dict[str, Any], base: str) -> dict[str, Any]:
    genres = raw["genres"]
    if not isinstance(genres, list):
        raise TypeError(f"genres is {type(genres).__name__}, not a list")
    return {
        "id": str(raw["id"]),
        "title": str(raw["title"]),
        "year": int(raw["year"]),
        "duration_s": float(raw["duration_s"]),
        "genres": tuple(str(g) for g in genres),
        "rating": str(raw.get("rating") or ""),
        "poster_url": _absolute(base, raw.get("poster_url")),
        "backdrop_url": _absolute(base, raw.get("backdrop_url")),
        "progress_s": float(raw.get("progress_s") or 0.0),
    }


def _title_summary(raw: dict[str, Any], base: str) -> TitleSummary:
    return TitleSummary(**_summary_fields(raw, base))


def _title_detail(raw: dict[str, Any], base: str) -> TitleDetail:
    return TitleDetail(**_summary_fields(raw, base), synopsis=str(raw.get("synopsis") or ""))


def _rows(raw: dict[str, Any], base: str) -> list[Row]:
    return [
        Row(
            id=str(row["id"]),
            title=str(row["title"]),
            items=tuple(_title_summary(t, base) for t in row["items"]),
        )
        for row in raw["rows"]
    ]


def _search_results(raw: dict[str, Any], base: str) -> list[TitleSummary]:
    return [_title_summary(t, base) for t in raw["results"]]


def _playback_info(raw: dict[str, Any], base: str) -> PlaybackInfo:
    manifests = raw["manifests"]
    if not isinstance(manifests, dict):
        raise TypeError(f"manifests is {type(manifests).__name__}, not an object")
    return PlaybackInfo(
        title_id=str(raw["title_id"]),
        manifests={str(k): _absolute(base, v) for k, v in manifests.items() if v},
        license_url=_absolute(base, raw.get("license_url")) or None,
        token=_optional_str(raw.get("token")),
        collector_url=_absolute(base, raw.get("collector_url")) or None,
        resume_s=float(raw.get("resume_s") or 0.0),
    )
