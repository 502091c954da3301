"""YAML → Scenario: the same objects Python builds, and broken files named by file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.errors import ScenarioError
from mockserver.scripting.loader import load_scenario, load_scenarios, parse_scenarios
from mockserver.scripting.reply import Reply
from mockserver.scripting.stream_plan import Pacing, StreamFault

GOOD = """\
# yaml-language-server: $schema=../schemas/scenario.schema.json
version: 1
name: weather
isolation: conversation
steps:
  - name: ask
    match: {last_user_text: weather, tools: get_weather}
    reply:
      text: Let me check.
      tool_use: {name: get_weather, input: {city: Paris}}
  - name: answer
    match: {tool_result: get_weather}
    reply: "Sunny in {{ tool_input.city }}."
rules:
  - match: {model: claude-haiku-*}
    reply:
      error: {status: 429, message: Slow down, headers: {retry-after: 1}}
fallback:
  reply: {refusal: {category: cyber}}
"""


def problem(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse_scenarios(text, "s.yaml")
    return caught.value


def test_a_good_file_builds_the_python_objects() -> None:
    [scenario] = parse_scenarios(GOOD, "weather.yaml")
    ask, answer = scenario.steps
    assert scenario.name == "weather"
    assert scenario.isolation == "conversation"
    assert ask.name == "ask"
    assert ask.line == 6
    assert ask.where == "weather.yaml:6"
    assert ask.reply.content == (
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "input": {"city": "Paris"}, "name": "get_weather"},
    )
    assert answer.reply == Reply.text("Sunny in {{ tool_input.city }}.")
    error = scenario.rules[0].reply.error
    assert error is not None
    assert (error.status, error.message, dict(error.headers)) == (
        429,
        "Slow down",
        {"retry-after": "1"},
    )
    assert scenario.fallback is not None
    assert scenario.fallback.reply.stop_reason == "refusal"
    assert scenario.fallback.reply.stop_details == {
        "type": "refusal",
        "category": "cyber",
        "explanation": None,
    }


def test_error_shorthands_and_stream_plan() -> None:
    [scenario] = parse_scenarios(
        """
version: 1
rules:
  - reply: {error: overloaded_error}
  - reply: {error: 529}
  - reply:
      text: slow
      delay: 0.5
      stream: {pacing: {chunk_chars: 4}, fault: {kind: disconnect, after_events: 3}}
""",
        "s.yaml",
    )
    first, second, third = (r.reply for r in scenario.rules)
    assert first.error is not None
    assert (first.error.status, first.error.error_type) == (
        529,
        "overloaded_error",
    )
    assert second.error is not None
    assert second.error.status == 529
    assert third.delay == 0.5
    assert third.stream.pacing == Pacing(chunk_chars=4)
    assert third.stream.fault == StreamFault(kind="disconnect", after_events=3)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "version: 1\nsteps:\n  - reply: hi\n    mach: {model: x}\n",
            4,
            "steps[0]: unknown key 'mach' (did you mean 'match'?)",
        ),
        (
            "version: 1\nrules:\n  - match:\n      last_user_txt: hi\n    reply: hi\n",
            4,
            "unknown key 'last_user_txt' (did you mean 'last_user_text'?)",
        ),
        ("version: 1\nrules:\n  - match: {}\n", 3, "rules[0]: 'reply' is a required property"),
        (
            "version: 2\nrules: [{reply: hi}]\n",
            1,
            "version: the file must start with `version: 1` (found 2)",
        ),
        ("rules: [{reply: hi}]\n", 1, "the file must start with `version: 1` (found None)"),
        (
            "version: 1\nrules:\n  - reply: {txt: hi}\n",
            3,
            "rules[0].reply: unknown key 'txt' (did you mean 'text'?)",
        ),
        (
            "version: 1\nrules:\n  - reply:\n      content:\n        - {type: tool_use}\n",
            5,
            "'name' is a required property",
        ),
        (
            "version: 1\nrules:\n  - reply: {text: '{{ user }}'}\n",
            3,
            "unknown placeholder {{ user }}",
        ),
        (
            "version: 1\nrules:\n  - match: {last_user_text: {regex: '('}}\n    reply: hi\n",
            3,
            "regex '(' does not compile",
        ),
        (
            "version: 1\nrules:\n  - reply: {text: a, content: []}\n",
            3,
            "use either content blocks or text",
        ),
        (
            "version: 1\nrules:\n  - reply: {text: a, error: 429}\n",
            3,
            "an error reply has no content",
        ),
        ("version: 1\nname: x\n", 1, "a scenario needs steps, rules or a fallback"),
        ("version: 1\nrules: [{reply: hi}\n", 3, "not valid YAML"),
        ("version: 1\nversion: 1\nrules: []\n", 2, "duplicate key 'version'"),
        (
            "version: 1\nrules:\n  - reply:\n      stream:\n"
            "        fault: {kind: error, after_events: 1, after_bytes: 2}\n",
            3,
            "give after_events or after_bytes, not both",
        ),
        ("- 1\n- 2\n", 1, "a scenario must be a mapping"),
    ],
)
def test_broken_files_name_file_line_and_what_is_wrong(text: str, line: int, message: str) -> None:
    error = problem(text)
    assert error.source == "s.yaml"
    assert error.line == line, str(error)
    assert message in error.message, str(error)
    assert str(error).startswith(f"s.yaml:{line}: ")


def test_yaml_tags_that_would_run_code_are_refused() -> None:
    error = problem("version: 1\nrules: [{reply: !!python/object/apply:os.system [echo]}]\n")
    assert "not valid YAML" in error.message


def test_an_empty_file_is_an_error() -> None:
    assert "holds no scenario" in problem("# nothing\n").message


def test_several_documents_and_folders(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.yaml").write_text(
        "version: 1\nrules: [{reply: a}]\n---\nversion: 1\nrules: [{reply: b}]\n"
    )
    (tmp_path / "sub" / "b.yml").write_text("version: 1\nname: bee\nrules: [{reply: c}]\n")
    (tmp_path / "notes.txt").write_text("ignored")
    names = [s.name for s in load_scenarios([tmp_path])]
    assert names == ["a#1", "a#2", "bee"]
    assert load_scenario(tmp_path / "sub" / "b.yml").name == "bee"
    with pytest.raises(ScenarioError, match="holds 2 scenarios"):
        load_scenario(tmp_path / "a.yaml")
    with pytest.raises(ScenarioError, match="no such file or folder"):
        load_scenarios([tmp_path / "missing.yaml"])
