"""MockServer: the server on a background event loop, for tests and scripts."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web

from . import control
from .app import create_app
from .background import BackgroundServer
from .config import Config, SignaturePolicy, Strictness
from .faults.ratelimit import RateLimits
from .faults.rules import FaultRule, fail_next
from .files.upload import mime_type_of
from .recording.modes import RecordMode, ViolationPolicy
from .recording.redaction import Redaction
from .recording.setup import recorder_for
from .report import verify
from .report.journal import Exchange, Journal
from .report.summary import ContractReport
from .scripting.loader import load_scenarios
from .scripting.reply import Reply
from .scripting.scenario import Scenario, Step, step
from .scripting.stream_plan import StreamFault
from .state import ServerState

_PACKAGE_DIR = str(Path(__file__).parent)

# What the SDK reads when a client is built with its defaults.
TEST_API_KEY = "sk-ant-mockserver-test"


class MockServer(BackgroundServer):
    """Runs the mock on its own thread and loop, so synchronous code can call it.

    >>> with MockServer() as server:
    ...     client = anthropic.Anthropic(base_url=server.base_url, api_key="test")

    Unlike the standalone server (standalone.settle_memory), it leaves the garbage collector's
    settings alone: they are the whole process's, and this runs in the user's.
    """

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config(port=0)
        self.state = ServerState(self.config)
        super().__init__(self.config)

    def make_app(self) -> web.Application:
        return create_app(self.config, self.state)

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("MockServer is not started")
        return f"http://{self.config.host}:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point an SDK built with defaults at this server."""
        return {"ANTHROPIC_BASE_URL": self.base_url, "ANTHROPIC_API_KEY": TEST_API_KEY}

    @property
    def journal(self) -> Journal:
        """Every exchange so far, including the one whose last byte the client just read."""
        # The server journals an exchange in the same loop step that writes its last
        # bytes; a no-op queued behind that step means the entry is in when it returns.
        self._on_loop(lambda: None)
        return self.state.journal

    def reset(self) -> None:
        """Forget everything a test did: journal, its scenarios, progress, cache, clock."""
        self._on_loop(self.state.reset)

    # -- scenarios ---------------------------------------------------------------------

    @property
    def scenarios(self) -> list[Scenario]:
        """Every scenario being played: the test's own first, then the session's files."""
        return self.state.scenarios.scenarios

    def add(self, *items: Scenario | Step) -> None:
        """Play these in this test. A Scenario is played as it is; a Step becomes the next
        ordered step of the test's own scenario. Every ordered step must get used."""
        where, line = _caller()

        def add_all() -> None:
            for item in items:
                if isinstance(item, Scenario):
                    control.add_scenarios(self.state, [item])
                elif item.line is None:
                    control.add_steps(self.state, [replace(item, source=where, line=line)])
                else:
                    control.add_steps(self.state, [item])

        self._on_loop(add_all)

    def load(self, *paths: str | Path) -> list[Scenario]:
        """Load scenario files or folders for this test (ScenarioError if one is broken)."""
        # Parsed here, not on the server's loop: a large file would stall every request.
        scenarios = load_scenarios(paths)
        self._on_loop(lambda: control.add_scenarios(self.state, scenarios))
        return scenarios

    def reply(
        self, reply: Reply | str, *, fault: StreamFault | None = None, **options: Any
    ) -> Step:
        """Answer the next request with `reply` (a string is a text reply).

        `fault` breaks the stream as scripted. Other keywords are the step's own (`name`,
        `times`, `when_state`, `set_state`) or match keys as in YAML
        (``last_user_text="weather"``, ``tool_result="get_weather"``).
        """
        answer = Reply.text(reply) if isinstance(reply, str) else reply
        if fault is not None:
            answer = replace(answer, stream=replace(answer.stream, fault=fault))
        where, line = _caller()
        built = replace(step(answer, **options), source=where, line=line)
        self.add(built)
        return built

    def reply_text(self, text: str, **options: Any) -> Step:
        return self.reply(Reply.text(text), **options)

    def reply_tool_use(
        self,
        tool: str,
        input: Mapping[str, Any] | None = None,
        *,
        text: str | None = None,
        **options: Any,
    ) -> Step:
        """Ask the client to run `tool` (after an optional text block); the id is minted."""
        return self.reply(Reply.tool_use(tool, input, text=text), **options)

    def reply_error(
        self,
        status: int,
        message: str | None = None,
        *,
        error_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> Step:
        """Answer with an HTTP error in the API's envelope (e.g. 529 overloaded_error)."""
        error = Reply.http_error(status, message, error_type=error_type, headers=headers)
        return self.reply(error, **options)

    def advance_clock(self, seconds: float) -> float:
        """Move the simulated clock forward, e.g. past a cache entry's TTL; returns the time."""
        return self._on_loop(lambda: control.advance_clock(self.state, seconds))

    def add_file(
        self,
        content: bytes,
        *,
        filename: str,
        api_key: str = TEST_API_KEY,
        mime_type: str | None = None,
    ) -> dict[str, Any]:
        """A file as a tool (code execution) would have made it for `api_key`: unlike an
        upload it is downloadable. Returns its metadata (`["id"]` is the file id)."""
        mime = mime_type or mime_type_of(content, filename, "")

        def add() -> dict[str, Any]:
            files = self.state.files
            stored = files.add(
                api_key, content, filename=filename, mime_type=mime, downloadable=True
            )
            return stored.metadata()

        return self._on_loop(add)

    # -- checks ------------------------------------------------------------------------

    def failures(self, checks: verify.Checks | None = None) -> list[str]:
        """What the teardown checks find (empty: nothing wrong)."""
        # On the loop, so the exchange whose last byte just left is already journaled.
        return self._on_loop(lambda: control.failures(self.state, checks or verify.Checks()))

    def verify(self, checks: verify.Checks | None = None) -> None:
        """Raise AssertionError if a request matched nothing, a required step went unused,
        or a request broke the API's contract."""
        reports = self.failures(checks)
        if reports:
            raise AssertionError("mockserver: " + "\n\nmockserver: ".join(reports))

    @contextmanager
    def expect_rejection(self) -> Iterator[list[Exchange]]:
        """Requests made inside the block may be rejected (a test of the client's error
        handling); at least one must be. Yields the rejected exchanges, filled on exit."""
        start = len(self.journal)
        rejected: list[Exchange] = []
        yield rejected
        rejected.extend(e for e in self.journal.since(start) if e.violation)
        if not rejected:
            raise AssertionError("expected the server to reject a request, but none was rejected")
        ids = [e.request_id for e in rejected]
        self._on_loop(lambda: control.expect_rejections(self.state, ids))

    # -- contract checking -------------------------------------------------------------

    @property
    def strictness(self) -> Strictness:
        """strict: violations are answered as the API does; warn: answered normally, recorded
        and flagged in `x-mockserver-violation*` headers; off: schema only. Settable."""
        return self.state.strictness

    @strictness.setter
    def strictness(self, strictness: Strictness) -> None:
        self.set_strictness(strictness)

    def set_strictness(self, strictness: Strictness, *, session: bool = False) -> None:
        """Until the next reset(), or for good with `session` (ValueError if unknown)."""
        self._on_loop(lambda: control.set_strictness(self.state, strictness, session=session))

    @property
    def signatures(self) -> SignaturePolicy:
        """lenient: a thinking signature this server did not mint, shaped like the real
        API's, is accepted and noted (``unverifiable_signature``); strict: it is refused.
        Settable; signatures minted here are always verified."""
        return self.state.signatures

    @signatures.setter
    def signatures(self, policy: SignaturePolicy) -> None:
        self.set_signatures(policy)

    def set_signatures(self, policy: SignaturePolicy, *, session: bool = False) -> None:
        """Until the next reset(), or for good with `session` (ValueError if unknown)."""
        self._on_loop(lambda: control.set_signatures(self.state, policy, session=session))

    def trust_signatures(self, blocks: Iterable[Any]) -> int:
        """Make the tokens of these thinking blocks (or of the thinking blocks of these
        messages) verifiable, for the server's lifetime: a recorded conversation replayed
        is then checked, not merely accepted. How many blocks were trusted."""
        items = list(blocks)
        return self._on_loop(lambda: self.state.signer.trust_all(items))

    def record(
        self,
        cassette: str | Path | None,
        *,
        mode: RecordMode = "once",
        upstream: str | None = None,
        redaction: Redaction | None = None,
        violations: ViolationPolicy = "answer",
    ) -> None:
        """Until the next reset(): replay `cassette` (a .yaml file, or a folder of them) and/or
        forward to `upstream` and record there, as `mode` says (none, once, new, all).
        With no cassette, a plain proxy. NoUpstream (a ValueError) if the mode must record
        and no upstream is given; ScenarioError if the cassette is broken."""
        target = None if cassette is None else Path(cassette)

        def apply() -> None:
            current = self.state.recorder
            if current is not None and current is not self.state.base_recorder:
                current.dispose()
            self.state.recorder = recorder_for(
                self.state,
                target,
                mode=mode,
                upstream=upstream,
                redaction=redaction or self.config.redaction,
                violations=violations,
                for_test=True,
            )

        self._on_loop(apply)

    def report(self) -> ContractReport:
        """The contract report: features used and violations by rule, over every request
        since the server started (reset() keeps it; reset_report() starts it over)."""
        return self._on_loop(lambda: control.contract_report(self.state))

    def reset_report(self) -> None:
        self._on_loop(lambda: control.reset_report(self.state))

    # -- faults and rate limits ----------------------------------------------------------

    def inject(self, rule: FaultRule) -> FaultRule:
        """Add a fault rule (rules are tried in the order added); its counters stay live."""
        return self._on_loop(lambda: self.state.faults.add(rule))

    def fail_next(self, status: int = 529, *, times: int | None = 1, **options: Any) -> FaultRule:
        """The next `times` /v1/messages calls fail with `status`, e.g. 529 twice then success.

        Options: message, error_type, headers, retry_after (seconds), delay, api_key,
        session, streaming, endpoint (see mockserver.faults).
        """
        return self.inject(fail_next(status, times=times, **options))

    def clear_faults(self) -> None:
        self._on_loop(self.state.faults.clear)

    def set_rate_limits(self, limits: RateLimits | None, *, api_key: str | None = None) -> None:
        """Per-minute limits for `api_key` (None: every key); `limits=None` lifts them.
        The buckets start full; reset() goes back to the configured limits."""
        self._on_loop(lambda: self.state.limits.set_limits(limits, api_key))


def _caller() -> tuple[str, int | None]:
    """The file and line outside this package that called in (where a step was written)."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    return Path(frame.f_code.co_filename).name, frame.f_lineno
