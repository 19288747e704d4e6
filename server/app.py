"""The FastAPI application: routers from :mod:`server.routes`, JSON errors, shared state."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import qoe
from .faults import FaultMiddleware, FaultPlan
from .library import Library
from .routes import API_PREFIX, ROUTERS
from .shaping import Shaper, ShapingMiddleware
from .store import Store


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return JSONResponse({"error": f"invalid request: {problems}"}, status_code=422)


def create_app(library: Library, store: Store, faults: FaultPlan | None = None, *,
               refuse_licenses: bool = False) -> FastAPI:
    """The backend over ``library``, keeping its state in ``store``; ``faults`` break the origin
    on purpose (tests), as does shaping set at run time, and ``refuse_licenses`` makes the
    license service answer 403 to everyone (to see how clients take a refusal)."""
    app = FastAPI(title="Marquee reference backend", version="1",
                  description="Catalog, playback sessions and origin for Marquee's demo library.")
    app.state.library = library
    app.state.store = store
    app.state.refuse_licenses = refuse_licenses
    store.replace_content_keys((k.kid, k.title_id, k.key) for k in library.keys)
    app.state.faults = faults or FaultPlan()
    app.state.shaper = Shaper()
    # Outermost first: faults act on what the shaper lets through.
    app.add_middleware(ShapingMiddleware, shaper=app.state.shaper)
    app.add_middleware(FaultMiddleware, plan=app.state.faults)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for prefix, router in ROUTERS:
        app.include_router(router, prefix=prefix)
    # The QoE collector keeps its events in a database of its own beside the store's.
    app.state.qoe = qoe.SqliteQoeStore(store.path.with_name(f"{store.path.stem}-qoe.db"))
    app.include_router(qoe.router, prefix=API_PREFIX)
    app.include_router(qoe.pages)
    return app
