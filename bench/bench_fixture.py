"""What the pytest fixture costs: starting the session server, and the overhead per test.

Run: python bench/bench_fixture.py [--tests N] [--starts S]

1. Session start: `MockServer(Config(port=0)).start()` as the plugin does it, S times.
2. Per-test overhead as pytest sees it: one inner pytest session (in this process) runs N
   empty tests that take the `mockserver` fixture and N that take none; a small plugin
   records each test's setup + call + teardown time. Overhead = the difference of medians.
3. The fixture's own work without pytest around it (reset, environment set and undone,
   teardown checks), N times.
Budgets: start <= 100 ms (median); per-test overhead <= 2 ms (median).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest

from mockserver.config import Config
from mockserver.report.verify import Checks
from mockserver.server import MockServer

START_BUDGET_MS = 100.0
PER_TEST_BUDGET_MS = 2.0

TESTS = """
import pytest

@pytest.mark.parametrize("i", range({n}))
def test_with_fixture(mockserver, i):
    pass

@pytest.mark.parametrize("i", range({n}))
def test_without_fixture(i):
    pass
"""


class PhaseRecorder:
    """Sums setup, call and teardown durations per test id."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[report.nodeid] += report.duration


def session_start_ms(starts: int) -> list[float]:
    times = []
    for _ in range(starts):
        began = time.perf_counter()
        server = MockServer(Config(port=0)).start()
        times.append((time.perf_counter() - began) * 1000)
        server.stop()
    return times


def in_pytest_ms(tests: int) -> tuple[list[float], list[float]]:
    recorder = PhaseRecorder()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "test_overhead.py"
        path.write_text(TESTS.format(n=tests))
        quiet = ["-p", "no:cacheprovider", "-p", "no:terminal"]
        loop_scope = ["-o", "asyncio_default_fixture_loop_scope=function"]
        code = pytest.main([str(path), *quiet, *loop_scope], [recorder])
        if code != 0:
            raise SystemExit(f"the inner pytest run failed ({code})")
    with_fixture = [s * 1000 for k, s in recorder.seconds.items() if "with_fixture" in k]
    without = [s * 1000 for k, s in recorder.seconds.items() if "without_fixture" in k]
    # The first test that takes the fixture also starts the session server.
    return with_fixture[1:], without


def direct_ms(tests: int) -> list[float]:
    with MockServer(Config(port=0)) as server:
        times = []
        for _ in range(tests):
            began = time.perf_counter()
            server.reset()
            saved = {name: os.environ.get(name) for name in server.env}
            os.environ.update(server.env)
            server.failures(Checks())
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            times.append((time.perf_counter() - began) * 1000)
    return times


def verdict(value: float, budget: float) -> str:
    return "ok" if value <= budget else "OVER BUDGET"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--starts", type=int, default=20)
    args = parser.parse_args()

    starts = session_start_ms(args.starts)
    with_fixture, without = in_pytest_ms(args.tests)
    direct = direct_ms(args.tests)

    start = statistics.median(starts)
    overhead = statistics.median(with_fixture) - statistics.median(without)
    p95 = statistics.quantiles(with_fixture, n=20)[-1] - statistics.quantiles(without, n=20)[-1]
    print(
        f"session server start   : median {start:6.2f} ms, max {max(starts):6.2f} ms "
        f"(budget {START_BUDGET_MS:.0f} ms: {verdict(start, START_BUDGET_MS)})"
    )
    print(f"test without fixture   : median {statistics.median(without):6.3f} ms")
    print(f"test with fixture      : median {statistics.median(with_fixture):6.3f} ms")
    print(
        f"per-test overhead      : median {overhead:6.3f} ms, p95 {p95:6.3f} ms "
        f"(budget {PER_TEST_BUDGET_MS:.0f} ms: {verdict(overhead, PER_TEST_BUDGET_MS)})"
    )
    print(
        f"fixture work, no pytest: median {statistics.median(direct):6.3f} ms "
        "(reset + env + teardown checks)"
    )
    total = start + 1000 * overhead
    print(
        f"a 1,000-test suite pays: {total / 1000:6.3f} s in total "
        f"(one start + 1,000 x the median overhead)"
    )


if __name__ == "__main__":
    main()
