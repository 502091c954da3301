"""Memory a piece of code keeps, counted only where that code allocates.

The whole process's traced total would also count whatever other threads do meanwhile
(the session's server answering, its loop's timers), which made such tests flaky.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable


def kept_by(action: Callable[[], object], *files: str) -> int:
    """Bytes still allocated after `action`, from lines of these files (glob patterns)."""
    filters = [tracemalloc.Filter(True, pattern) for pattern in files]
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot().filter_traces(filters)
        action()
        after = tracemalloc.take_snapshot().filter_traces(filters)
    finally:
        tracemalloc.stop()
    return sum(stat.size_diff for stat in after.compare_to(before, "filename"))
