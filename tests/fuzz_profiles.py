"""Hypothesis profiles for the fuzz suite (tests/fuzz): `fast` in every test run, `ci` for
its own CI stage (`--hypothesis-profile=ci`).

Registered from tests/conftest.py, which pytest loads before the hypothesis plugin reads
`--hypothesis-profile`; a conftest in tests/fuzz would shadow that one's `conftest` module,
which the other tests import by that name.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_COMMON = {
    # The server shares two cores with the client and other jobs: time is no verdict.
    "deadline": None,
    # No example database: runs leave no files behind and CI does not depend on them.
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def register() -> None:
    # Per fuzz test; the suite has a handful of them (a few hundred cases, seconds).
    settings.register_profile("fast", max_examples=60, **_COMMON)  # type: ignore[arg-type]
    # Over 5,000 cases in the stage all told, within about three minutes on two cores.
    settings.register_profile("ci", max_examples=1_300, **_COMMON)  # type: ignore[arg-type]
    if settings.get_current_profile_name() == "default":
        settings.load_profile("fast")
