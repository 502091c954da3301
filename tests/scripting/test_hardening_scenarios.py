"""Broken or hostile scenario files are scenario errors with file and line: from the admin
API, the folder watcher, MockServer.load and the command line; the server keeps serving."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import httpx2
import pytest
from conftest import MODEL, ServerFactory, api_headers
from test_cli import running

from mockserver.errors import ScenarioError
from mockserver.scripting.loader import MAX_SCENARIO_CHARS
from mockserver.server import MockServer

PLAIN = {"model": MODEL, "max_tokens": 20, "messages": [{"role": "user", "content": "Hello"}]}
GOOD = "version: 1\nsteps:\n  - reply: {text: good}\n"
NON_SCALAR_KEY = "version: 1\nsteps:\n  - reply: {text: hi}\n    ? [a, b]\n    : c\n"
DEEP = "version: 1\nsteps:\n  - reply: {text: hi}\n    match: {body: " + "[" * 900 + "]" * 900
DEEP += "}\n"
# 597 bytes of YAML that expand to 9^9 values if aliases are followed.
BOMB = (
    "version: 1\n"
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)
BROKEN = {
    "non_scalar_key": (NON_SCALAR_KEY, 4, "a key must be a plain value"),
    "deep": (DEEP, 4, "nested deeper than 64 levels"),
    "alias_bomb": (BOMB, 6, "aliases expand to more than 10000 values"),
}


def serves(server: MockServer) -> None:
    answer = httpx2.post(f"{server.base_url}/v1/messages", json=PLAIN, headers=api_headers())
    assert answer.status_code == 200


@pytest.mark.parametrize("case", list(BROKEN))
def test_the_admin_api_answers_a_scenario_error(fresh: MockServer, case: str) -> None:
    text, line, what = BROKEN[case]
    started = time.monotonic()
    answer = httpx2.post(
        f"{fresh.base_url}/_mock/scenarios",
        params={"source": "x.yaml"},
        content=text.encode(),
        headers={"content-type": "application/yaml"},
        timeout=30,
    )
    assert time.monotonic() - started < 5
    assert answer.status_code == 400
    error = answer.json()
    assert error["line"] == line
    assert error["error"].startswith(f"x.yaml:{line}: ")
    assert what in error["error"]
    serves(fresh)


def test_a_file_over_the_size_limit_is_refused(fresh: MockServer, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(GOOD + "# " + "x" * MAX_SCENARIO_CHARS + "\n")
    with pytest.raises(ScenarioError, match="too large"):
        fresh.load(big)
    answer = httpx2.put(
        f"{fresh.base_url}/_mock/scenarios",
        content=big.read_bytes(),
        headers={"content-type": "application/yaml"},
        timeout=30,
    )
    assert answer.status_code == 400
    assert "too large" in answer.json()["error"]
    serves(fresh)


@pytest.mark.parametrize("case", list(BROKEN))
def test_python_load_raises_a_scenario_error(fresh: MockServer, tmp_path: Path, case: str) -> None:
    text, line, what = BROKEN[case]
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        fresh.load(path)
    assert caught.value.line == line
    assert what in str(caught.value)
    serves(fresh)


def test_the_loop_keeps_answering_while_a_large_file_is_parsed(fresh: MockServer) -> None:
    # A few hundred KB: a second or more of parsing, done off the event loop.
    items = "".join(f"  - {i}\n" for i in range(MAX_SCENARIO_CHARS // 40))
    text = GOOD + "padding:\n" + items
    assert len(text) < MAX_SCENARIO_CHARS
    done: list[int] = []

    def post() -> None:
        answer = httpx2.post(
            f"{fresh.base_url}/_mock/scenarios",
            content=text.encode(),
            headers={"content-type": "application/yaml"},
            timeout=120,
        )
        done.append(answer.status_code)

    poster = threading.Thread(target=post)
    poster.start()
    time.sleep(0.3)
    started = time.monotonic()
    health = httpx2.get(f"{fresh.base_url}/_mock/health", timeout=30)
    waited = time.monotonic() - started
    poster.join(timeout=120)
    assert health.status_code == 200
    assert done, "the scenario upload did not finish"
    assert waited < 1.0


@pytest.mark.parametrize("case", list(BROKEN))
def test_the_watcher_survives_any_file(
    server_factory: ServerFactory, tmp_path: Path, case: str
) -> None:
    path = tmp_path / "watched.yaml"
    path.write_text(GOOD)
    server = server_factory(scenario_paths=[tmp_path], watch=True)
    admin = f"{server.base_url}/_mock/scenarios"
    path.write_text(BROKEN[case][0])
    wait_for(lambda: str(path) in httpx2.get(admin).json()["errors"])
    assert BROKEN[case][2] in httpx2.get(admin).json()["errors"][str(path)]
    serves(server)
    path.write_text(GOOD.replace("good", "fixed"))
    wait_for(lambda: not httpx2.get(admin).json()["errors"])
    answer = httpx2.post(f"{server.base_url}/v1/messages", json=PLAIN, headers=api_headers())
    assert answer.json()["content"][0]["text"] == "fixed"


def wait_for(condition: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_the_command_line_starts_with_a_hostile_file(tmp_path: Path) -> None:
    for case, (text, _, _) in BROKEN.items():
        (tmp_path / f"{case}.yaml").write_text(text)
    with running("--no-bundled", "--scenarios", str(tmp_path)) as (proc, url, lines):
        answer = httpx2.post(f"{url}/v1/messages", json=PLAIN, headers=api_headers())
        assert answer.status_code == 200
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    log = "\n".join(lines) + out
    assert proc.returncode == 0
    assert "Traceback" not in log
    for case, (_, line, what) in BROKEN.items():
        assert f"{tmp_path / case}.yaml:{line}: " in log
        assert what in log
