"""pytest plugin: the `mockserver` fixture, its marker and its options. Wiring only;
the behaviour lives in MockServer."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest

from .config import Config, SignaturePolicy, Strictness
from .errors import ScenarioError
from .recording.modes import RecordMode
from .recording.setup import NoUpstream
from .report.verify import Checks
from .scripting.scenario import Scenario, Step
from .server import MockServer

MARKER = "mockserver"
_CHECK_NAMES = ("unmatched", "unused", "violations")
_MARKER_OPTIONS = frozenset(
    {
        "scenarios",
        "env",
        "checks",
        "strictness",
        "signatures",
        "record",
        "record_mode",
        *(f"check_{n}" for n in _CHECK_NAMES),
    }
)
_FAILURES = pytest.StashKey[Callable[[], list[str]]]()
# The session's server, whose contract report the end of the session shows.
_SERVER = pytest.StashKey[MockServer]()
# Where a cassette that must be recorded forwards to, when no option names one: set only
# on the machine that records, so the same test runs offline everywhere else.
UPSTREAM_ENV = "MOCKSERVER_UPSTREAM"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver", "mock Anthropic API server")
    group.addoption("--mockserver-host", help="address the session's mock server binds")
    group.addoption("--mockserver-port", type=int, help="its port (0: any free port)")
    group.addoption(
        "--mockserver-strictness",
        choices=get_args(Strictness),
        help="answer contract violations as the API does, only report them, or skip the rules",
    )
    group.addoption(
        "--mockserver-signatures",
        choices=get_args(SignaturePolicy),
        help="accept (lenient) or refuse (strict) thinking signatures the server did not mint",
    )
    group.addoption(
        "--mockserver-record-mode",
        choices=get_args(RecordMode),
        help="how a test's cassette (@pytest.mark.mockserver(record=...)) is used: none, "
        "once, new or all",
    )
    group.addoption(
        "--mockserver-upstream",
        metavar="URL",
        help=f"the API cassettes are recorded from (default: ${UPSTREAM_ENV})",
    )
    group.addoption(
        "--mockserver-scenarios",
        action="append",
        type=Path,
        metavar="PATH",
        help="scenario file or folder loaded for every test (repeatable)",
    )
    group.addoption(
        "--mockserver-report",
        type=Path,
        metavar="PATH",
        help="write the session's contract report (JSON) to PATH",
    )
    group.addoption(
        "--mockserver-report-text",
        action="store_true",
        default=None,
        help="print the full contract report at the end of the session (as -v does)",
    )
    parser.addini("mockserver_host", "address the session's mock server binds", default="127.0.0.1")
    parser.addini("mockserver_port", "its port (0: any free port)", default="0")
    parser.addini("mockserver_strictness", "strict, warn or off", default="strict")
    parser.addini("mockserver_signatures", "lenient or strict", default="lenient")
    parser.addini("mockserver_record_mode", "none, once, new or all", default="once")
    parser.addini("mockserver_upstream", "the API cassettes are recorded from")
    parser.addini("mockserver_scenarios", "scenario files or folders for every test", type="paths")
    parser.addini(
        "mockserver_env", "point ANTHROPIC_BASE_URL/API_KEY at the mock", type="bool", default=True
    )
    parser.addini("mockserver_report", "write the contract report (JSON) to this path")
    parser.addini(
        "mockserver_report_text", "print the full contract report", type="bool", default=False
    )
    for name in _CHECK_NAMES:
        parser.addini(
            f"mockserver_check_{name}",
            f"fail a test on {name} at teardown",
            type="bool",
            default=True,
        )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenarios=[...], env=True, strictness=None, signatures=None, record=None, "
        "record_mode=None, checks=True, check_unmatched=True, check_unused=True, "
        "check_violations=True): scenarios to load, strictness, signature policy, a cassette "
        "to replay or record, and teardown checks for this test's mock server",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    # Checked here rather than at fixture teardown so a broken contract fails the test
    # itself, and a test that already failed shows what the mock saw beside its own error.
    try:
        result = yield
    except (Exception, pytest.fail.Exception):
        if _FAILURES in item.stash and (reports := item.stash[_FAILURES]()):
            item.add_report_section("call", "mockserver", "\n\n".join(reports))
        raise
    if _FAILURES in item.stash and (reports := item.stash[_FAILURES]()):
        pytest.fail("mockserver: " + "\n\nmockserver: ".join(reports), pytrace=False)
    return result


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if _SERVER not in config.stash:
        return
    given = config.getoption("mockserver_report")
    if given is None and (ini := config.getini("mockserver_report")):
        # An ini path is read from the ini file's folder.
        given = (config.inipath.parent if config.inipath else config.rootpath) / ini
    if given is not None:
        config.stash[_SERVER].report().write_json(config.invocation_params.dir / given)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if _SERVER not in config.stash:
        return
    report = config.stash[_SERVER].report()
    if _option(config, "report_text") or config.get_verbosity() > 0:
        terminalreporter.write_sep("=", "mockserver contract report")
        terminalreporter.write_line(report.to_text())
    terminalreporter.write_line(f"mockserver: {report.summary()}")


def _option(config: pytest.Config, name: str) -> Any:
    given = config.getoption(f"mockserver_{name}")
    return given if given is not None else config.getini(f"mockserver_{name}")


@pytest.fixture(scope="session")
def mockserver_config(pytestconfig: pytest.Config) -> Config:
    """The session server's settings, from ini options and flags; override to change more."""
    strictness = _option(pytestconfig, "strictness")
    if strictness not in get_args(Strictness):
        raise pytest.UsageError(
            f"mockserver_strictness must be strict, warn or off, not {strictness!r}"
        )
    signatures = _option(pytestconfig, "signatures")
    if signatures not in get_args(SignaturePolicy):
        raise pytest.UsageError(
            f"mockserver_signatures must be strict or lenient, not {signatures!r}"
        )
    return Config(
        host=_option(pytestconfig, "host"),
        port=int(_option(pytestconfig, "port")),
        strictness=strictness,
        signatures=signatures,
        scenario_paths=[Path(p) for p in _option(pytestconfig, "scenarios")],
    )


