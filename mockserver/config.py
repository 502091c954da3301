"""Server settings: what the CLI, the Python API and the pytest plugin all configure."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .faults.ratelimit import RateLimits
from .recording.modes import RecordMode, ViolationPolicy
from .recording.redaction import Redaction
from .scripting.stream_plan import Pacing

Strictness = Literal["strict", "warn", "off"]
# Thinking signatures this server did not mint but shaped like the real API's (replayed
# from real conversations): accepted and recorded (lenient), or refused (strict).
SignaturePolicy = Literal["strict", "lenient"]
# What answers a request no loaded scenario matches: the default reply, or a 400 that
# names the closest steps and why each did not match.
UnmatchedPolicy = Literal["default", "error"]

DEFAULT_HOST = "127.0.0.1"
# The port the official SDKs' own test suites point at.
DEFAULT_PORT = 4010
# The API's limit for Messages and count_tokens bodies.
MAX_BODY_BYTES = 32 * 1024 * 1024
# What all keys' uploaded files may hold together: the store keeps every byte in memory, so
# the default is far below the API's per-organization quota (an upload past it gets the
# API's `storage_quota_exceeded`).
FILES_MAX_BYTES = 256 * 1024 * 1024


@dataclass
class Config:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    scenario_paths: list[Path] = field(default_factory=list)
    # Load the bundled example scenarios (the CLI does; the test fixture does not).
    bundled_scenarios: bool = False
    # Empty: any non-empty key is accepted.
    api_keys: frozenset[str] = frozenset()
    strictness: Strictness = "strict"
    signatures: SignaturePolicy = "lenient"
    # Accept model ids missing from the catalog (answered as a generic model).
    any_model: bool = False
    # Accept anthropic-beta values the server does not know.
    any_beta: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
    files_max_bytes: int = FILES_MAX_BYTES
    # Seconds a request body may take to arrive once its headers have (a 408 after).
    body_read_timeout: float = 60.0
    # Seed for everything the server mints (thinking signatures); None: random per start.
    seed: str | None = None
    # Watch scenario files and reload them when they change (standalone server).
    watch: bool = False
    unmatched: UnmatchedPolicy = "default"
    # Streaming pace for every reply whose step sets none; None: as fast as possible.
    stream_pacing: Pacing | None = None
    # Required (as `Authorization: Bearer`) from admin clients that are not on loopback.
    admin_token: str | None = None
    # Web origins (`http://localhost:3000`) whose pages may call the admin API, besides the
    # server's own; "*": any. Others are refused, so no web page can drive it.
    admin_allow_origins: frozenset[str] = frozenset()
    # The journal keeps at most this many exchanges, holding at most this many bytes of
    # memory (their bodies' bytes and journal.RECORD_BYTES each), dropping the oldest (they
    # still count in the contract report); None: no limit (the test fixture clears the
    # journal for every test).
    journal_limit: int | None = None
    journal_max_bytes: int | None = None
    # Per-minute limits every API key gets (each key its own buckets); None: none enforced,
    # the rate-limit headers count down from ratelimit.NOMINAL.
    rate_limits: RateLimits | None = None
    # How long a message batch takes on the server's clock, its requests spread evenly over
    # it (0: each batch has ended by the first look after its create).
    batch_processing_seconds: float = 0.0
    # Proxy mode: forward /v1/messages and count_tokens to this base URL (None: the plain
    # mock). With `record`, what it answers is written there as scenario YAML (a .yaml
    # file, or a folder for a file per conversation), under `record_mode`.
    upstream: str | None = None
    record: Path | None = None
    record_mode: RecordMode = "once"
    # In proxy mode under `strict`, a request breaking the contract is answered here
    # (`answer`, default: the API would refuse it too, and it costs no upstream call) or
    # forwarded anyway (`forward`); reported either way.
    upstream_violations: ViolationPolicy = "answer"
    # What a recording never holds besides credentials (see Redaction).
    redaction: Redaction = field(default_factory=Redaction)
