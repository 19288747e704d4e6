"""The collector and its query API, under ``/api/v1/qoe``, and the dashboard page at ``/qoe``.

``POST /qoe/events`` takes one batch (schema ``assets/schema/qoe-events-v1.json``, gzip or not)
with the playback token as ``Authorization: Bearer``; it answers 200 with how many events were
new and how many it already had, so a client may resend a batch whose answer it never saw.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from ..deps import get_store
from .dashboard import dashboard_html
from .storage import QoeStore
from .validation import MAX_BODY_BYTES, BatchError, check_batch, decode_body

router = APIRouter(prefix="/qoe", tags=["qoe"])
pages = APIRouter(tags=["qoe"])

MAX_SESSIONS = 1000


def get_qoe(request: Request) -> QoeStore:
    return request.app.state.qoe


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(status_code=401, detail="missing playback token (Authorization: Bearer TOKEN)",
                            headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


@router.post("/events", name="qoe_events")
async def ingest(request: Request) -> JSONResponse:
    token = _bearer(request)
    title_id = get_store(request).playback_title(token)
    if title_id is None:
        raise HTTPException(status_code=401, detail="unknown playback token",
                            headers={"WWW-Authenticate": "Bearer"})
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:  # refuse before reading it all
        return JSONResponse({"error": f"body is {declared} bytes; the limit is {MAX_BODY_BYTES}"}, status_code=413)
    body = await request.body()
    try:
        batch = await run_in_threadpool(_parse, body, request.headers.get("content-encoding"))
    except BatchError as exc:
        return JSONResponse({"error": str(exc)}, status_code=exc.status)
    if batch["session"]["title_id"] != title_id:
        raise HTTPException(status_code=403, detail=f"the token is for title {title_id!r}, the batch's "
                                                    f"session is for {batch['session']['title_id']!r}")
    result = await run_in_threadpool(get_qoe(request).add_batch, batch["session"], batch["events"])
    return JSONResponse({"stored": result.stored, "duplicates": result.duplicates})


def _parse(body: bytes, encoding: str | None) -> dict[str, Any]:
    return check_batch(decode_body(body, encoding))


@router.get("/sessions")
def list_sessions(request: Request, since_ms: float | None = Query(None, description="epoch ms, inclusive"),
                  until_ms: float | None = Query(None, description="epoch ms, exclusive"),
                  limit: int = Query(200, ge=1, le=MAX_SESSIONS)) -> dict[str, Any]:
    """Sessions started in the range, newest first, with their summary metrics."""
    return {"sessions": get_qoe(request).sessions(since_ms, until_ms, limit)}


@router.get("/sessions/{session_id}")
def session_detail(session_id: str, request: Request) -> dict[str, Any]:
    """One session with all its events, in the order they happened."""
    session = get_qoe(request).session(session_id)
    if session is None:
        raise HTTPException(status_code=404, detail=f"no QoE session {session_id!r}")
    return session


@router.get("/aggregates")
def aggregates(request: Request, since_ms: float | None = Query(None, description="epoch ms, inclusive"),
               until_ms: float | None = Query(None, description="epoch ms, exclusive")) -> dict[str, Any]:
    """Startup-time distribution, rebuffer ratio, bitrate and failures over the range."""
    return get_qoe(request).aggregates(since_ms, until_ms)


@pages.get("/qoe", response_class=HTMLResponse, include_in_schema=False)
def dashboard() -> HTMLResponse:
    return HTMLResponse(dashboard_html())
