"""Claude Code's print mode (`claude -p`) against a mock server.

run.py runs this with its own Python (stdlib only). Each run of the CLI happens in one
scratch folder that is both its working directory and its HOME (its config and session
files land there), with the mock as ANTHROPIC_BASE_URL, a dummy key, the non-essential
traffic off, and a time limit. The reply the mock gives by default calls tools with
generated inputs, so only read-only tools may run: --permission-mode dontAsk denies what
--allowedTools does not name, and the tools that write or run commands are removed.

It reads:
  MOCK_URL              the mock server's base URL
  COMPAT_CLAUDE         the `claude` executable (the pin's node_modules/.bin/claude)
  COMPAT_FLOWS          optional comma-separated flow names to run (default: all)
  COMPAT_CLAUDE_TIMEOUT seconds allowed for one run of the CLI (default 120)
and prints one line per flow: `@@flow {"flow", "ok", "reason", "requests", "first"}`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

MOCK_URL = os.environ["MOCK_URL"]
CLAUDE = os.environ["COMPAT_CLAUDE"]
ONLY = set(filter(None, os.environ.get("COMPAT_FLOWS", "").split(",")))
TIMEOUT = float(os.environ.get("COMPAT_CLAUDE_TIMEOUT", "120"))
# A prompt that ends takes a handful of requests; more means the loop does not end.
MAX_REQUESTS = 25

SAFE_TOOLS = "Read Glob Grep"
UNSAFE_TOOLS = "Bash Write Edit NotebookEdit WebFetch WebSearch PowerShell"


class Check(Exception):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise Check(message)


def journal_count() -> int:
    with urllib.request.urlopen(f"{MOCK_URL}/_mock/health") as answer:
        return int(json.load(answer)["exchanges"])


def journal_slice(first: int) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{MOCK_URL}/_mock/journal") as answer:
        exchanges: list[dict[str, Any]] = json.load(answer)["exchanges"]
    return exchanges[first:]


def claude(
    scratch: Path,
    *args: str,
    output: str = "json",
    allowed: str = SAFE_TOOLS,
    disallowed: str = UNSAFE_TOOLS,
) -> dict[str, Any]:
    """One `claude -p` run; its JSON result (with `output="stream-json"`, the stream's last
    line, the result, with the events before it under "events")."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(scratch),
        "TMPDIR": str(scratch / "tmp"),
        "ANTHROPIC_BASE_URL": MOCK_URL,
        "ANTHROPIC_API_KEY": "sk-ant-compat-dummy",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_ERROR_REPORTING": "1",
    }
    command = [
        CLAUDE,
        "-p",
        "--output-format",
        output,
        *(["--verbose"] if output == "stream-json" else []),
        "--permission-mode",
        "dontAsk",
        "--allowedTools",
        allowed,
        "--disallowedTools",
        disallowed,
        *args,
    ]
    # Its own process group, so a run past its time is ended with all it started.
    process = subprocess.Popen(
        command,
        cwd=scratch,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise Check(f"did not end within {TIMEOUT:.0f} s") from None
    check(process.returncode == 0, f"exit {process.returncode}: {(err or out).strip()[:300]}")
    if output == "stream-json":
        return _stream_result(out)
    try:
        result: dict[str, Any] = json.loads(out)
    except json.JSONDecodeError:
        raise Check(f"output is not JSON: {out[:200]!r}") from None
    return result


def _stream_result(out: str) -> dict[str, Any]:
    try:
        events = [json.loads(line) for line in out.splitlines() if line.strip()]
    except json.JSONDecodeError:
        raise Check(f"a stream-json line is not JSON: {out[:200]!r}") from None
    check(events and events[-1].get("type") == "result", "stream-json ends without a result")
    return {**events[-1], "events": events[:-1]}


def result_ok(result: dict[str, Any]) -> None:
    check(not result.get("is_error"), f"is_error, {result.get('subtype')}: {result.get('result')}")
    check(result.get("subtype") == "success", f"subtype {result.get('subtype')}")
    check(isinstance(result.get("result"), str) and result["result"], "empty result")
    usage = result.get("usage") or {}
    check(usage.get("output_tokens", 0) > 0, f"usage.output_tokens {usage.get('output_tokens')}")


def tool_round_trips(exchanges: list[dict[str, Any]]) -> int:
    """Requests whose last user turn carries a tool_result: tools that ran."""
    count = 0
    for exchange in exchanges:
        messages = (exchange.get("body") or {}).get("messages") or []
        content = messages[-1].get("content") if messages else None
        if isinstance(content, list) and any(
            isinstance(block, dict) and block.get("type") == "tool_result" for block in content
        ):
            count += 1
    return count


def flow_print(scratch: Path) -> None:
    result_ok(claude(scratch, "--", "Say hello in one sentence."))


def flow_continue(scratch: Path) -> None:
    # Continues the session flow_print left in this folder.
    result_ok(claude(scratch, "--continue", "--", "Now say goodbye in one sentence."))


def flow_tool_loop(scratch: Path) -> None:
    first = journal_count()
    result = claude(scratch, "--", "Use the Read tool to read notes.txt and tell me what it says.")
    result_ok(result)
    check(tool_round_trips(journal_slice(first)) >= 1, "no tool result went back to the API")
    check(result.get("num_turns", 0) >= 2, f"num_turns {result.get('num_turns')}")


def flow_stream_json(scratch: Path) -> None:
    result = claude(scratch, "--", "Say hello in one sentence.", output="stream-json")
    result_ok(result)
    said = [
        block.get("text", "")
        for event in result["events"]
        if event.get("type") == "assistant"
        for block in (event.get("message") or {}).get("content") or []
        if block.get("type") == "text"
    ]
    check(any(said), "no assistant text event before the result")


def flow_bash_loop(scratch: Path) -> None:
    # The mock's default reply calls Bash with the input its schema generates, the command
    # `example`: only that exact command is allowed, so nothing else can ever run.
    first = journal_count()
    result = claude(
        scratch,
        "--",
        "Use the Bash tool to list the files here.",
        allowed=f"{SAFE_TOOLS} Bash(example)",
        disallowed=UNSAFE_TOOLS.replace("Bash ", ""),
    )
    result_ok(result)
    check(tool_round_trips(journal_slice(first)) >= 1, "no tool result went back to the API")


def _flow_model(alias: str) -> Callable[[Path], None]:
    def flow(scratch: Path) -> None:
        first = journal_count()
        result_ok(claude(scratch, "--model", alias, "--", "Say hello in one sentence."))
        models = {(e.get("body") or {}).get("model") for e in journal_slice(first)}
        check(
            any(alias in str(m) for m in models), f"--model {alias} sent {sorted(map(str, models))}"
        )

    return flow


FLOWS: dict[str, Callable[[Path], None]] = {
    "print": flow_print,
    "continue": flow_continue,
    "tool-loop": flow_tool_loop,
    "stream-json": flow_stream_json,
    "bash-loop": flow_bash_loop,
    "model-haiku": _flow_model("haiku"),
    "model-sonnet": _flow_model("sonnet"),
    "model-opus": _flow_model("opus"),
}


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="compat-claude-"))
    try:
        (scratch / "tmp").mkdir()
        (scratch / "notes.txt").write_text("The lamp was lit at dusk; two ships passed.\n")
        for name, flow in FLOWS.items():
            if ONLY and name not in ONLY:
                continue
            first = journal_count()
            ok, reason = True, ""
            try:
                flow(scratch)
            except Check as error:
                ok, reason = False, str(error)
            requests = journal_count() - first
            if ok and requests > MAX_REQUESTS:
                ok, reason = False, f"{requests} requests for one prompt"
            line = {"flow": name, "ok": ok, "reason": reason, "requests": requests, "first": first}
            print("@@flow " + json.dumps(line), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
