"""Answering without wording reasons changes nothing: the same steps, progress and near
misses as the reference (every reason worded for every candidate), over generated
scenarios and requests."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2
import pytest
from conftest import MODEL, ServerFactory, api_headers
from scenario_cases import make_step, request, scenario
from scenario_reference import ReferenceBook, ReferenceScript

from mockserver.config import UnmatchedPolicy
from mockserver.resources import scenarios_dir
from mockserver.scripting.book import Answer, ScenarioBook
from mockserver.scripting.conversation import Conversation
from mockserver.scripting.matchers import Matcher
from mockserver.scripting.reply import Reply
from mockserver.scripting.scenario import Scenario, Step, rule, step
from mockserver.server import MockServer


def _books(seed: int) -> tuple[ScenarioBook, ReferenceBook, random.Random]:
    rng = random.Random(seed)
    policy: UnmatchedPolicy = rng.choice(["default", "error"])
    book = ScenarioBook(policy)
    if rng.random() < 0.4:
        book.watch_roots([scenarios_dir()], bundled=True)
    book.add(*[scenario(rng, f"s{i}") for i in range(rng.randint(1, 5))])
    scripts = [ReferenceScript(s.scenario, s.bundled) for s in book.scripts()]
    return book, ReferenceBook(scripts, policy), rng


def _progress(book: ScenarioBook) -> list[dict[str, tuple[int, int, str]]]:
    return [
        {k: (p.cursor, p.used, p.state) for k, p in s._progress.items()} for s in book.scripts()
    ]


def _grow(rng: random.Random, book: ScenarioBook, reference: ReferenceBook) -> None:
    """Give one script its scenario with a step more (as `MockServer.reply` does)."""
    index = rng.randrange(len(reference.scripts))
    grown = book.scripts()[index].scenario
    added = make_step(rng, "grown", len(grown.steps), grown.source)
    grown = replace(grown, steps=(*grown.steps, added))
    book.scripts()[index].scenario = reference.scripts[index].scenario = grown


def _same_answer(answer: Answer, expected: Any) -> None:
    assert (answer.step, answer.unmatched) == (expected.step, expected.unmatched)
    assert answer.scenario_error == expected.scenario_error
    if expected.reply is not None:
        assert answer.reply == expected.reply


@pytest.mark.parametrize("seeds", [range(0, 60), range(60, 120), range(120, 180)])
def test_books_answer_as_the_reference_does(seeds: range) -> None:
    unmatched = 0
    for seed in seeds:
        book, reference, rng = _books(seed)
        unread: list[tuple[Answer, tuple[str, ...]]] = []
        for _ in range(60):
            body, key, headers = request(rng)
            answer = book.answer(body, key, headers)
            expected = reference.answer(body, key, headers)
            _same_answer(answer, expected)
            assert _progress(book) == reference.progress()
            unmatched += answer.unmatched
            # Some near misses are read at once, the rest only after the progress moved on
            # (and scenarios grew steps, as a test's own scenario does).
            if rng.random() < 0.5:
                assert tuple(answer.near_misses) == expected.near_misses
            else:
                unread.append((answer, expected.near_misses))
            if rng.random() < 0.1:
                _grow(rng, book, reference)
        for answer, near in unread:
            assert tuple(answer.near_misses) == near
            assert answer.near_misses == near
    assert unmatched > 500


class TwoReasons(Matcher):
    """A matcher of the kind a user might write: only `mismatches`, two reasons at once."""

    @classmethod
    def parse(cls, spec: Any) -> Matcher:
        return cls()

    def mismatches(self, conv: Conversation) -> list[str]:
        return [] if conv.last_user_text == "both" else ["first reason", "second reason"]

    def describe(self) -> str:
        return "both"


def test_a_matcher_with_only_words_is_answered_and_ranked_by_them() -> None:
    scenarios = [
        Scenario("two", rules=[Step(Reply.text("2"), TwoReasons())]),
        Scenario("one", rules=[rule("1", last_user_text="one")]),
        Scenario("also", steps=[step("a", last_user_text="also")], fallback=step("f", stream=True)),
    ]
    book, reference = ScenarioBook(), ReferenceBook([ReferenceScript(s) for s in scenarios])
    book.add(*scenarios)
    for text in ("hi", "both", "one", "also", "hi", "also"):
        body = {"model": "m", "messages": [{"role": "user", "content": text}]}
        answer, expected = book.answer(body, "k"), reference.answer(body, "k")
        _same_answer(answer, expected)
        assert answer.near_misses == expected.near_misses
    first = book.answer({"messages": [{"role": "user", "content": "hi"}]}, "k").near_misses
    assert [m.split(" (")[0] for m in first] == ["one/rules[0]", "also/fallback", "two/rules[0]"]


FLOW_YAML = """\
version: 1
name: flow
steps:
  - name: ask
    match: {last_user_text: weather}
    set_state: asked
    reply: Which city?
