"""The pytest plugin as users meet it: test files run by an inner pytest (pytester)."""

from __future__ import annotations

import socket

import pytest

pytest_plugins = ["pytester"]

HEADER = """
import anthropic
import pytest

HI = [{"role": "user", "content": "Hello"}]
MODEL = "claude-sonnet-4-6"


def ask(model=MODEL):
    with anthropic.Anthropic(max_retries=0) as client:
        return client.messages.create(model=model, max_tokens=16, messages=HI)
"""


def run(pytester: pytest.Pytester, body: str, *args: str, ini: str = "") -> pytest.RunResult:
    pytester.makeini(f"[pytest]\nasyncio_default_fixture_loop_scope = function\n{ini}")
    pytester.makepyfile(test_user=HEADER + body)
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def test_sdk_defaults_reach_the_mock_and_the_env_is_restored(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
import os

SEEN = []

def test_defaults(mockserver):
    assert ask().content[0].type == "text"
    assert mockserver.journal.call_count == 1
    SEEN.append(os.environ["ANTHROPIC_BASE_URL"])

def test_env_is_back_afterwards():
    assert os.environ.get("ANTHROPIC_BASE_URL") != SEEN[0]
""",
    )
    result.assert_outcomes(passed=2)


def test_one_server_serves_the_session_reset_between_tests(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
URLS = []

@pytest.mark.parametrize("n", range(3))
def test_each(mockserver, n):
    assert len(mockserver.journal) == 0
    ask()
    URLS.append(mockserver.base_url)

def test_same_server(mockserver):
    assert set(URLS) == {mockserver.base_url}
""",
    )
    result.assert_outcomes(passed=4)


def test_async_tests_share_the_session_server(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
URLS = []

def test_sync(mockserver):
    URLS.append(mockserver.base_url)

async def test_async(mockserver):
    async with anthropic.AsyncAnthropic(max_retries=0) as client:
        message = await client.messages.create(model=MODEL, max_tokens=16, messages=HI)
    assert message.stop_reason == "end_turn"
    assert mockserver.journal.last_call.status == 200
    assert URLS == [mockserver.base_url]
""",
        ini="asyncio_mode = auto\n",
    )
    result.assert_outcomes(passed=2)


REJECTED = """
def test_sends_an_unknown_model(mockserver):
    try:
        ask(model="claude-nope")
    except anthropic.NotFoundError:
        pass
"""


def test_a_rejected_request_fails_the_test_naming_it(pytester: pytest.Pytester) -> None:
    result = run(pytester, REJECTED)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*mockserver: 1 request the real API would have rejected:",
            "*POST /v1/messages (req_*) model='claude-nope' user='Hello' "
            "-> 404 not_found_error: model: claude-nope",
            "*expect_rejection*check_violations=False*",
        ]
    )
    # The failure is the message itself, not a traceback through the plugin.
    result.stdout.no_fnmatch_line("*plugin.py*")


@pytest.mark.parametrize("option", ["check_violations=False", "checks=False"])
def test_a_marker_turns_the_check_off(pytester: pytest.Pytester, option: str) -> None:
    marked = REJECTED.replace("\ndef", f"\n@pytest.mark.mockserver({option})\ndef", 1)
    run(pytester, marked).assert_outcomes(passed=1)


def test_a_class_marker_applies_and_the_test_marker_wins(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.mockserver(checks=False)
class TestLenient:
    def test_inherits(self, mockserver):
        try:
            ask(model="claude-nope")
        except anthropic.NotFoundError:
            pass

    @pytest.mark.mockserver(check_violations=True)
    def test_overrides(self, mockserver):
        try:
            ask(model="claude-nope")
        except anthropic.NotFoundError:
            pass
""",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*TestLenient::test_overrides*"])


def test_an_ini_option_turns_the_check_off(pytester: pytest.Pytester) -> None:
    run(pytester, REJECTED, ini="mockserver_check_violations = false\n").assert_outcomes(passed=1)


def test_expect_rejection_lets_a_test_send_invalid_requests(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_handles_the_error(mockserver):
    with mockserver.expect_rejection() as rejected:
        with pytest.raises(anthropic.NotFoundError):
            ask(model="claude-nope")
    assert rejected[0].status == 404
    ask()
""",
    )
    result.assert_outcomes(passed=1)


def test_a_failing_test_also_shows_what_the_mock_saw(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_breaks(mockserver):
    ask(model="claude-nope")
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*NotFoundError*",
            "*Captured mockserver call*",
            "*404 not_found_error: model: claude-nope",
        ]
    )


def test_an_unknown_marker_option_is_named(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.mockserver(check_violation=False)
def test_typo(mockserver):
    pass
""",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown @pytest.mark.mockserver option(s): check_violation;*"])


@pytest.mark.parametrize("how", ["marker", "ini"])
def test_env_can_be_left_alone(pytester: pytest.Pytester, how: str) -> None:
    marker = "@pytest.mark.mockserver(env=False)\n" if how == "marker" else ""
    result = run(
        pytester,
        f"""
import os

{marker}def test_untouched(mockserver, monkeypatch):
    assert os.environ.get("ANTHROPIC_BASE_URL") != mockserver.base_url
""",
        ini="mockserver_env = false\n" if how == "ini" else "",
    )
    result.assert_outcomes(passed=1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_host_and_port_come_from_ini_or_the_command_line(pytester: pytest.Pytester) -> None:
    ini_port, flag_port = free_port(), free_port()
    ini = f"mockserver_host = 127.0.0.1\nmockserver_port = {ini_port}\n"
    body = """
def test_port(mockserver, pytestconfig):
    assert mockserver.base_url == "http://127.0.0.1:" + pytestconfig.getoption("expected")
"""
    pytester.makeconftest("def pytest_addoption(parser):\n    parser.addoption('--expected')\n")
    run(pytester, body, f"--expected={ini_port}", ini=ini).assert_outcomes(passed=1)
    flagged = run(
        pytester, body, f"--expected={flag_port}", f"--mockserver-port={flag_port}", ini=ini
    )
    flagged.assert_outcomes(passed=1)


def test_strictness_is_checked_from_ini_and_flag(pytester: pytest.Pytester) -> None:
    body = """
def test_strictness(mockserver):
    assert mockserver.config.strictness == "warn"
"""
    run(pytester, body, "--mockserver-strictness=warn").assert_outcomes(passed=1)
    result = run(pytester, body, ini="mockserver_strictness = lenient\n")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*mockserver_strictness must be strict, warn or off, not 'lenient'*"]
    )


def test_mockserver_config_can_be_overridden(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest
from mockserver.config import Config

@pytest.fixture(scope="session")
def mockserver_config():
    return Config(port=0, any_model=True)
"""
    )
    result = run(
        pytester,
        """
def test_any_model(mockserver):
    assert ask(model="claude-from-the-future").model == "claude-from-the-future"
""",
    )
    result.assert_outcomes(passed=1)
