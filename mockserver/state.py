"""All mutable server state in one object with one reset()."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from aiohttp import web

from .accounting.cache import PromptCache
from .accounting.tokens import HeuristicTokenizer, Tokenizer
from .batches.store import BatchStore
from .catalog import Catalog
from .clock import Clock
from .config import Config, SignaturePolicy, Strictness, UnmatchedPolicy
from .contract.validation import RequestValidator
from .draft import Draft
from .faults.ratelimit import RateLimiter
from .faults.rules import FaultBook
from .files.store import FileStore
from .report.contract_report import ReportCollector
from .report.journal import Exchange, Journal
from .report.summary import ContractReport
from .report.verify import Expectations
from .scripting.book import ScenarioBook, book_for
from .scripting.threads import ThreadStore
from .signing.signer import Signer

log = logging.getLogger("mockserver")

# Journaled exchanges the report folds in at a time, between other work on the server's
# loop: in step with the requests, this is one or two; after a burst of concurrent ones, a
# bounded slice of work before the loop serves the next.
_FOLD_STEP = 8


class Detour(Protocol):
    """What answers the Messages endpoints instead of the plain mock (recording/'s
    `Recorder`); declared here so the state need not import the door that uses it."""

    async def handle(
        self,
        request: web.Request,
        state: ServerState,
        draft: Draft,
        kind: Literal["messages", "count_tokens"],
    ) -> web.StreamResponse: ...

    def dispose(self) -> None: ...

    async def close(self) -> None: ...


@dataclass
class ServerState:
    config: Config
    catalog: Catalog = field(default_factory=Catalog.load)
    journal: Journal = field(default_factory=Journal)
    clock: Clock = field(default_factory=Clock)
    tokenizer: Tokenizer = field(default_factory=HeuristicTokenizer)
    signer: Signer = field(init=False)
    validator: RequestValidator = field(default_factory=RequestValidator)
    organization_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    cache: PromptCache = field(init=False)
    threads: ThreadStore = field(default_factory=ThreadStore)
    batches: BatchStore = field(default_factory=BatchStore)
    # The config's scenario files (and the bundled ones), plus those added from Python.
    scenarios: ScenarioBook = field(init=False)
    # What the running test declared (its scenarios, expected rejections): teardown checks.
    expectations: Expectations = field(default_factory=Expectations)
    # Faults injected from Python or the admin API, and the per-key rate limits.
    faults: FaultBook = field(default_factory=FaultBook)
    limits: RateLimiter = field(init=False)
    # Files uploaded with POST /v1/files, per API key.
    files: FileStore = field(init=False)
    # The strictness in force: the config's, unless the running test chose another.
    strictness: Strictness = field(init=False)
    # The signature policy in force, likewise.
    signatures: SignaturePolicy = field(init=False)
    # The contract report covers the whole session: reset() leaves it alone.
    report: ReportCollector = field(default_factory=ReportCollector)
    # The journal length and bytes at which it is trimmed back to the config's limits.
    journal_trim_at: int = field(init=False)
    journal_trim_bytes: int = field(init=False)
    # A fold of the journal into the report is scheduled on the server's loop.
    _fold_due: bool = field(default=False, repr=False)
    # What answers an unmatched request outside a test's replay (the config's, or `error`
    # when the config replays a recording).
    base_unmatched: UnmatchedPolicy = field(init=False)
    # Proxy mode: forwards to an upstream (and records) instead of answering; None for
    # the plain mock. `base_recorder` is the config's, which reset() restores.
    recorder: Detour | None = None
    base_recorder: Detour | None = None
    # Held while the report folds the journal in and the journal is cleared or trimmed (the
    # test thread resets and reads reports while the server loop trims).
    _journal_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Called with each exchange as it is journaled (the terminal log line, inspector feeds);
    # empty, the request path only tests the list.
    watchers: list[Callable[[Exchange], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Trimmed a thousandth at a time: dropping exchanges shifts every one after them (a
        # hundredth at a time, the hundred small exchanges dropped together cost a request
        # 0.1-0.2 ms once in a hundred).
        self.journal_trim_at = _past(self.config.journal_limit)
        self.journal_trim_bytes = _past(self.config.journal_max_bytes)
        self.cache = PromptCache(self.clock)
        self.limits = RateLimiter(self.config.rate_limits, self.clock)
        self.files = FileStore(self.clock, self.config.files_max_bytes)
        self.strictness = self.config.strictness
        self.signatures = self.config.signatures
        seed = self.config.seed
        self.signer = Signer.from_seed(seed) if seed is not None else Signer()
        self.scenarios = book_for(self.config, self.signer)
        self.base_unmatched = self.config.unmatched

    def tell_watchers(self, exchange: Exchange) -> None:
        for watcher in list(self.watchers):
            try:
                watcher(exchange)
            except Exception:
                # A watcher's bug must not cost the client its answer.
                log.exception("internal error in a journal watcher")

    def journaled(self) -> None:
        """An exchange was journaled (on the server's loop): it is folded into the report
        once its response has been written; the handler's task writes it before the loop
        runs what is scheduled now."""
        if not self._fold_due:
            self._fold_due = True
            asyncio.get_running_loop().call_soon(self._fold)

    def _fold(self) -> None:
        """Fold a few journaled exchanges into the report, then trim the journal to its
        limits; again on the loop's next turn while there are more."""
        self._fold_due = False
        try:
            with self._journal_lock:
                self.report.catch_up(self.journal, _FOLD_STEP)
                journal = self.journal
                if len(journal) >= self.journal_trim_at or (
                    journal.body_bytes >= self.journal_trim_bytes
                ):
                    self._trim()
        except Exception:
            # Nobody waits on this: a bug in the bookkeeping must not stop the server.
            log.exception("internal error while folding the journal into the report")
            return
        if self.report.position < len(self.journal):
            self.journaled()

    def _trim(self) -> None:
        """Down to the journal's limits: the oldest exchanges go, once the report has them
        (call with the journal lock held)."""
        count = self.journal.excess(self.config.journal_limit, self.config.journal_max_bytes)
        count = min(count, self.report.position)
        self.journal.drop_oldest(count)
        self.report.journal_trimmed(count)

    def contract_report(self) -> ContractReport:
        with self._journal_lock:
            self.report.catch_up(self.journal)
        return self.report.report()

    def reset_report(self) -> None:
        """Start the contract report over from the requests that come next."""
        with self._journal_lock:
            self.report.clear(position=len(self.journal))

    def reset(self) -> None:
        """Forget everything a test did: journal, cache, clock, scenario progress, batches,
        files."""
        with self._journal_lock:
            try:
                self.report.catch_up(self.journal)
            except Exception:
                # A reset must always work: a journal that cannot be folded in would
                # otherwise fail every reset after it (and every test's setup).
                log.exception("internal error while folding the journal into the report")
            self.journal.clear()
            self.report.journal_cleared()
        self.cache.clear()
        self.clock.reset()
        self.scenarios.reset()
        self.threads.clear()
        self.batches.clear()
        self.expectations.clear()
        self.faults.clear()
        self.limits.clear()
        self.files.clear()
        self.strictness = self.config.strictness
        self.signatures = self.config.signatures
        if self.recorder is not None and self.recorder is not self.base_recorder:
            self.recorder.dispose()
        self.recorder = self.base_recorder
        self.scenarios.unmatched = self.base_unmatched


def _past(limit: int | None) -> int:
    """A thousandth over `limit`: where trimming starts (never, for no limit)."""
    return sys.maxsize if limit is None else limit + max(1, limit // 1000)
