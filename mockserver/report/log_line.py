"""The standalone server's terminal line per exchange (`--quiet` turns it off)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from .exchange_summary import answered_by, first_problem, model_of, usage_of
from .journal import Exchange

_RESET = "\033[0m"
_GREEN, _YELLOW, _RED, _DIM = "\033[32m", "\033[33m", "\033[31m", "\033[2m"


def log_line(exchange: Exchange, *, colour: bool = False) -> str:
    """E.g. `12:03:04 anthropic POST /v1/messages 200 claude-sonnet-4-5 stream
    in=12 out=30 cache_read=0 cache_write=0 step=weather/ask 3.1ms`."""
    clock = time.strftime("%H:%M:%S", time.localtime(exchange.started))
    status = str(exchange.status)
    parts = [clock, exchange.api, exchange.method, exchange.path, status]
    model = model_of(exchange)
    if model is not None:
        parts.append(model)
    if exchange.is_message_call or exchange.api == "openai":
        parts.append("stream" if exchange.streamed else "sync")
    parts += [f"{name}={count}" for name, count in usage_of(exchange).items()]
    parts.append(f"step={answered_by(exchange)}")
    parts.append(f"{exchange.duration * 1000:.1f}ms")
    problem = first_problem(exchange)
    if problem is not None:
        verb = "refused" if exchange.is_error else "warned"
        parts.append(f"{verb} {problem[0]}: {problem[1]}")
    # One line each, whatever the API's wording holds.
    line = " ".join(parts).replace("\n", " ")
    if not colour:
        return line
    tint = _RED if exchange.is_error else _YELLOW if problem or exchange.unmatched else _GREEN
    return line.replace(f" {status} ", f" {tint}{status}{_RESET} ", 1).replace(
        clock, f"{_DIM}{clock}{_RESET}", 1
    )


def printer(stream: TextIO) -> Callable[[Exchange], None]:
    """A journal watcher writing each exchange's line to `stream`, coloured on a terminal."""
    colour = stream.isatty()

    def write(exchange: Exchange) -> None:
        # Flushed per line: the log is read as it comes (a pipe would otherwise hold it).
        stream.write(log_line(exchange, colour=colour) + "\n")
        stream.flush()

    return write
