"""The pytest plugin as users meet it: test files run by an inner pytest (pytester)."""

from __future__ import annotations

import asyncio
import socket

import anthropic
import pytest

from mockserver.server import MockServer

pytest_plugins = ["pytester"]

HEADER = """
import anthropic
import pytest

HI = [{"role": "user", "content": "Hello"}]
MODEL = "claude-sonnet-4-6"


def ask(model=MODEL):
    with anthropic.Anthropic(max_retries=0) as client:
        return client.messages.create(model=model, max_tokens=300, messages=HI)
"""


@pytest.fixture(autouse=True, scope="module")
def _http_stack_loaded(server: MockServer) -> None:
    """In-process pytester runs drop the modules first imported inside them, which would
    leave later tests with a second copy of the HTTP stack and its exception classes; a
    real sync and async call imports it for good first."""
    hi: list[anthropic.types.MessageParam] = [{"role": "user", "content": "hi"}]
    with anthropic.Anthropic(base_url=server.base_url, api_key="k") as client:
        client.messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=hi)

    async def call() -> None:
        async with anthropic.AsyncAnthropic(base_url=server.base_url, api_key="k") as client:
            await client.messages.create(model="claude-sonnet-4-6", max_tokens=5, messages=hi)

    asyncio.run(call())


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
        message = await client.messages.create(model=MODEL, max_tokens=300, messages=HI)
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


GREETING_YAML = """
version: 1
name: greeting
steps:
  - name: hello
    match: {last_user_text: Hello}
    reply: Hello from the scenario.
  - name: goodbye
    match: {last_user_text: Goodbye}
    reply: Goodbye!
"""


def test_marker_scenarios_are_found_beside_the_test_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", greeting=GREETING_YAML)
    result = run(
        pytester,
        """
@pytest.mark.mockserver(scenarios=["greeting.yaml"], check_unused=False)
def test_hello(mockserver):
    assert ask().content[0].text == "Hello from the scenario."
    assert mockserver.journal.last_call.step == "greeting/hello"
""",
    )
    result.assert_outcomes(passed=1)


def test_an_unused_step_fails_the_test_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", greeting=GREETING_YAML)
    result = run(
        pytester,
        """
@pytest.mark.mockserver(scenarios="greeting.yaml")
def test_hello_only(mockserver):
    ask()
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*mockserver: 1 required step never used:", "*greeting/goodbye (*greeting.yaml:7)"]
    )


def test_an_unmatched_request_fails_naming_the_closest_steps(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_asks_something_else(mockserver):
    mockserver.reply_text("Sunny.", last_user_text={"contains": "weather"})
    ask()
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*mockserver: 1 request no scenario step answered as scripted:",
            "*user='Hello' -> 200 with the default reply",
            "*closest steps, and why each did not match:",
            "*[[]1] test/steps[[]0] (test_user.py:13): "
            "last user text 'Hello' does not contain 'weather'",
            "*mockserver: 1 required step never used:",
        ]
    )


def test_marker_steps_built_in_python(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
from mockserver import step

@pytest.mark.mockserver(scenarios=[step("From the marker.")])
def test_marker_step(mockserver):
    assert ask().content[0].text == "From the marker."
""",
    )
    result.assert_outcomes(passed=1)


def test_a_broken_marker_scenario_names_file_and_line(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", broken="version: 1\nsteps: 3\n")
    result = run(
        pytester,
        """
@pytest.mark.mockserver(scenarios=["broken.yaml"])
def test_never_runs(mockserver):
    pass
""",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.mockserver: *broken.yaml:2: *"])


def test_ini_scenarios_serve_every_test_without_being_required(pytester: pytest.Pytester) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "greeting.yaml").write_text(GREETING_YAML)
    result = run(
        pytester,
        """
def test_uses_one_step(mockserver):
    assert ask().content[0].text == "Hello from the scenario."

def test_starts_over(mockserver):
    assert ask().content[0].text == "Hello from the scenario."

def test_uses_none(mockserver):
    pass
""",
        ini="mockserver_scenarios = scenarios\n",
    )
    result.assert_outcomes(passed=3)
