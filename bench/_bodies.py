"""Request bodies the throughput benchmark sends: a small one and agent-sized ones.

The agent-sized ones are shaped like a coding agent's calls (bench_validation's
`claude_code_request`: 24 tools whose schemas carry `$schema`, cached system blocks,
adaptive thinking), unstreamed so every server answers with one JSON Message:

- the first turn: the user's request with the harness's reminders, no history yet
  (the default reply calls a tool for it);
- a turn ending with a tool_result, after a 20-step tool loop whose thinking blocks
  carry signatures the seeded mock accepts;
- a stream of turns that share nothing whole: each has its own tools, system prompt and
  history, so no memo of the mock's can answer any part of one from an earlier request.
"""

from __future__ import annotations

from typing import Any

from bench_validation import BETAS, claude_code_request, turn

from mockserver.signing.signer import Signer

HEADERS = {"x-api-key": "bench", "anthropic-version": "2023-06-01"}
AGENT_HEADERS = {**HEADERS, "anthropic-beta": ",".join(sorted(BETAS))}
SEED = "bench-throughput"

SMALL = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "Hello, Claude"}],
}
# What the user asks on the first turn; it names a tool, as a request to an agent often
# names the file or command it is about.
REQUEST = "Use Tool7 to read /src/parser.py, then refactor the parser module."


def _answerable(body: dict[str, Any]) -> dict[str, Any]:
    body["stream"] = False
    # A 1h breakpoint may not follow a 5m one (tools → system → messages).
    body["system"][2]["cache_control"] = {"type": "ephemeral"}
    return body


def _reminders(size: int, tag: str = "") -> list[dict[str, Any]]:
    """The text blocks a harness puts before the user's first words (project notes,
    the environment), about `size` characters in all."""
    notes = f"Project notes {tag}: keep functions short, test every change, no new deps.\n"
    context = "Directory listing: src/parser.py src/lexer.py tests/test_parser.py\n"
    half = size // 2
    return [
        {
            "type": "text",
            "text": f"<system-reminder>\n{notes * (half // len(notes))}</system-reminder>",
        },
        {
            "type": "text",
            "text": f"<system-reminder>\n{context * (half // len(context))}</system-reminder>",
        },
    ]


def agent_first_turn() -> dict[str, Any]:
    """~120 KB: the tools and system prompt, then the user's request under its reminders."""
    body = _answerable(claude_code_request())
    body["messages"] = [
        {"role": "user", "content": [*_reminders(33_000), {"type": "text", "text": REQUEST}]}
    ]
    return body


def _sign(body: dict[str, Any], signer: Signer) -> dict[str, Any]:
    """Each thinking block signed as the server would have signed it when it wrote that turn."""
    messages = body["messages"]
    for i, message in enumerate(messages):
        for block in message["content"] if message["role"] == "assistant" else ():
            if block["type"] == "thinking":
                block["signature"] = signer.session({**body, "messages": messages[:i]}).thinking(
                    block["thinking"]
                )
    return body


def agent_tool_result_turn() -> dict[str, Any]:
    """~120 KB: a 20-step tool loop, ending with the last tool's result."""
    return _sign(_answerable(claude_code_request()), Signer.from_seed(SEED))


def agent_turn_unlike_any(n: int, signer: Signer) -> dict[str, Any]:
    """An agent turn whose tools, system prompt and history are its own: the `n`th
    session's, `n % 8 + 4` steps into its tool loop, ending with a tool_result on odd
    `n`, with a new user request on even ones (~100-115 KB)."""
    body = _answerable(claude_code_request())
    tag = f"session {n}"
    for entry in body["tools"]:
        entry["description"] = f"{entry['description']} ({tag})"
        entry["input_schema"]["properties"]["path"]["description"] += f" ({tag})"
    for block in body["system"]:
        block["text"] = f"{block['text']} ({tag})"
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [*_reminders(8_000, tag), {"type": "text", "text": REQUEST}]}
    ]
    for step in range(n % 8 + 4):
        pair = turn(step + n)
        pair[0]["content"][0]["thinking"] += f" ({tag})"
        pair[1]["content"][0]["content"][0]["text"] = (
            f"({tag}) " + pair[1]["content"][0]["content"][0]["text"]
        )
        messages.extend(pair)
    if n % 2 == 0:
        thinking = {"type": "thinking", "thinking": f"All read ({tag}).", "signature": ""}
        done = {"type": "text", "text": "Done."}
        messages.append({"role": "assistant", "content": [thinking, done]})
        messages.append({"role": "user", "content": f"Now tidy the lexer too ({tag})."})
    body["messages"] = messages
    return _sign(body, signer)


def varied(body: dict[str, Any], first: int, n: int) -> list[dict[str, Any]]:
    """`n` copies of the body whose final user turn differs each time, as a client's calls
    do (identical bodies would let the mock's memos answer everything from the first)."""
    bodies = []
    for i in range(first, first + n):
        copy_ = {**body, "messages": [*body["messages"]]}
        last = dict(copy_["messages"][-1])
        content = last["content"]
        if isinstance(content, str):
            last["content"] = f"{content} (call {i})"
        elif content[0]["type"] == "tool_result":  # the tool's output changes
            result = dict(content[0])
            head = dict(result["content"][0])
            head["text"] = f"(call {i}) {head['text']}"
            result["content"] = [head, *result["content"][1:]]
            last["content"] = [result, *content[1:]]
        else:  # the user's words, after the harness's reminders
            words = dict(content[-1])
            words["text"] = f"{words['text']} (call {i})"
            last["content"] = [*content[:-1], words]
        copy_["messages"][-1] = last
        bodies.append(copy_)
    return bodies
