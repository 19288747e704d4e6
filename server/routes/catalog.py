"""Browsing: the home screen's rows, a title's page, search."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from ..deps import get_library, get_store, library_url, title_or_404
from ..library import Library, Title
from ..schemas import ErrorBody, Home, Row, SearchResults, TitleDetail, TitleSummary
from ..store import Store

router = APIRouter(tags=["catalog"])

NEW_RELEASES = 12


def summary_fields(request: Request, title: Title, resume: dict[str, float]) -> dict[str, object]:
    return {
        "id": title.id, "title": title.title, "year": title.year, "duration_s": title.duration_s,
        "genres": list(title.genres), "rating": title.rating,
        "poster_url": library_url(request, title.poster),
        "backdrop_url": library_url(request, title.backdrop),
        "progress_s": resume.get(title.id, 0.0),
        "protected": title.protection is not None,
    }


def _resume_positions(store: Store) -> dict[str, float]:
    return {p.title_id: p.resume_s for p in store.progress()}


@router.get("/home", response_model=Home)
def home(request: Request, library: Library = Depends(get_library),
         store: Store = Depends(get_store)) -> Home:
    """Continue watching (only with unfinished progress, most recent first), New releases, one
    row per genre in alphabetical order, then the protected (encrypted) titles."""
    progress = store.progress()
    resume = {p.title_id: p.resume_s for p in progress}

    def items(titles: list[Title]) -> list[TitleSummary]:
        return [TitleSummary(**summary_fields(request, t, resume)) for t in titles]

    rows: list[Row] = []
    continuing = [t for p in progress if not p.finished and (t := library.title(p.title_id))]
    if continuing:
        rows.append(Row(id="continue-watching", title="Continue watching", items=items(continuing)))
    newest = sorted(library.titles, key=lambda t: -t.year)[:NEW_RELEASES]
    rows.append(Row(id="new-releases", title="New releases", items=items(newest)))
    for genre in sorted({g for t in library.titles for g in t.genres}):
        rows.append(Row(id=f"genre-{genre.lower().replace(' ', '-')}", title=genre,
                        items=items([t for t in library.titles if genre in t.genres])))
    protected = [t for t in library.titles if t.protection]
    if protected:
        rows.append(Row(id="protected", title="Protected", items=items(protected)))
    return Home(rows=rows)


@router.get("/titles/{title_id}", response_model=TitleDetail, responses={404: {"model": ErrorBody}})
def title_detail(title_id: str, request: Request, library: Library = Depends(get_library),
                 store: Store = Depends(get_store)) -> TitleDetail:
    title = title_or_404(library, title_id)
    progress = store.progress_of(title.id)
    resume = {title.id: progress.resume_s} if progress else {}
    return TitleDetail(**summary_fields(request, title, resume), synopsis=title.synopsis,
                       clip=title.clip)


@router.get("/search", response_model=SearchResults)
def search(request: Request, q: str = Query("", max_length=200, description="search text"),
           library: Library = Depends(get_library), store: Store = Depends(get_store)) -> SearchResults:
    """Titles whose title, genres or synopsis contain ``q`` (case-insensitive); blank -> none."""
    resume = _resume_positions(store)
    return SearchResults(results=[TitleSummary(**summary_fields(request, t, resume))
                                  for t in library.search(q)])
