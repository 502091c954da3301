"""A web page cannot drive the admin API: requests from a foreign Origin, for a foreign
Host (DNS rebinding) or with a form or text body are refused (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from conftest import MODEL, ServerFactory, api_headers
from test_cli import running

from mockserver.server import MockServer

PLAIN = {"model": MODEL, "max_tokens": 20, "messages": [{"role": "user", "content": "Hello"}]}
SCENARIO = "version: 1\nsteps:\n  - reply: {text: from the page}\n"


@pytest.fixture
def admin(fresh: MockServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=f"{fresh.base_url}/_mock", timeout=10) as client:
        yield client


def serves(server: MockServer) -> None:
    answer = httpx2.post(f"{server.base_url}/v1/messages", json=PLAIN, headers=api_headers())
    assert answer.status_code == 200
    assert answer.json()["content"][0]["text"] != "from the page"


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
def test_a_foreign_origin_is_refused(fresh: MockServer, admin: httpx2.Client, origin: str) -> None:
    for method, path, options in (
        ("POST", "/reset", {}),
        ("POST", "/scenarios", {"json": {"version": 1, "steps": [{"reply": {"text": "x"}}]}}),
        ("GET", "/journal", {}),
    ):
        answer = admin.request(method, path, headers={"origin": origin}, **options)
        assert answer.status_code == 403
        assert answer.json()["error"] == f"the admin API does not answer pages from {origin}"
    assert fresh.scenarios == []
    serves(fresh)


def test_the_servers_own_origin_is_accepted(fresh: MockServer, admin: httpx2.Client) -> None:
    port = fresh.port
    for origin in (fresh.base_url, f"http://localhost:{port}"):
        assert admin.post("/reset", headers={"origin": origin}).status_code == 200


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", SCENARIO),
        ("application/x-www-form-urlencoded", "version=1"),
        ("multipart/form-data; boundary=x", "--x--"),
    ],
)
def test_form_and_text_bodies_are_refused(
    fresh: MockServer, admin: httpx2.Client, content_type: str, body: str
) -> None:
    for method, path in (("POST", "/scenarios"), ("PUT", "/scenarios"), ("POST", "/clock/advance")):
        answer = admin.request(method, path, content=body, headers={"content-type": content_type})
        assert answer.status_code == 415
        assert "content-type: application/json" in answer.json()["error"]
    assert fresh.scenarios == []
    serves(fresh)


def test_json_and_yaml_bodies_still_work(fresh: MockServer, admin: httpx2.Client) -> None:
    assert admin.post("/clock/advance", json={"seconds": 1}).status_code == 200
    yaml_type = {"content-type": "application/yaml"}
    assert admin.post("/scenarios", content=SCENARIO, headers=yaml_type).status_code == 200
    # A client that names no type (curl --data-binary with -H dropped, httpx content=).
    assert admin.post("/scenarios", content=SCENARIO).status_code == 200
    assert admin.post("/reset").status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1"])
def test_a_foreign_host_is_refused(fresh: MockServer, admin: httpx2.Client, host: str) -> None:
    # What a DNS-rebinding page's requests carry: its own name, resolved to 127.0.0.1.
    name = host.format(port=fresh.port)
    answer = admin.post("/reset", headers={"host": name})
    assert answer.status_code == 403
    assert answer.json()["error"] == f"the admin API does not answer for host {name!r}"
    assert admin.get("/journal", headers={"host": name}).status_code == 403


def test_every_local_name_of_the_server_is_accepted(
    fresh: MockServer, admin: httpx2.Client
) -> None:
    for host in ("127.0.0.1", "localhost", "LOCALHOST", "[::1]"):
        answer = admin.get("/health", headers={"host": f"{host}:{fresh.port}"})
        assert answer.status_code == 200


def test_an_allowed_origin_is_configurable(server_factory: ServerFactory) -> None:
    server = server_factory(admin_allow_origins=frozenset({"http://localhost:3000"}))
    with httpx2.Client(base_url=f"{server.base_url}/_mock", timeout=10) as admin:
        allowed = admin.post("/reset", headers={"origin": "http://localhost:3000"})
        assert allowed.status_code == 200
        other = admin.post("/reset", headers={"origin": "http://localhost:3001"})
        assert other.status_code == 403
    anyone = server_factory(admin_allow_origins=frozenset({"*"}))
    answer = httpx2.post(f"{anyone.base_url}/_mock/reset", headers={"origin": "http://x.example"})
    assert answer.status_code == 200


def test_the_api_itself_is_not_affected(fresh: MockServer) -> None:
    # Browsers may call the Messages API directly (with the SDK's dangerous-direct flag).
    headers = api_headers(origin="http://app.example")
    answer = httpx2.post(f"{fresh.base_url}/v1/messages", json=PLAIN, headers=headers)
    assert answer.status_code == 200


def test_the_command_line_flag() -> None:
    flag = ("--no-bundled", "--admin-allow-origin", "http://localhost:3000")
    with running(*flag) as (proc, url, _lines):
        allowed = httpx2.post(f"{url}/_mock/reset", headers={"origin": "http://localhost:3000"})
        refused = httpx2.post(f"{url}/_mock/reset", headers={"origin": "http://evil.example"})
        proc.terminate()
    assert allowed.status_code == 200
    assert refused.status_code == 403
