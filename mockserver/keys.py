"""Typed keys for what the app and each request carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .errors import Problem
from .state import ServerState


@dataclass(slots=True)
class Draft:
    """What a handler learns about its exchange; the middleware journals it (the journal
    builds the Exchange from it when first read, so nothing may change it after that)."""

    request_id: str
    # The request's headers, names lower-cased (the last value of a repeated one): the
    # journal keeps them and the header checks read them, so they are built once.
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    response: Any = None
    streamed: bool = False
    step: str | None = None
    problems: list[Problem] = field(default_factory=list)
    events_sent: int = 0
    interrupted: bool = False
    unmatched: bool = False
    near_misses: tuple[str, ...] = ()
    scenario_error: str | None = None


STATE = web.AppKey("state", ServerState)
DRAFT_KEY = web.RequestKey("draft", Draft)


def draft_of(request: web.Request) -> Draft:
    return request[DRAFT_KEY]
