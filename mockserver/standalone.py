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
    """Tune this server process's garbage collector, once everything lasting is built.

    Everything built so far (schemas, catalog, scenarios) lives as long as the server:
    frozen, no collection walks it again. The young generation is collected past 50,000
    objects rather than 700: parsing a 120 KB agent request makes ~10,000 at once, which the
    default turns into a dozen collections per request (343 -> 465 req/s on that request;
    small ones unchanged). Few survive a request (the journal keeps bodies as bytes, the
    memos mostly strings), so collections are rare: bench_latency.py saw 3 young ones of
    6-22 ms in 50,000 small requests and none of the older generations, where ten times as
    many at a tenth of the threshold would each cost a request its p99.9. MockServer leaves
    these alone: it runs inside the user's process (a pytest session), whose collector is
    theirs.
    """
    gc.collect()
    gc.freeze()
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
