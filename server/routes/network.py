"""Run-time control of the origin's misbehaviour: fault rules and bandwidth shaping.

Only loopback clients may change them: they exist for tests and the live ABR mode on this machine.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException, Request, Response

from ..faults import FaultError, FaultPlan, parse_rules
from ..shaping import Link, Shaper, ShapingError

router = APIRouter(tags=["network"])

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _loopback_only(request: Request) -> None:
    host = request.client.host if request.client else ""
    if host not in _LOOPBACK and not host.startswith("127."):
        raise HTTPException(status_code=403, detail="network controls are for loopback clients only")


@router.get("/faults")
def get_faults(request: Request) -> list[dict[str, Any]]:
    """The fault rules in force."""
    plan: FaultPlan = request.app.state.faults
    return plan.rules()


@router.put("/faults")
def put_faults(request: Request, rules: Any = Body(...)) -> list[dict[str, Any]]:
    """Replace the fault rules (a JSON list; [] clears them)."""
    _loopback_only(request)
    plan: FaultPlan = request.app.state.faults
    try:
        plan.replace(parse_rules(rules, "rules"))
    except FaultError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return plan.rules()


@router.put("/shaping")
def put_shaping(request: Request, spec: Any = Body(...)) -> dict[str, Any]:
    """Shape media responses to follow a trace: ``{"times_s", "mbps", "latency_ms", "mode"}``."""
    _loopback_only(request)
    shaper: Shaper = request.app.state.shaper
    try:
        shaper.link = Link.parse(spec)
    except ShapingError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return shaper.link.describe()


@router.delete("/shaping", status_code=204)
def delete_shaping(request: Request) -> Response:
    """Stop shaping: full speed again."""
    _loopback_only(request)
    request.app.state.shaper.link = None
    return Response(status_code=204)
