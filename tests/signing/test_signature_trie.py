"""The conversation trie: a request only works through the messages new under its prefix,
and every verdict is the one a signer that never saw the conversation gives."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

from memory_support import kept_by
from rules_support import assistant, reply, request, text, thinking, user

from mockserver.signing.signer import Signer
from mockserver.signing.trie import _NODE_COST, BlockCheck, Node, SignatureTrie, Thought, Verdict

HEAD = bytes(16)


def seen_by(signer: Signer, body: dict[str, Any]) -> list[tuple[int, int, str, str | None]]:
    return [(c.message, c.block, c.verdict.value, c.differs) for c in signer.check(body)]


def fresh(body: dict[str, Any]) -> list[tuple[int, int, str, str | None]]:
    return seen_by(Signer.from_seed("trie"), body)


class Counting:
    """A judge that calls every block valid and notes which it was asked about."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, int]] = []

    def __call__(
        self, message: int, thought: Thought, prefix: bytes, parent: bytes | None, head: bytes
    ) -> BlockCheck:
        self.asked.append((message, thought.block))
        return BlockCheck(message, thought.block, thought.kind, Verdict.VALID)


def block(n: int) -> dict[str, Any]:
    return assistant([{"type": "thinking", "thinking": f"t{n}", "signature": f"s{n}"}])


def test_a_growing_conversation_works_only_through_new_messages() -> None:
    judge = Counting()
    trie = SignatureTrie(judge, budget=1 << 20)
    history = [user("q1"), block(1), user("q2")]
    first = trie.walk(HEAD, history)
    assert judge.asked == [(1, 0)]
    again = trie.walk(HEAD, [*history, block(3)])
    assert list(map(id, again[:-1])) == list(map(id, first))
    assert judge.asked == [(1, 0), (3, 0)]
    trie.walk(b"", [*history, block(3)])  # another head: judged afresh
    assert judge.asked[2:] == [(1, 0), (3, 0)]


def test_a_message_at_another_position_or_after_another_neighbour_is_new() -> None:
    judge = Counting()
    trie = SignatureTrie(judge, budget=1 << 20)
    trie.walk(HEAD, [user("q"), block(1)])
    trie.walk(HEAD, [user("q"), user("more"), block(1)])
    trie.walk(HEAD, [user("other"), block(1)])
    trie.walk(HEAD, [user("q"), block(2)])
    assert judge.asked == [(1, 0), (2, 0), (1, 0), (1, 0)]


def test_long_messages_alike_at_both_ends_are_told_apart() -> None:
    # A long message is found by its first and last bytes, then compared whole.
    judge = Counting()
    trie = SignatureTrie(judge, budget=1 << 20)
    pad = "x " * 2500
    for middle in ("one", "two", "one"):
        nodes = trie.walk(HEAD, [user(f"{pad}{middle}{pad}"), block(1)])
        assert nodes[2].raw == f'{{"role":"user","content":"{pad}{middle}{pad}"}}'.encode()
    # Each change of the long message made its reply new again.
    assert judge.asked == [(1, 0)] * 3
    signer = Signer.from_seed("trie")
    body = request(user(f"{pad}one{pad}"))
    answer = reply(body, thinking("t"), text("A"), signer=signer)
    assert seen_by(signer, request(user(f"{pad}one{pad}"), answer)) == [(1, 0, "valid", None)]
    moved = request(user(f"{pad}two{pad}"), answer)
    assert seen_by(signer, moved) == fresh(moved) == [(1, 0, "mismatch", "messages")]
    assert seen_by(signer, request(user(f"{pad}one{pad}"), answer)) == [(1, 0, "valid", None)]


