"""What the client sent, seen from outside: the terminal line per exchange, and the
inspector's routes (its rows, one exchange, its YAML) under the admin API's rules."""

from __future__ import annotations

import re
import signal

import anthropic
import httpx2
import pytest
from conftest import MODEL, TEST_KEY, ServerFactory
from test_cli import HI, running

# A log line starts with the time and the door (the shutdown report also names the path).
EXCHANGE_LINE = re.compile(r"\d\d:\d\d:\d\d (anthropic|openai) ")


def _ask(url: str, **extra: object) -> None:
    with anthropic.Anthropic(base_url=url, api_key=TEST_KEY, max_retries=0) as client:
        client.messages.create(model=MODEL, max_tokens=64, messages=HI, **extra)  # type: ignore[call-overload]


def test_the_standalone_server_prints_a_line_per_exchange_and_links_the_inspector() -> None:
    with running("--no-bundled") as (proc, url, banner):
        assert f"inspector: {url}/_mock/ui" in banner
        _ask(url)
        with (
            anthropic.Anthropic(base_url=url, api_key=TEST_KEY, max_retries=0) as client,
            pytest.raises(anthropic.BadRequestError),
        ):
            client.messages.create(
                model=MODEL, max_tokens=64, messages=[{"role": "user", "content": ""}]
            )
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    logged = [line for line in out.splitlines() if EXCHANGE_LINE.match(line)]
    assert len(logged) == 2, out
    ok, refused = logged
    # Not a terminal: no colour codes.
    assert "\033[" not in out
    assert f"anthropic POST /v1/messages 200 {MODEL} sync input=" in ok
    assert "output=" in ok
    assert "cache_read=0" in ok
    assert "step=default" in ok
    assert ok.endswith("ms")
    assert f"400 {MODEL} sync step=refused" in refused
    assert "refused non_empty_content: messages.0: all messages must have non-empty" in refused


def test_quiet_prints_no_exchange_lines() -> None:
    with running("--no-bundled", "--quiet") as (proc, url, _):
        _ask(url)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert "mockserver stopped." in out
    assert not any(EXCHANGE_LINE.match(line) for line in out.splitlines())


def test_rows_page_newest_first_and_filter(server_factory: ServerFactory) -> None:
    server = server_factory()
    for _ in range(5):
        _ask(server.base_url)
    with pytest.raises(anthropic.BadRequestError):
        _ask_empty(server.base_url)
    rows = httpx2.get(f"{server.base_url}/_mock/exchanges", params={"limit": 4}).json()
    assert [r["n"] for r in rows["exchanges"]] == [5, 4, 3, 2]
    assert rows["before"] == 2
    older = httpx2.get(
        f"{server.base_url}/_mock/exchanges", params={"limit": 4, "before": 2}
    ).json()
    assert [r["n"] for r in older["exchanges"]] == [1, 0]
    assert older["before"] is None
    bad = httpx2.get(f"{server.base_url}/_mock/exchanges", params={"status": "4xx"}).json()
    assert [(r["n"], r["rule"]) for r in bad["exchanges"]] == [(5, "non_empty_content")]
    violations = httpx2.get(
        f"{server.base_url}/_mock/exchanges", params={"violations": "true", "api": "openai"}
    ).json()
    assert violations["exchanges"] == []


def _ask_empty(url: str) -> None:
    with anthropic.Anthropic(base_url=url, api_key=TEST_KEY, max_retries=0) as client:
        client.messages.create(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": ""}]
        )


def test_numbers_stay_after_a_reset_and_a_refusal_is_no_scenario(
    server_factory: ServerFactory,
) -> None:
    server = server_factory()
    _ask(server.base_url)
    server.reset()
    with pytest.raises(anthropic.BadRequestError):
        _ask_empty(server.base_url)
    assert httpx2.get(f"{server.base_url}/_mock/exchanges/0").status_code == 404
    one = httpx2.get(f"{server.base_url}/_mock/exchanges/1").json()
    assert one["n"] == 1
    assert one["answered_by"] == "refused"
    assert one["exchange"]["problems"][0]["rule"] == "non_empty_content"
    assert one["exchange"]["duration"] > 0
    yaml = httpx2.get(f"{server.base_url}/_mock/exchanges/1/scenario")
    assert yaml.status_code == 409
    assert "can be copied as a step" in yaml.json()["error"]


@pytest.mark.parametrize(
    "path", ["/_mock/ui", "/_mock/ui/app.js", "/_mock/feed", "/_mock/exchanges"]
)
def test_the_page_and_its_feed_follow_the_admin_rules(
    server_factory: ServerFactory, path: str
) -> None:
    server = server_factory()
    evil = httpx2.get(server.base_url + path, headers={"origin": "http://evil.example"})
    assert evil.status_code == 403
    assert "does not answer pages from http://evil.example" in evil.json()["error"]
    rebound = httpx2.get(server.base_url + path, headers={"host": "evil.example:80"})
    assert rebound.status_code == 403
    assert "does not answer for host" in rebound.json()["error"]


def test_the_page_is_served_from_the_package_with_nothing_from_outside(
    server_factory: ServerFactory,
) -> None:
    server = server_factory()
    page = httpx2.get(f"{server.base_url}/_mock/ui")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for asset in ("/_mock/ui/app.js", "/_mock/ui/json.js", "/_mock/ui/style.css"):
        assert asset in page.text
        served = httpx2.get(server.base_url + asset)
        assert served.status_code == 200
        assert "http://" not in served.text
        assert "https://" not in served.text
    assert "https://" not in page.text
