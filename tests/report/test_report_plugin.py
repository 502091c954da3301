"""The plugin's session report and per-test strictness, as users meet them (pytester)."""

from __future__ import annotations

import asyncio
import json

import anthropic
import pytest
from test_plugin import HEADER, run

from mockserver.server import MockServer

pytest_plugins = ["pytester"]

TWO_TESTS = """
def test_valid(mockserver):
    ask()

@pytest.mark.mockserver(check_violations=False)
def test_unknown_model(mockserver):
    with pytest.raises(anthropic.NotFoundError):
        ask(model="claude-nope")
"""

UNANSWERED = """
UNANSWERED = [
    {"role": "user", "content": "List the files."},
    {"role": "assistant", "content": [
        {"type": "tool_use", "id": "toolu_01", "name": "ls", "input": {}}]},
    {"role": "user", "content": "Go on."},
]

def send_unanswered():
    with anthropic.Anthropic(max_retries=0) as client:
        return client.messages.with_raw_response.create(
            model=MODEL, max_tokens=20, messages=UNANSWERED)
"""


@pytest.fixture(autouse=True, scope="module")
def _http_stack_loaded(server: MockServer) -> None:
    """As in test_plugin: import the SDK's HTTP stack (sync and async) for good before any
    in-process pytester run, so every run shares one copy of it."""
    hi: list[anthropic.types.MessageParam] = [{"role": "user", "content": "hi"}]
    with anthropic.Anthropic(base_url=server.base_url, api_key="k") as client:
        client.messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=hi)

    async def call() -> None:
        async with anthropic.AsyncAnthropic(base_url=server.base_url, api_key="k") as client:
            await client.messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=hi)

    asyncio.run(call())


def test_the_session_ends_with_a_summary_line_over_every_test(pytester: pytest.Pytester) -> None:
    result = run(pytester, TWO_TESTS)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["mockserver: 2 requests, 1 violation (1 rule)"])
    result.stdout.no_fnmatch_line("*mockserver contract report*")


@pytest.mark.parametrize(
    ("args", "ini"),
    [(("-v",), ""), (("--mockserver-report-text",), ""), ((), "mockserver_report_text = true\n")],
)
def test_the_full_report_is_printed_when_asked(
    pytester: pytest.Pytester, args: tuple[str, ...], ini: str
) -> None:
    result = run(pytester, TWO_TESTS, *args, ini=ini)
    result.stdout.fnmatch_lines(
        [
            "*= mockserver contract report =*",
            "mockserver contract report: 2 requests, 1 violation (1 rule)",
            "  models * claude-sonnet-4-6 (1), claude-nope (1)",
            "  not_found_error: 1 violation (1 rejected)",
            "    e.g. POST /v1/messages req_* -> 404 (rejected)",
            "      model: claude-nope",
            "mockserver: 2 requests, 1 violation (1 rule)",
        ]
    )


def test_the_json_report_is_written_where_the_flag_says(pytester: pytest.Pytester) -> None:
    run(pytester, TWO_TESTS, "--mockserver-report=out/report.json").assert_outcomes(passed=2)
    data = json.loads(pytester.path.joinpath("out", "report.json").read_text())
    assert data["summary"] == "2 requests, 1 violation (1 rule)"
    assert data["violations"]["rules"][0]["example"]["message"] == "model: claude-nope"


def test_the_ini_report_path_is_read_from_the_ini_files_folder(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "mockserver_report = reports/session.json\n"
    )
    pytester.makepyfile(test_user=HEADER + TWO_TESTS)
    elsewhere = pytester.mkdir("elsewhere")
    monkeypatch.chdir(elsewhere)
    pytester.runpytest("-p", "no:cacheprovider", str(pytester.path)).assert_outcomes(passed=2)
    data = json.loads(pytester.path.joinpath("reports", "session.json").read_text())
    assert data["requests"]["total"] == 2
    assert not elsewhere.joinpath("reports").exists()


def test_a_session_without_the_fixture_has_no_report(pytester: pytest.Pytester) -> None:
    result = run(pytester, "def test_plain():\n    pass\n", "--mockserver-report=r.json")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("mockserver: *")
    assert not pytester.path.joinpath("r.json").exists()


def test_a_marker_sets_strictness_for_one_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        UNANSWERED
        + """
@pytest.mark.mockserver(strictness="warn", check_violations=False)
def test_warned(mockserver):
    raw = send_unanswered()
    assert raw.status_code == 200
    assert raw.headers["x-mockserver-violation-rules"] == "tool_use_answered"
    assert mockserver.strictness == "warn"

def test_strict_again(mockserver):
    assert mockserver.strictness == "strict"
    with mockserver.expect_rejection():
        with pytest.raises(anthropic.BadRequestError):
            send_unanswered()
""",
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["mockserver: 2 requests, 1 violation (1 rule), 1 expected"])


def test_an_unknown_marker_strictness_is_named(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.mockserver(strictness="lenient")
def test_typo(mockserver):
    pass
""",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.mockserver: strictness must be strict, warn or off, not 'lenient'*"]
    )
