"""Cassettes from the pytest plugin: `@pytest.mark.mockserver(record=...)` records a test's
traffic through an upstream once, then replays it with no upstream at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ServerFactory
from test_plugin import _http_stack_loaded, run

from mockserver.scripting.scenario import Scenario, rule

pytest_plugins = ["pytester"]
__all__ = ["_http_stack_loaded"]

TEST = """
@pytest.mark.mockserver(record="cassettes/hello.yaml")
def test_hello(mockserver):
    assert ask().content[0].text == "Recorded upstream."
"""


def test_a_marked_test_records_once_then_replays_offline(
    pytester: pytest.Pytester, server_factory: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream = server_factory()
    upstream.add(Scenario(name="up", rules=[rule("Recorded upstream.")]))
    monkeypatch.setenv("MOCKSERVER_UPSTREAM", upstream.base_url)
    run(pytester, TEST).assert_outcomes(passed=1)
    cassette = Path(pytester.path, "cassettes", "hello.yaml")
    assert "Recorded upstream." in cassette.read_text(encoding="utf-8")
    assert len(upstream.journal.messages()) == 1
    # Offline: the cassette answers, the upstream is not asked again.
    monkeypatch.delenv("MOCKSERVER_UPSTREAM")
    run(pytester, TEST).assert_outcomes(passed=1)
    assert len(upstream.journal.messages()) == 1


def test_a_missing_cassette_without_an_upstream_fails_saying_what_to_set(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOCKSERVER_UPSTREAM", raising=False)
    result = run(pytester, TEST)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*must be recorded*set MOCKSERVER_UPSTREAM*"])


def test_record_mode_none_from_the_command_line_refuses_to_record(
    pytester: pytest.Pytester, server_factory: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream = server_factory()
    monkeypatch.setenv("MOCKSERVER_UPSTREAM", upstream.base_url)
    result = run(pytester, TEST, "--mockserver-record-mode=none")
    # Replay only: a cassette that does not exist is an error, and nothing is forwarded.
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cassettes/hello.yaml: no such file*"])
    assert upstream.journal.messages() == []
