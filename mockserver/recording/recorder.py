"""The request path when an upstream is set: check, replay or forward, record.

Every request is checked against the contract first, exactly as the plain mock checks
it (violations are journaled and reported). Then, by the record mode's plan, it is
answered from the recording or forwarded with the client's own credentials; a forwarded
/v1/messages exchange is written to the cassette.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from ..contract.check import Kind
from ..draft import Draft
from ..errors import ApiError
from ..messages.handlers import Checked, check_request, respond_message, take_step
from ..state import ServerState
from .cassette import Cassette
from .modes import Forward, ViolationPolicy
from .proxy import Upstream
from .redaction import Redaction


class Recorder:
    """An upstream, what goes to it, and where what it answers is recorded."""

    def __init__(
        self,
        upstream: str,
        *,
        forward: Forward = "all",
        cassette: Path | None = None,
        redaction: Redaction | None = None,
        violations: ViolationPolicy = "answer",
        append: bool = False,
    ) -> None:
        self.upstream = Upstream(upstream)
        self._closing: asyncio.Task[None] | None = None
        self.forward = forward
        self.violations = violations
        self.cassette = (
            Cassette(cassette, upstream, redaction or Redaction(), append=append)
            if cassette is not None
            else None
        )

    async def close(self) -> None:
        await self.upstream.close()

    def dispose(self) -> None:
        """Close the connections once this recorder is replaced (on the server's loop)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._closing = loop.create_task(self.close())

    async def handle(
        self, request: web.Request, state: ServerState, draft: Draft, kind: Kind
    ) -> web.StreamResponse:
        try:
            checked = await check_request(request, state, draft, kind)
        except ApiError:
            # Only a contract violation of a parsed body may still go up, and only if asked.
            if not (
                self.violations == "forward" and draft.problems and isinstance(draft.body, dict)
            ):
                raise
            return await self._forward(request, state, draft, kind, draft.body)
        if not isinstance(checked, Checked):
            return checked
        if self.forward == "unmatched" and kind == "messages":
            ctx = checked.ctx
            reply = take_step(state, draft, ctx, checked.body, checked.model, api="anthropic")
            if not draft.unmatched:
                return await respond_message(request, state, draft, checked, reply=reply)
            # Not in the recording: recorded now, so no longer unmatched.
            draft.unmatched, draft.near_misses, draft.step = False, (), None
        # The body as the client sent it (a thread continuation is not expanded).
        body = draft.body if isinstance(draft.body, dict) else checked.body
        return await self._forward(request, state, draft, kind, body)

    async def _forward(
        self,
        request: web.Request,
        state: ServerState,
        draft: Draft,
        kind: Kind,
        body: Mapping[str, Any],
    ) -> web.StreamResponse:
        response, captured = await self.upstream.forward(request, draft, orjson.dumps(body))
        message = captured.message()
        if message is not None:
            # The upstream's thinking tokens are genuine: sent back on the next turn they
            # are verified here, as the upstream itself verifies them.
            state.signer.trust_all([message])
        if self.cassette is not None and kind == "messages":
            self.cassette.add(body, captured, request.headers)
        return response
