"""The backend's routers, one module per concern.  :data:`ROUTERS` is what the app mounts;
a new concern (ClearKey licences, the QoE collector) adds its module and its router here."""

from fastapi import APIRouter

from . import catalog, license, network, origin, playback, system

API_PREFIX = "/api/v1"

#: (prefix, router) pairs mounted by :func:`server.app.create_app`, in order.
ROUTERS: tuple[tuple[str, APIRouter], ...] = (
    (API_PREFIX, system.router),
    (API_PREFIX, catalog.router),
    (API_PREFIX, playback.router),
    (API_PREFIX, license.router),
    (API_PREFIX, network.router),
    ("", origin.router),
)
