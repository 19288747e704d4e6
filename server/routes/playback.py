"""Starting playback (manifests, session token, resume point) and reporting progress."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response

from ..deps import get_library, get_store, library_url, title_or_404
from ..library import Library
from ..schemas import ErrorBody, Manifests, PlaybackInfo, ProgressReport
from ..store import Store

router = APIRouter(tags=["playback"])


@router.post("/titles/{title_id}/playback", response_model=PlaybackInfo,
             responses={404: {"model": ErrorBody}})
def start_playback(title_id: str, request: Request, library: Library = Depends(get_library),
                   store: Store = Depends(get_store)) -> PlaybackInfo:
    title = title_or_404(library, title_id)
    clip = library.clips[title.clip]
    progress = store.progress_of(title.id)
    token = store.new_playback_session(title.id)
    hls = library_url(request, clip.hls) if clip.hls else None
    if hls and title.protection == "aes-128":
        # The key URIs of its playlists cannot send headers: the origin passes this on to them.
        hls += f"?token={quote(token, safe='')}"
    return PlaybackInfo(
        title_id=title.id,
        manifests=Manifests(dash=library_url(request, clip.dash) if clip.dash else None, hls=hls),
        license_url=str(request.url_for("license")) if title.protection else None,
        token=token,
        collector_url=str(request.url_for("qoe_events")),
        resume_s=progress.resume_s if progress else 0.0,
    )


@router.put("/titles/{title_id}/progress", status_code=204, response_class=Response,
            responses={404: {"model": ErrorBody}})
def report_progress(title_id: str, report: ProgressReport, library: Library = Depends(get_library),
                    store: Store = Depends(get_store)) -> Response:
    """Record the viewing position; within 5 s of the end counts as finished."""
    title = title_or_404(library, title_id)
    store.save_progress(title.id, report.position_s, report.duration_s)
    return Response(status_code=204)
