"""What a standalone server process does around its app: the collector's tuning, the banner,
the report at exit (the single server's and the workers' supervisor's alike)."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import TextIO

from .report.summary import ContractReport
from .version import __version__


def discarded(stream: TextIO) -> bool:
    """Whether `stream` goes to /dev/null: nobody reads the lines, so none are made (a
    line costs ~30 µs of the ~200 µs a small request takes)."""
    try:
        return os.path.samestat(os.fstat(stream.fileno()), os.stat(os.devnull))
    except (OSError, ValueError):
        return False


def settle_memory() -> None:
    """Tune this server process's garbage collector, once everything lasting is built."""
    # Everything built so far (schemas, catalog, scenarios) lives as long as the server:
    # moved out of the collector's view, full collections no longer walk it on every pass.
    gc.collect()
    gc.freeze()
    # Parsing a Claude-Code-sized body makes ~10,000 objects, which the default threshold
    # (700) turns into a dozen collections per request, each walking the memos of earlier
    # conversations; requests make little cyclic garbage. Measured on that request: 343 ->
    # 465 req/s; small requests unchanged. Only this process's own collector is tuned: the
    # pytest fixture runs in the user's process and leaves theirs alone.
    gc.set_threshold(50_000, 10, 10)


def print_banner(url: str, extra: str = "") -> None:
    print(f"mockserver {__version__} listening on {url}{extra}", flush=True)
    print(f"inspector: {url}/_mock/ui", flush=True)
    print(f"export ANTHROPIC_BASE_URL={url}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)


def print_report(report: ContractReport, path: Path | None) -> None:
    """At shutdown: what the clients sent and broke, for whoever watched this server."""
    if report.requests:
        print(f"\n{report.to_text()}\n", flush=True)
    if path is not None:
        report.write_json(path)