def test_verdicts_match_a_signer_that_never_saw_the_conversation() -> None:
    signer = Signer.from_seed("trie")
    body = request(user("Q1"), system="s")
    turns: list[dict[str, Any]] = [user("Q1")]
    for n in range(4):
        turns.append(reply(body, thinking(f"t{n}"), text(f"A{n}"), signer=signer))
        turns.append(user(f"Q{n + 2}"))
        body = request(*turns, system="s")
        assert (
            seen_by(signer, body)
            == fresh(body)
            == [(m, 0, "valid", None) for m in (1, 3, 5, 7)[: n + 1]]
        )
    variants = []
    for i in range(len(turns)):
        changed = copy.deepcopy(body)
        changed["messages"][i]["content"] = "changed" if i % 2 == 0 else [text("changed")]
        variants.append(changed)
        moved = copy.deepcopy(body)
        moved["messages"].insert(i, user("inserted"))
        variants.append(moved)
        dropped = copy.deepcopy(body)
        del dropped["messages"][i]
        variants.append(dropped)
        swapped = copy.deepcopy(body)
        if i + 1 < len(turns):
            ms = swapped["messages"]
            ms[i], ms[i + 1] = ms[i + 1], ms[i]
        variants.append(swapped)
        if i % 2:
            tampered = copy.deepcopy(body)
            tampered["messages"][i]["content"][0]["thinking"] += "!"
            variants.append(tampered)
    variants.append({**body, "system": "t"})
    for variant in variants:
        assert seen_by(signer, variant) == fresh(variant), variant
        assert signer.first_binding(variant) == Signer.from_seed("trie").first_binding(variant)
    verdicts = {v for variant in variants for _, _, v, _ in seen_by(signer, variant)}
    assert verdicts == {"valid", "invalid", "mismatch"}


def test_faults_are_the_checks_that_are_not_valid() -> None:
    signer = Signer.from_seed("trie")
    first = request(user("hi"))
    answer = reply(first, thinking("one"), text("a"), signer=signer)
    body = request(user("hello"), answer, user("x"), block(9), user("y"))
    checks = signer.check(body)
    assert [c.verdict for c in checks] == [Verdict.MISMATCH, Verdict.INVALID]
    assert signer.faults(body) == checks
    assert [c.verdict for c in signer.faults(body, binding=False)] == [Verdict.INVALID]


def test_the_trie_holds_at_most_its_budget_and_stays_exact() -> None:
    judge = Counting()
    trie = SignatureTrie(judge, budget=3000)
    conversation = [block(n) for n in range(12)]
    for end in range(1, 13):
        trie.walk(HEAD, conversation[:end])
        assert trie._held <= 3000
    asked = len(judge.asked)
    nodes = trie.walk(HEAD, conversation)
    assert len(judge.asked) > asked  # the oldest (the head and first messages) went out
    assert [c.message for node in nodes for c in node.checks] == list(range(12))


@dataclass
class Block:
    type: str
    text: str


class Role(str):
    pass


def test_data_that_is_not_plain_json_is_worked_through_not_remembered() -> None:
    signer = Signer.from_seed("trie")
    first = request(user("hi"))
    answer = reply(first, thinking("one"), text("a"), signer=signer)
    for odd in (user([Block("text", "x")]), {"role": Role("user"), "content": "hi"}):
        body = request(odd, answer, user("more"))
        expected = fresh(body)
        held = signer._trie._held
        assert seen_by(signer, body) == expected
        assert signer._trie._held == held
    assert seen_by(signer, request(user("hi"), answer, user("more"))) == [(1, 0, "valid", None)]


def test_concurrent_walks_agree() -> None:
    signer = Signer.from_seed("trie")
    body = request(user("Q"))
    answer = reply(body, thinking("t"), text("A"), signer=signer)
    bodies = [request(user("Q"), answer, *[user(f"m{k}") for k in range(n)]) for n in range(40)]
    results: list[list[Any]] = [[] for _ in range(4)]

    def run(k: int) -> None:
        results[k] = [seen_by(signer, b) for b in bodies]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == [[(1, 0, "valid", None)]] * 40 for r in results)


def test_a_node_is_its_children_by_json_text() -> None:
    trie = SignatureTrie(Counting(), budget=1 << 20)
    nodes = trie.walk(HEAD, [user("q")])
    assert isinstance(nodes[1], Node)
    assert list(nodes[1]) == [b'{"role":"user","content":"q"}']


def test_a_node_holds_about_its_counted_cost() -> None:
    trie = SignatureTrie(Counting(), budget=1 << 24)
    trie.walk(HEAD, [])

    def grow(into: SignatureTrie) -> None:
        for k in range(200):
            into.walk(HEAD, [user(f"q{k}")])

    # canonical.py's process-wide memo of block digests fills while it has room, so what
    # it keeps depended on the tests run before: warm it, then count the nodes alone.
    grow(SignatureTrie(Counting(), budget=1 << 24))
    held = kept_by(
        lambda: grow(trie), "*/mockserver/signing/trie.py", "*/mockserver/signing/canonical.py"
    )
    assert 0 < held < 200 * _NODE_COST