@pytest.fixture(scope="session")
def make_mockserver(mockserver_config: Config) -> Iterator[MockServer]:
    """The session's server, started once."""
    with MockServer(mockserver_config) as server:
        yield server


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    # Farthest first, so a test's own marker overrides its class's and module's.
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            pytest.fail(f"@pytest.mark.{MARKER} takes keyword options only", pytrace=False)
        unknown = set(marker.kwargs) - _MARKER_OPTIONS
        if unknown:
            pytest.fail(
                f"unknown @pytest.mark.{MARKER} option(s): {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(_MARKER_OPTIONS))}",
                pytrace=False,
            )
        options.update(marker.kwargs)
    return options


def _use_cassette(
    server: MockServer, options: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    # A cassette is found beside the test file that names it, as scenario files are.
    cassette = request.path.parent / options["record"]
    mode = options.get("record_mode") or _option(request.config, "record_mode")
    if mode not in get_args(RecordMode):
        pytest.fail(f"record mode must be none, once, new or all, not {mode!r}", pytrace=False)
    upstream = _option(request.config, "upstream") or os.environ.get(UPSTREAM_ENV) or None
    try:
        server.record(cassette, mode=mode, upstream=upstream)
    except NoUpstream:
        pytest.fail(
            f"{cassette} must be recorded (record mode {mode}) and no upstream is set: "
            f"set {UPSTREAM_ENV}, --mockserver-upstream or the ini option mockserver_upstream",
            pytrace=False,
        )
    except ScenarioError as exc:
        pytest.fail(f"@pytest.mark.{MARKER}: {exc}", pytrace=False)


def _load_marked(server: MockServer, items: Any, folder: Path) -> None:
    # A marker's scenario files are found beside the test file that names them.
    for item in [items] if isinstance(items, str | Path | Scenario | Step) else items:
        try:
            if isinstance(item, Scenario | Step):
                server.add(item)
            else:
                server.load(folder / item)
        except ScenarioError as exc:
            pytest.fail(f"@pytest.mark.{MARKER}: {exc}", pytrace=False)


@pytest.fixture
def mockserver_checks(request: pytest.FixtureRequest) -> Checks:
    """The teardown checks for this test: ini options, then its marker."""
    options = _marker_options(request)
    every = options.get("checks", True)
    return Checks(
        **{
            name: bool(
                options.get(
                    f"check_{name}", every and request.config.getini(f"mockserver_check_{name}")
                )
            )
            for name in _CHECK_NAMES
        }
    )


@pytest.fixture
def mockserver(
    make_mockserver: MockServer, mockserver_checks: Checks, request: pytest.FixtureRequest
) -> Iterator[MockServer]:
    """The session's server, reset for this test; the SDK's defaults point at it."""
    server = make_mockserver
    request.config.stash[_SERVER] = server
    server.reset()
    options = _marker_options(request)
    _load_marked(server, options.get("scenarios", ()), request.path.parent)
    if options.get("record") is not None:
        _use_cassette(server, options, request)
    try:
        if "strictness" in options:
            server.strictness = options["strictness"]
        if "signatures" in options:
            server.signatures = options["signatures"]
    except ValueError as exc:
        pytest.fail(f"@pytest.mark.{MARKER}: {exc}", pytrace=False)
    env = pytest.MonkeyPatch()
    if options.get("env", request.config.getini("mockserver_env")):
        for name, value in server.env.items():
            env.setenv(name, value)
        # A real token in the developer's shell must not reach even a mock.
        env.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    request.node.stash[_FAILURES] = lambda: server.failures(mockserver_checks)
    try:
        yield server
    finally:
        env.undo()
        if "strictness" in options:
            server.strictness = server.config.strictness
        if "signatures" in options:
            server.signatures = server.config.signatures
