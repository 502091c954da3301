"""`mockserver --workers 2` as a load test meets it: each API key's state on one worker,
admin calls on every worker, the journal and report merged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
from conftest import MODEL
from workers_support import TOOLS, VERSION, Running, keys_on, running

from mockserver.workers.routing import worker_for

ON_0 = keys_on(0, 2, 6)
ON_1 = keys_on(1, 2, 6)
THINKING = {"type": "enabled", "budget_tokens": 1024}
MANUAL = "The keeper lights the lamp at dusk and logs the weather every hour. " * 300
COUNTING = """\
version: 1
name: counting
match: {last_user_text: count}
steps:
  - reply: one
  - reply: two
  - reply: three
"""


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workers") / "counting.yaml"
    path.write_text(COUNTING)
    return path


@pytest.fixture(scope="module")
def two(scenarios: Path) -> Iterator[Running]:
    with running(
        "--workers", "2", "--no-bundled", "--quiet", "--scenarios", str(scenarios)
    ) as server:
        yield server
        assert server.admin("GET", "/health").json()["workers"] == 2


@pytest.fixture
def fresh(two: Running) -> Running:
    assert two.admin("POST", "/reset").status_code == 200
    assert two.admin("POST", "/report/reset").status_code == 200
    return two


def ask(server: Running, key: str, text: str, **params: Any) -> anthropic.types.Message:
    with server.client(key) as client:
        return client.messages.create(
            **{"model": MODEL, "max_tokens": 256, "messages": [{"role": "user", "content": text}]}
            | params
        )


def tool_loop(server: Running, key: str) -> anthropic.types.Message:
    """Ask, run the tool, answer: each turn on a new connection, thinking sent back."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Weather in Paris?"}]
    params = {"model": MODEL, "max_tokens": 2048, "thinking": THINKING, "tools": TOOLS}
    with server.client(key) as client:
        first = client.messages.create(messages=messages, **params)  # type: ignore[arg-type]
    assert first.stop_reason == "tool_use"
    assert first.content[0].type == "thinking"
    call = next(block for block in first.content if block.type == "tool_use")
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "18°C"}],
        },
    ]
    with server.client(key) as client:
        return client.messages.create(messages=messages, **params)  # type: ignore[arg-type]


def test_each_key_is_served_by_one_worker_and_both_serve(fresh: Running) -> None:
    orgs = set()
    for key in (*ON_0[:2], *ON_1[:2]):
        for _ in range(2):
            with fresh.client(key) as client:
                raw = client.messages.with_raw_response.create(
                    model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}]
                )
            orgs.add(raw.headers["anthropic-organization-id"])
    journal = fresh.admin("GET", "/journal").json()
    assert journal["count"] == 8
    by_key = {}
    for exchange in journal["exchanges"]:
        by_key.setdefault(exchange["headers"]["authorization"], set()).add(exchange["worker"])
    assert sorted(workers for workers in map(sorted, by_key.values())) == [[0], [0], [1], [1]]
    # One organization for the whole server, whichever worker answered.
    assert len(orgs) == 1


def test_a_thinking_tool_loop_verifies_its_signatures_on_every_key(fresh: Running) -> None:
    for key in (*ON_0, *ON_1):
        answer = tool_loop(fresh, key)
        assert answer.stop_reason == "end_turn"
        assert answer.content[-1].type == "text"
    assert fresh.admin("GET", "/journal/violations").json()["count"] == 0


def test_a_signature_minted_by_one_worker_verifies_on_the_other(fresh: Running) -> None:
    with fresh.client(ON_0[0]) as client:
        first = client.messages.create(
            model=MODEL,
            max_tokens=2048,
            thinking=THINKING,  # type: ignore[arg-type]
            messages=[{"role": "user", "content": "Think about Paris."}],
        )
    history: list[Any] = [
        {"role": "user", "content": "Think about Paris."},
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": "And now?"},
    ]
    # The same conversation continued under a key of the other worker: one secret for all.
    with fresh.client(ON_1[0]) as client:
        second = client.messages.create(
            model=MODEL,
            max_tokens=2048,
            thinking=THINKING,
            messages=history,  # type: ignore[arg-type]
        )
    assert second.content[0].type == "thinking"
    edited = [*history]
    edited[1] = {**history[1], "content": [{**history[1]["content"][0], "thinking": "Edited."}]}
    with fresh.client(ON_1[0]) as client, pytest.raises(anthropic.BadRequestError) as refused:
        client.messages.create(
            model=MODEL,
            max_tokens=2048,
            thinking=THINKING,
            messages=edited,  # type: ignore[arg-type]
        )
    assert "Invalid `signature` in `thinking` block" in str(refused.value)


def test_the_second_call_reads_the_prompt_cache_on_either_worker(fresh: Running) -> None:
    system = [{"type": "text", "text": MANUAL, "cache_control": {"type": "ephemeral"}}]
    for key in (ON_0[0], ON_1[0]):
        first = ask(fresh, key, "When is the lamp lit?", system=system).usage
        second = ask(fresh, key, "When is the lamp lit?", system=system).usage
        assert first.cache_creation_input_tokens
        assert first.cache_creation_input_tokens > 1024
        assert second.cache_read_input_tokens == first.cache_creation_input_tokens
        assert second.cache_creation_input_tokens == 0


