"""The inspector page in real headless Chromium: rows arrive live, an exchange opens, and
"copy as scenario step" gives YAML a fresh server answers the same request with."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import pytest
from conftest import MODEL, TEST_KEY, ServerFactory

from mockserver.server import MockServer

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium) for the page tests"
)

TOOLS: list[Any] = [
    {
        "name": "get_weather",
        "description": "The weather in a city.",
        "input_schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page(tmp_path: Any) -> Iterator[Any]:
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=FLAGS, headless=True
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


def client(server: MockServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.base_url, api_key=TEST_KEY, max_retries=0)


def tool_loop(api: anthropic.Anthropic) -> list[Any]:
    """A user question, the tool call, then the tool's result sent back on a stream; returns
    the second request's messages."""
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = api.messages.create(model=MODEL, max_tokens=200, messages=messages, tools=TOOLS)
    call = next(b for b in first.content if b.type == "tool_use")
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "18 °C"}],
        },
    ]
    with api.messages.stream(model=MODEL, max_tokens=200, messages=messages, tools=TOOLS) as s:
        s.get_final_message()
    return messages


def test_inspector_page_live_detail_and_copy_as_scenario(
    server_factory: ServerFactory, page: Any
) -> None:
    server = server_factory()
    page.goto(f"{server.base_url}/_mock/ui")
    page.wait_for_selector("#live.on")
    assert page.locator("#rows tr").count() == 0
    # Set on the page as loaded: still there afterwards means the rows came without a reload.
    page.evaluate("window.loadedOnce = true")

    with client(server) as api:
        messages = tool_loop(api)
        with pytest.raises(anthropic.BadRequestError) as refused:
            api.messages.create(
                model=MODEL, max_tokens=200, messages=[{"role": "user", "content": ""}]
            )

    page.wait_for_function("document.querySelectorAll('#rows tr').length === 3")
    assert page.evaluate("window.loadedOnce") is True
    # Newest first: the refused request heads the list.
    assert page.locator("#rows tr").first.get_attribute("data-status") == "400"

    # The stream: its events, in order, with when each went out.
    page.locator("#rows tr", has_text="stream").click()
    page.wait_for_selector("#detail table.events")
    events = page.locator("#detail table.events tr td:nth-child(2)").all_inner_texts()
    assert events[0] == "message_start"
    assert events[-1] == "message_stop"
    assert "content_block_delta" in events

    # The refused request: the rule and the API's wording, as the journal has them.
    page.locator('#rows tr[data-status="400"]').click()
    page.wait_for_selector("#detail .problem")
    problem = server.journal.last_call.problems[0]
    shown = page.locator("#detail .problem").first
    assert shown.locator(".rule").inner_text() == problem.rule
    assert problem.message in shown.inner_text()
    assert problem.message in str(refused.value)

    # Copy the streamed answer as a scenario step, read what the page produced.
    page.locator("#rows tr", has_text="stream").click()
    page.wait_for_selector("#detail #copy-scenario")
    page.locator("#copy-scenario").click()
    page.wait_for_function("document.querySelector('#copied').value.includes('steps:')")
    yaml_text = page.locator("#copied").input_value()

    original = next(e for e in server.journal.messages() if e.streamed)
    fresh = server_factory()
    loaded = httpx2.post(
        f"{fresh.base_url}/_mock/scenarios",
        content=yaml_text.encode(),
        headers={"content-type": "application/yaml"},
    )
    assert loaded.status_code == 200, loaded.text
    with (
        client(fresh) as api,
        api.messages.stream(model=MODEL, max_tokens=200, messages=messages, tools=TOOLS) as s,
    ):
        again = s.get_final_message()
    answered = fresh.journal.last_call
    assert answered.step is not None
    assert answered.step.endswith(original.request_id)
    assert again.stop_reason == original.message["stop_reason"]
    assert without_ids(answered.message["content"]) == without_ids(original.message["content"])
    assert "".join(b.text for b in again.content if b.type == "text") == original.reply_text


def without_ids(blocks: list[Any]) -> list[Any]:
    return [{k: v for k, v in b.items() if k != "id"} for b in blocks]
