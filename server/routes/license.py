"""The ClearKey license server and the HLS AES-128 key endpoint.

Keys are issued only against a playback token (from ``POST /titles/{id}/playback``) of the title
that owns every KID asked for: no token, an unknown token or a token of another title is 403;
an unknown KID is 404; a malformed request is 400; all with a JSON ``{"error": ...}`` body. The
license endpoint reads the token from ``Authorization: Bearer``; the key endpoint also from a
``token`` query argument, because HLS key URIs are plain GETs that cannot carry headers.

Nothing here logs a key; responses carrying keys are ``Cache-Control: no-store``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from ..deps import get_store
from ..license.messages import KID_SIZE, LicenseRequestError, parse_request, response
from ..schemas import ErrorBody
from ..store import Store

router = APIRouter(tags=["license"])

NO_STORE = {"Cache-Control": "no-store", "Access-Control-Allow-Origin": "*"}
_ERRORS = {400: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}}


def _bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return credentials.strip() or None


def _title_of_token(request: Request, store: Store, token: str | None) -> str:
    """The title ``token`` was issued for, or 403."""
    if getattr(request.app.state, "refuse_licenses", False):
        raise HTTPException(status_code=403, detail="this backend issues no licences (started with --no-license)")
    if not token:
        raise HTTPException(status_code=403, detail="a playback token is required (Authorization: Bearer <token>)")
    title_id = store.playback_title(token)
    if title_id is None:
        raise HTTPException(status_code=403, detail="the playback token is not valid")
    return title_id


def _keys_for(store: Store, title_id: str, kids: list[bytes]) -> dict[bytes, bytes]:
    """The keys of ``kids``, every one owned by ``title_id``: else 404 (unknown) or 403."""
    found = store.content_keys(kids)
    unknown = [kid.hex() for kid in kids if kid not in found]
    if unknown:
        raise HTTPException(status_code=404, detail=f"unknown KID {', '.join(unknown)}")
    foreign = [kid.hex() for kid in kids if found[kid][0] != title_id]
    if foreign:
        raise HTTPException(status_code=403, detail=f"the playback token is for {title_id!r}, "
                                                    f"which does not own KID {', '.join(foreign)}")
    return {kid: found[kid][1] for kid in kids}


@router.post("/license", name="license", response_class=Response, responses={
    200: {"description": "JWK set (W3C EME ClearKey)", "content": {"application/json": {}}}, **_ERRORS})
async def clearkey_license(request: Request, store: Store = Depends(get_store)) -> Response:
    """ClearKey license: ``{"kids": [base64url...], "type": "temporary"}`` in, a JWK set out."""
    title_id = _title_of_token(request, store, _bearer(request))
    try:
        kids, session_type = parse_request(await request.body())
    except LicenseRequestError as exc:
        raise HTTPException(status_code=400, detail=f"malformed license request: {exc}") from None
    keys = _keys_for(store, title_id, kids)
    return Response(response(keys, session_type), media_type="application/json", headers=NO_STORE)


@router.options("/license", include_in_schema=False)
def license_preflight() -> Response:
    """CORS preflight: a browser's EME player posts JSON with an Authorization header."""
    return Response(status_code=204, headers={
        "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Authorization, Content-Type", "Access-Control-Max-Age": "600"})


@router.get("/license/hls/{kid}", name="hls_key", response_class=Response, responses={
    200: {"description": "the 16-byte key", "content": {"application/octet-stream": {}}}, **_ERRORS})
def hls_key(kid: str, request: Request, token: str | None = None, store: Store = Depends(get_store)) -> Response:
    """An HLS ``METHOD=AES-128`` key, raw. The token may come as ``?token=`` (key URIs cannot
    send headers) or as ``Authorization: Bearer``."""
    title_id = _title_of_token(request, store, token or _bearer(request))
    try:
        kid_bytes = bytes.fromhex(kid)
    except ValueError:
        kid_bytes = b""
    if len(kid_bytes) != KID_SIZE:
        raise HTTPException(status_code=400, detail="a KID is 32 hexadecimal digits")
    key = _keys_for(store, title_id, [kid_bytes])[kid_bytes]
    return Response(key, media_type="application/octet-stream", headers=NO_STORE)
