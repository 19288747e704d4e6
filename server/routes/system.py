"""Liveness."""

from fastapi import APIRouter

from ..schemas import Health

router = APIRouter(tags=["system"])


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health()
