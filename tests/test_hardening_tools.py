"""Tool definitions the API accepts never crash the server; client tool schemas are checked
as the API checks them, and the default reply's input generator stays bounded (issue 15)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from conftest import MODEL, api_headers


@pytest.mark.parametrize("toolset", ["browser_toolset_20260801", "computer_toolset_20260801"])
@pytest.mark.parametrize("path", ["/v1/messages", "/v1/messages/count_tokens"])
def test_toolset_configs_with_an_object_under_type_are_counted(
    http: httpx2.Client, toolset: str, path: str
) -> None:
    body: dict[str, Any] = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": toolset, "configs": {"type": {}}}],
    }
    if path == "/v1/messages":
        body["max_tokens"] = 20
    reply = http.post(path, json=body, headers=api_headers())
    assert reply.status_code == 200, reply.text
