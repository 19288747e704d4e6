"""Sending one batch to the collector: gzip, POST with the session's token, and what the answer
means for the batch (delivered, try again later, never deliverable)."""

from __future__ import annotations

import enum
import gzip
import random

import httpx

from app.telemetry.queue import Batch


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    """The collector is down, overloaded or unreachable: the batch waits and goes again."""
    REJECTED = "rejected"
    """The collector found the batch invalid: sending it again cannot help."""
    UNAUTHORIZED = "unauthorized"
    """The collector refused the session's token: none of the session's events can go."""


_RETRY_STATUS = frozenset({404, 408, 425, 429})


def post_batch(http: httpx.Client, batch: Batch) -> tuple[Outcome, str]:
    """POST ``batch``; returns the outcome and a one-line detail for the log."""
    body = gzip.compress(batch.body, compresslevel=6)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip",
               "Authorization": f"Bearer {batch.delivery.token}"}
    try:
        response = http.post(batch.delivery.collector_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Outcome.RETRY, f"{type(exc).__name__}: {exc}"
    detail = f"HTTP {response.status_code} {response.text[:200]}"
    if response.is_success:
        return Outcome.DELIVERED, detail
    if response.status_code >= 500 or response.status_code in _RETRY_STATUS:
        return Outcome.RETRY, detail
    if response.status_code in (401, 403):
        return Outcome.UNAUTHORIZED, detail
    return Outcome.REJECTED, detail


class Backoff:
    """Exponential delays with jitter, so clients that lost the collector together do not all
    come back in the same instant."""

    def __init__(self, initial_s: float, max_s: float) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self.failures = 0

    def next_delay(self) -> float:
        ceiling = min(self.max_s, self.initial_s * 2 ** self.failures)
        self.failures += 1
        return ceiling * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0