def test_ordered_steps_progress_per_key_whatever_the_connection(fresh: Running) -> None:
    keys = [ON_0[0], ON_1[0], ON_0[1], ON_1[1]]
    heard: dict[str, list[str]] = {key: [] for key in keys}
    for _ in range(3):
        for key in keys:
            block = ask(fresh, key, "count").content[0]
            assert block.type == "text"
            heard[key].append(block.text)
    assert all(texts == ["one", "two", "three"] for texts in heard.values()), heard


def test_a_key_rate_limit_set_over_the_admin_api_holds(fresh: Running) -> None:
    limited, other = ON_1[2], ON_0[2]
    put = fresh.admin("PUT", "/rate-limits", json={"api_key": limited, "requests_per_minute": 2})
    assert put.status_code == 200
    ask(fresh, limited, "hi")
    ask(fresh, limited, "hi")
    with pytest.raises(anthropic.RateLimitError):
        ask(fresh, limited, "hi")
    for _ in range(3):
        ask(fresh, other, "hi")
    shown = fresh.admin("GET", "/rate-limits", params={"api_key": limited}).json()
    assert shown["headers"]["anthropic-ratelimit-requests-remaining"] == "0"


def test_scenarios_and_faults_added_over_the_admin_api_reach_every_key(fresh: Running) -> None:
    scenario = (
        "version: 1\nname: told\nrules:\n"
        "  - match: {last_user_text: told}\n    reply: told by the admin API\n"
    )
    added = fresh.admin(
        "POST", "/scenarios", content=scenario, headers={"content-type": "application/yaml"}
    )
    assert added.status_code == 200, added.text
    keys = [ON_0[3], ON_1[3]]
    for key in keys:
        block = ask(fresh, key, "told").content[0]
        assert block.type == "text"
        assert block.text == "told by the admin API"
    assert fresh.admin("POST", "/faults", json={"status": 529, "times": None}).status_code == 201
    for key in keys:
        with pytest.raises(anthropic.APIStatusError) as failed:
            ask(fresh, key, "told")
        assert failed.value.status_code == 529
    rules = fresh.admin("GET", "/faults").json()["rules"]
    assert [(rule["name"], rule["fired"], len(rule["struck"])) for rule in rules] == [
        ("fault-1", 2, 2)
    ]
    assert fresh.admin("DELETE", "/faults").status_code == 200
    assert ask(fresh, keys[1], "told").content[0].type == "text"


def test_the_journal_report_and_checks_are_merged(fresh: Running) -> None:
    steps = "version: 1\nname: pair\nsteps:\n  - reply: first\n  - reply: second\n"
    fresh.admin("POST", "/scenarios", content=steps, headers={"content-type": "application/yaml"})
    ask(fresh, ON_1[4], "anything")  # the first step, on worker 1 only
    for key in (ON_0[4], ON_1[4]):
        with fresh.client(key) as client, pytest.raises(anthropic.BadRequestError):
            client.messages.create(model=MODEL, max_tokens=0 - 1, messages=[])
    journal = fresh.admin("GET", "/journal").json()
    assert journal["count"] == 3
    assert [e["worker"] for e in journal["exchanges"]].count(1) == 2
    started = [e["started"] for e in journal["exchanges"]]
    assert started == sorted(started)
    assert fresh.admin("GET", "/journal/violations").json()["count"] == 2
    report = fresh.admin("GET", "/report").json()
    assert report["requests"]["total"] == 3
    assert report["requests"]["statuses"] == {"200": 1, "400": 2}
    rule = report["violations"]["rules"][0]
    assert rule["count"] == 2
    assert rule["example"]["request_id"].startswith("req_")
    assert "3 requests, 2 violations" in fresh.admin("GET", "/report?format=text").text
    verify = fresh.admin("GET", "/verify", params={"unmatched": "false"}).json()
    assert verify["ok"] is False
    unused, violations = verify["failures"]
    # Worker 0's copy of the scenario was never used; the step counts as used all the same.
    assert unused.splitlines()[:2] == ["1 required step never used:", "  pair/steps[1] (<admin>:5)"]
    assert violations.startswith("2 requests the real API would have rejected:")
    assert worker_for(ON_0[4], 2) == 0


def test_health_counts_every_workers_exchanges(fresh: Running) -> None:
    ask(fresh, ON_0[5], "hi")
    ask(fresh, ON_1[5], "hi")
    health = fresh.admin("GET", "/health").json()
    assert health["exchanges"] == 2
    assert health["workers"] == 2
    assert fresh.admin("HEAD", "/health").status_code == 200


