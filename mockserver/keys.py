"""Typed keys for what the app carries."""

from __future__ import annotations

from aiohttp import web

from .state import ServerState

STATE = web.AppKey("state", ServerState)
