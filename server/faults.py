"""Fault injection for the origin: make the network misbehave on purpose, per run or per path.

Rules match request paths with shell-style patterns and say what goes wrong: an error status, a
connection closed before the body (reset), a body that pauses mid-way (stall), a slow first byte,
a body cut short (truncate), or a Content-Length that lies (wrong-length). A rule may apply to the
first N matching requests only. Rules come from ``--faults FILE`` at start-up or are replaced at
run time through ``PUT /api/v1/faults`` (loopback clients only), so tests can break one segment.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FaultKind = Literal["status", "reset", "stall", "slow-first-byte", "truncate", "wrong-length"]
KINDS: tuple[str, ...] = ("status", "reset", "stall", "slow-first-byte", "truncate", "wrong-length")


class FaultError(ValueError):
    """A fault rule that does not make sense; the message names the field."""


@dataclass
class FaultRule:
    match: str
    """Shell-style pattern against the request path, e.g. ``/media/*/480p*/3.m4s``."""
    kind: FaultKind
    status: int = 503
    seconds: float = 5.0
    """How long a stall or a slow first byte lasts."""
    fraction: float = 0.5
    """Share of the body sent before a truncation or a stall."""
    times: int | None = None
    """Apply to this many matching requests, then stop; None: always."""

    @classmethod
    def parse(cls, raw: Any, where: str) -> FaultRule:
        if not isinstance(raw, dict):
            raise FaultError(f"{where}: a rule is a JSON object")
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise FaultError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if not isinstance(raw.get("match"), str) or not raw["match"]:
            raise FaultError(f"{where}: 'match' must be a non-empty path pattern")
        if raw.get("kind") not in KINDS:
            raise FaultError(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
        rule = cls(**raw)
        if not 100 <= int(rule.status) <= 599:
            raise FaultError(f"{where}: 'status' must be an HTTP status")
        if rule.seconds < 0 or not 0 <= rule.fraction <= 1 or (rule.times is not None and rule.times < 1):
            raise FaultError(f"{where}: 'seconds' >= 0, 0 <= 'fraction' <= 1 and 'times' >= 1")
        return rule


class FaultPlan:
    """The rules in force; thread-safe, since requests and the admin API race."""

    def __init__(self, rules: list[FaultRule] | None = None) -> None:
        self._rules = list(rules or [])
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path) -> FaultPlan:
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise FaultError(f"{path}: {exc}") from None
        return cls(parse_rules(raw, str(path)))

    def replace(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules = list(rules)

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self._rules]

    def take(self, path: str) -> FaultRule | None:
        """The first rule matching ``path``, counting it as used."""
        with self._lock:
            for rule in self._rules:
                if fnmatch.fnmatchcase(path, rule.match):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times == 0:
                            self._rules.remove(rule)
                    return rule
        return None


def parse_rules(raw: Any, where: str) -> list[FaultRule]:
    if not isinstance(raw, list):
        raise FaultError(f"{where}: expected a JSON list of rules")
    return [FaultRule.parse(item, f"{where}[{i}]") for i, item in enumerate(raw)]


class _Abort(Exception):
    """Ends a response mid-way: the server closes the connection without completing it."""


class FaultMiddleware:
    """ASGI middleware applying a :class:`FaultPlan` to HTTP requests."""

    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.plan.take(scope["path"]) if scope["type"] == "http" else None
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.kind == "status":
            body = json.dumps({"error": f"injected fault: HTTP {rule.status}"}).encode()
            await send({"type": "http.response.start", "status": rule.status,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        if rule.kind == "slow-first-byte":
            await asyncio.sleep(rule.seconds)
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, _faulty_send(rule, send))
        except _Abort:
            raise RuntimeError(f"injected fault: {rule.kind} on {scope['path']}") from None


def _faulty_send(rule: FaultRule, send: Send) -> Send:
    """A ``send`` that breaks the response the way ``rule`` says."""
    state = {"declared": 0, "sent": 0}

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            state["declared"] = int(headers.get(b"content-length", b"0"))
            if rule.kind == "wrong-length" and state["declared"]:
                lie = str(state["declared"] + 1024).encode()
                message = {**message, "headers": [(k, lie if k == b"content-length" else v)
                                                  for k, v in message.get("headers", [])]}
            await send(message)
            if rule.kind == "reset":
                raise _Abort
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        body: bytes = message.get("body", b"")
        cut = int(state["declared"] * rule.fraction)
        if rule.kind in ("truncate", "stall") and state["sent"] <= cut < state["sent"] + len(body):
            head = max(cut - state["sent"], 0)
            await send({"type": "http.response.body", "body": body[:head], "more_body": True})
            if rule.kind == "truncate":
                raise _Abort
            await asyncio.sleep(rule.seconds)  # a stall: the rest follows after the pause
            body = body[head:]
            state["sent"] += head
            message = {**message, "body": body}
        state["sent"] += len(body)
        await send(message)

    return wrapped
