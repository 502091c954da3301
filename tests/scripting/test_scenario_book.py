"""Loading into the server's book: files and folders, reloads, and the last good version."""

from __future__ import annotations

import os
from pathlib import Path

from mockserver.config import Config
from mockserver.scripting.book import ScenarioBook, book_for
from mockserver.scripting.replay import complete, opaque
from mockserver.scripting.scenario import Scenario, step


def body(text: str = "hi") -> dict[str, object]:
    return {"model": "m", "messages": [{"role": "user", "content": text}]}


def reply_text(book: ScenarioBook) -> str:
    return str(book.answer(body(), "k").reply.content[0]["text"])


def write(path: Path, text: str) -> None:
    path.write_text(text)
    # A new modification time even on coarse file system clocks.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_refresh_picks_up_changes_new_and_removed_files(tmp_path: Path) -> None:
    first = tmp_path / "a.yaml"
    write(first, "version: 1\nrules: [{reply: one}]\n")
    book = ScenarioBook()
    book.watch_roots([tmp_path])
    assert reply_text(book) == "one"
    assert book.refresh() == []
    write(first, "version: 1\nrules: [{reply: two}]\n")
    assert book.refresh() == [first]
    assert reply_text(book) == "two"
    second = tmp_path / "0.yaml"
    write(second, "version: 1\nrules: [{reply: zero}]\n")
    book.refresh()
    assert reply_text(book) == "zero"
    second.unlink()
    assert book.refresh() == [second]
    assert reply_text(book) == "two"


def test_a_broken_file_is_reported_once_and_the_last_good_version_serves(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    write(path, "version: 1\nrules: [{reply: good}]\n")
    book = ScenarioBook()
    book.watch_roots([path])
    write(path, "version: 1\nrules:\n  - reply: {txt: bad}\n")
    assert book.refresh() == []
    assert (
        str(book.errors[path])
        == f"{path}:3: rules[0].reply: unknown key 'txt' (did you mean 'text'?)"
    )
    assert reply_text(book) == "good"
    write(path, "version: 1\nrules: [{reply: fixed}]\n")
    book.refresh()
    assert path not in book.errors
    assert reply_text(book) == "fixed"


def test_a_broken_file_at_start_does_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path / "bad.yaml", "version: 1\nsteps: oops\n")
    write(tmp_path / "good.yaml", "version: 1\nrules: [{reply: fine}]\n")
    book = book_for(Config(scenario_paths=[tmp_path]))
    assert reply_text(book) == "fine"
    assert list(book.errors) == [tmp_path / "bad.yaml"]


def test_config_files_come_before_bundled_and_python_before_both(tmp_path: Path) -> None:
    write(
        tmp_path / "mine.yaml",
        "version: 1\nname: mine\nrules: [{reply: m, match: {last_user_text: 'Hello, Claude'}}]\n",
    )
    book = book_for(Config(scenario_paths=[tmp_path], bundled_scenarios=True))
    assert book.answer(body("Hello, Claude!"), "k").step == "mine/rules[0]"
    book.add(Scenario("py", steps=[step("py")]))
    assert book.answer(body("Hello, Claude!"), "k").step == "py/steps[0]"
    book.reset()
    assert book.answer(body("Hello, Claude!"), "k").step == "mine/rules[0]"


def test_complete_mints_ids_links_results_and_fills_encrypted_fields() -> None:
    blocks = complete(
        [
            {"type": "server_tool_use", "name": "web_search", "input": {}},
            {"type": "web_search_tool_result", "content": [{"title": "T", "url": "https://e.com"}]},
            {
                "type": "code_execution_tool_result",
                "tool_use_id": "srvtoolu_x",
                "content": {"stdout": "4"},
            },
            {
                "type": "web_fetch_tool_result",
                "tool_use_id": "srvtoolu_y",
                "content": {"error_code": "url_not_allowed"},
            },
            {"type": "redacted_thinking"},
            {
                "type": "text",
                "text": "x",
                "citations": [{"type": "char_location", "cited_text": "x"}],
            },
        ]
    )
    use, search, code, fetch, redacted, text = blocks
    assert use["id"].startswith("srvtoolu_01")
    assert search["tool_use_id"] == use["id"]
    assert search["content"][0] == {
        "type": "web_search_result",
        "page_age": None,
        "title": "T",
        "url": "https://e.com",
        "encrypted_content": opaque("https://e.com"),
    }
    assert code["content"] == {
        "stdout": "4",
        "stderr": "",
        "return_code": 0,
        "content": [],
        "type": "code_execution_result",
    }
    assert fetch["content"] == {
        "type": "web_fetch_tool_result_error",
        "error_code": "url_not_allowed",
    }
    assert "data" not in redacted  # the signer mints it with the message
    assert text["citations"][0]["document_title"] is None