rules:
  - name: city
    when_state: asked
    match: {last_user_text: Paris}
    set_state: done
    reply: Sunny in Paris.
  - name: tenant
    match: {headers: {x-tenant: acme}, stream: true}
    reply: Hello, acme.
"""
TEXTS = ["Paris", "weather", "London", "Paris", "Hello, Claude!", "demo: refusal", "hi"]


@pytest.mark.parametrize("policy", ["default", "error"])
def test_the_journal_keeps_each_requests_near_misses_as_they_were(
    server_factory: ServerFactory, tmp_path: Path, policy: str
) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(FLOW_YAML)
    server = server_factory(scenario_paths=[path], bundled_scenarios=True, unmatched=policy)
    local = ScenarioBook()
    local.watch_roots([path])
    local.watch_roots([scenarios_dir()], bundled=True)
    scripts = [ReferenceScript(s.scenario, s.bundled) for s in local.scripts()]
    reference = ReferenceBook(scripts, policy)
    expected = []
    with httpx2.Client(base_url=server.base_url, timeout=10) as http:
        for i, text in enumerate(TEXTS * 3):
            key = "bob" if i % 5 == 4 else "alice"
            extra = {"x-tenant": "acme"} if i % 3 == 0 else {}
            extra |= {"x-mock-session": "s1"} if i % 7 == 6 else {}
            body = {
                "model": MODEL,
                "max_tokens": 50,
                "messages": [{"role": "user", "content": text}],
            }
            headers = {"x-api-key": key, "anthropic-version": "2023-06-01", **extra}
            http.post("/v1/messages", json=body, headers=headers)
            expected.append(reference.answer(body, key, extra))
        # Read only now, when the progress of every client has moved on.
        listed = http.get("/_mock/journal/unmatched").json()["exchanges"]
    exchanges = server.journal.messages()
    assert [(e.step, e.unmatched, e.near_misses) for e in exchanges] == [
        (x.step, x.unmatched, x.near_misses) for x in expected
    ]
    assert [e["near_misses"] for e in listed] == [
        list(x.near_misses) for x in expected if x.unmatched
    ]
    assert any("scenario state is 'Started'" in m for x in expected for m in x.near_misses)
    for exchange, x in zip(exchanges, expected, strict=True):
        if policy == "error" and x.unmatched:
            assert x.reply is not None
            assert x.reply.error is not None
            assert exchange.error is not None
            assert exchange.error["message"] == x.reply.error.message


def test_an_unmatched_request_keeps_its_near_misses_when_the_test_adds_steps(
    fresh: MockServer, http: httpx2.Client
) -> None:
    def send(text: str) -> None:
        body = {"model": MODEL, "max_tokens": 50, "messages": [{"role": "user", "content": text}]}
        assert http.post("/v1/messages", json=body, headers=api_headers()).status_code == 200

    fresh.reply_text("one", last_user_text="first")
    send("first")
    send("other")
    fresh.reply_text("two", last_user_text="second")
    send("third")
    first, other, third = fresh.journal.messages()
    assert (first.step, other.unmatched, third.unmatched) == ("test/steps[0]", True, True)
    # When "other" came, the test's scenario had no step left: nothing was near.
    assert other.near_misses == ()
    (miss,) = third.near_misses
    assert miss.startswith("test/steps[1] (")
    assert miss.endswith("): last user text 'third' does not contain 'second'")