def test_a_key_switched_on_a_kept_connection_is_still_served_by_its_worker(
    fresh: Running,
) -> None:
    """The connection goes to worker 0 with its first request; the other key's requests on
    it are passed on to worker 1, where its scenario progress is."""
    body = {"model": MODEL, "max_tokens": 16, "messages": [{"role": "user", "content": "count"}]}
    heard = []
    with httpx2.Client(base_url=fresh.url, limits=httpx2.Limits(max_connections=1)) as http:
        for key, stream in ((ON_0[0], False), (ON_1[0], False), (ON_1[0], True)):
            answer = http.post(
                "/v1/messages",
                json=body | {"stream": stream},
                headers={"x-api-key": key, **VERSION},
            )
            assert answer.status_code == 200
            heard.append(answer.text)
    assert '"text":"one"' in heard[0].replace(" ", "")
    assert '"text":"one"' in heard[1].replace(" ", "")
    assert heard[2].rstrip().endswith('data: {"type":"message_stop"}')
    assert "two" in heard[2]
    # Then on its own connection: the third step.
    assert ask(fresh, ON_1[0], "count").content[0].text == "three"  # type: ignore[union-attr]
    exchanges = fresh.admin("GET", "/journal").json()["exchanges"]
    assert [e["worker"] for e in exchanges] == [0, 1, 1, 1]
    # Journaled once, by the worker that answered, marked as passed on to it.
    passed_on = ["x-mockserver-forwarded" in e["headers"] for e in exchanges]
    assert passed_on == [False, True, True, False]


def test_a_dropped_connection_reaches_a_client_whose_request_was_passed_on(
    fresh: Running,
) -> None:
    fault = {"kind": "disconnect", "api_key": ON_1[1], "times": 1}
    assert fresh.admin("POST", "/faults", json=fault).status_code == 201
    body = {"model": MODEL, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    with httpx2.Client(base_url=fresh.url, limits=httpx2.Limits(max_connections=1)) as http:
        first = http.post("/v1/messages", json=body, headers={"x-api-key": ON_0[1], **VERSION})
        assert first.status_code == 200
        with pytest.raises(httpx2.RemoteProtocolError):
            http.post("/v1/messages", json=body, headers={"x-api-key": ON_1[1], **VERSION})
        again = http.post("/v1/messages", json=body, headers={"x-api-key": ON_1[1], **VERSION})
        assert again.status_code == 200


def test_the_inspector_lists_and_feeds_every_workers_exchanges(fresh: Running) -> None:
    with httpx2.stream("GET", f"{fresh.url}/_mock/feed", timeout=10) as feed:
        lines = feed.iter_lines()
        assert next(lines) == ": feed open"
        sent = [ask(fresh, key, "hi")._request_id for key in (ON_0[0], ON_1[0], ON_0[1])]
        fed = []
        while len(fed) < 3:
            line = next(lines)
            if line.startswith("data: "):
                fed.append(json.loads(line.removeprefix("data: ")))
    # Numbered `local * 2 + worker`: even numbers from worker 0, odd ones from worker 1.
    assert sorted((row["request_id"], row["n"] % 2) for row in fed) == sorted(
        zip(sent, (0, 1, 0), strict=True)
    )
    page = fresh.admin("GET", "/exchanges", params={"limit": 2}).json()
    assert [row["request_id"] for row in page["exchanges"]] == sent[::-1][:2]
    assert page["total"] == 3
    rest = fresh.admin("GET", "/exchanges", params={"limit": 2, "before": page["before"]}).json()
    assert [row["request_id"] for row in rest["exchanges"]] == [sent[0]]
    assert rest["before"] is None
    for row in fed:
        one = fresh.admin("GET", f"/exchanges/{row['n']}").json()
        assert (one["n"], one["exchange"]["request_id"]) == (row["n"], row["request_id"])
    step = fresh.admin("GET", f"/exchanges/{fed[1]['n']}/scenario")
    assert step.status_code == 200
    assert "version: 1" in step.text
    assert fresh.admin("GET", "/exchanges/999").status_code == 404
    assert fresh.admin("GET", "/ui").status_code == 200


def test_the_admin_guard_stands_before_the_fan_out(fresh: Running) -> None:
    ask(fresh, ON_1[0], "hi")
    refused = fresh.admin("POST", "/reset", headers={"origin": "http://pages.example"})
    assert refused.status_code == 403
    assert fresh.admin("GET", "/journal").json()["count"] == 1


def test_the_clock_moves_on_every_worker(fresh: Running) -> None:
    system = [{"type": "text", "text": MANUAL, "cache_control": {"type": "ephemeral"}}]
    for key in (ON_0[2], ON_1[2]):
        ask(fresh, key, "When is the lamp lit?", system=system)
    assert fresh.admin("POST", "/clock/advance", json={"seconds": 301}).status_code == 200
    for key in (ON_0[2], ON_1[2]):
        usage = ask(fresh, key, "When is the lamp lit?", system=system).usage
        # The five-minute entry has expired, on the key's own worker.
        assert usage.cache_read_input_tokens == 0
        assert usage.cache_creation_input_tokens
