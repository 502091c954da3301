#!/usr/bin/env python3
"""What the newest Python SDK knows that mockserver does not, and the other way round.

    python compat/drift.py [--sdk-python PATH] [--server-src PATH] [--json]

The SDK side is read from the `anthropic` package's types, in the venv of the newest SDK
pin the harness installs (compat/.cache/anthropic-py/…; installed if missing), or in the
Python given with --sdk-python:
  models        the `Model` literal
  betas         `AnthropicBetaParam`
  request       the fields of the create and count_tokens param TypedDicts, stable and beta
  blocks        the `type` of each member of the request and response content-block unions
  tools         the `type` of each member of the tool unions
  errors        the `ErrorType` literal
  headers       the create/count_tokens params the SDK sends as headers (not body fields)
mockserver's side: mockserver/data/models.yaml (ids and aliases), KNOWN_BETAS in
mockserver/contract/betas.py, schemas/request.json, content-blocks.json, response.json and
tools.json, the error types of mockserver/errors.py, and the header names its code reads.

Prints, per kind, what the SDK has that mockserver lacks (`+`) and what mockserver has that
the SDK no longer names (`-`). Information, not a verdict: the exit status is 0 whenever
the report was made.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Run in the SDK's venv: prints the SDK's side as JSON. Standard library and the SDK only.
SDK_SIDE = r"""
import json, typing
import anthropic
from anthropic import types as t
from anthropic.types import beta as b
from anthropic.types import message_create_params as mcp, message_count_tokens_params as mctp
from anthropic.types.beta import message_create_params as bmcp
from anthropic.types.beta import message_count_tokens_params as bmctp
from anthropic.types.shared import error_type

FORMS = (typing.Union, typing.Literal, typing.Annotated, typing.Optional)
WRAPPERS = {"Required", "NotRequired", "ReadOnly", "Annotated", "Optional"}

def literals(tp):
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return [v for v in typing.get_args(tp) if isinstance(v, str)]
    out = []
    for arg in typing.get_args(tp):
        if not isinstance(arg, (str, int, float)):
            out += literals(arg)
    return out

def members(union):
    origin = typing.get_origin(union)
    args = typing.get_args(union)
    if origin is typing.Annotated:
        return members(args[0])
    if args and origin is typing.Union:
        out = []
        for arg in args:
            out += members(arg)
        return out
    return [union]

def type_of(cls):
    if hasattr(cls, "model_fields"):
        field = cls.model_fields.get("type")
        return literals(field.annotation) if field else []
    hints = typing.get_type_hints(cls, include_extras=True)
    return literals(hints["type"]) if "type" in hints else []

def block_types(union):
    out = {}
    for cls in members(union):
        for value in type_of(cls):
            out[value] = cls.__name__
    return out

def fields(typed_dict):
    return sorted(set(typed_dict.__required_keys__) | set(typed_dict.__optional_keys__))

def header_params(*methods):
    # Params the SDK sends as headers: `"anthropic-x": param` in the method's source.
    import inspect, re
    found = {}
    for method in methods:
        source = inspect.getsource(method)
        for header, name in re.findall(r'"([a-z0-9-]+)":\s*([a-z_]+)\b', source):
            if header.startswith(("anthropic-", "x-")):
                found[name] = header
    return found

from anthropic.resources.messages import Messages
from anthropic.resources.beta.messages import Messages as BetaMessages

print(json.dumps({
    "version": anthropic.__version__,
    "models": literals(t.Model),
    "betas": literals(t.AnthropicBetaParam),
    "request": {
        "create": fields(mcp.MessageCreateParamsStreaming),
        "create (beta)": fields(bmcp.MessageCreateParamsStreaming),
        "count_tokens": fields(mctp.MessageCountTokensParams),
        "count_tokens (beta)": fields(bmctp.MessageCountTokensParams),
    },
    "blocks": {
        "request": block_types(t.ContentBlockParam),
        "request (beta)": block_types(b.BetaContentBlockParam),
        "response": block_types(t.ContentBlock),
        "response (beta)": block_types(b.BetaContentBlock),
    },
    "tools": {
        "tools": block_types(t.ToolUnionParam),
        "tools (beta)": block_types(b.BetaToolUnionParam),
    },
    "errors": literals(error_type.ErrorType),
    "headers": header_params(
        Messages.create, Messages.count_tokens, BetaMessages.create, BetaMessages.count_tokens
    ),
}))
"""

# Params the SDK sends as request options rather than body fields, or that the create
# TypedDict carries for its overloads: not fields of the JSON body.
NOT_BODY = {"betas", "extra_headers", "extra_query", "extra_body", "timeout"}


# ---------------------------------------------------------------- the SDK side


def newest_sdk_python() -> Path:
    sys.path.insert(0, str(HERE))
    import run  # noqa: PLC0415  (the harness, beside this file: its pins and installs)

    pins = [d for d in run.DRIVERS if d.client == "anthropic-py" and d.newest_line]
    if not pins:
        raise SystemExit("no Python SDK pin in compat/run.py")
    driver = pins[0]
    run.ensure_installed(driver, force=False)
    return driver.cache / "venv" / "bin" / "python"


def sdk_side(python: Path) -> dict[str, Any]:
    answer = subprocess.run(
        [str(python), "-c", SDK_SIDE], capture_output=True, text=True, check=False
    )
    if answer.returncode != 0:
        raise SystemExit(f"could not read the SDK's types with {python}:\n{answer.stderr}")
    side: dict[str, Any] = json.loads(answer.stdout)
    return side


# ---------------------------------------------------------------- mockserver's side


class Schemas:
    """schemas/*.json, with `$ref`s followed across files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, dict[str, Any]] = {}

    def file(self, name: str) -> dict[str, Any]:
        if name not in self.files:
            self.files[name] = json.loads((self.folder / name).read_text())
        return self.files[name]

    def resolve(self, ref: str, current: str) -> tuple[dict[str, Any], str]:
        name, _, pointer = ref.partition("#")
        name = name or current
        node: Any = self.file(name)
        for part in filter(None, pointer.split("/")):
            node = node[part]
        return node, name

    def deref(self, node: dict[str, Any], current: str) -> tuple[dict[str, Any], str]:
        while "$ref" in node:
            node, current = self.resolve(node["$ref"], current)
        return node, current

    def properties(self, name: str, definition: str) -> set[str]:
        node, _ = self.deref(self.file(name)["$defs"][definition], name)
        return set(node.get("properties", {}))

    def tags(self, name: str, definition: str) -> set[str]:
        """The `type` values a union definition accepts."""
        return set(self._tags(self.file(name)["$defs"][definition], name))

    def _tags(self, node: dict[str, Any], current: str) -> Iterator[str]:
        node, current = self.deref(node, current)
        for key in ("anyOf", "oneOf"):
            for option in node.get(key, []):
                yield from self._tags(option, current)
        kind = node.get("properties", {}).get("type", {})
        if "const" in kind:
            yield kind["const"]
        yield from (v for v in kind.get("enum", []) if isinstance(v, str))


def mock_side(source: Path) -> dict[str, Any]:
    sys.path.insert(0, str(source))
    # From the source tree given, not whichever mockserver is installed.
    import yaml  # noqa: PLC0415

    from mockserver import errors  # noqa: PLC0415
    from mockserver.contract.betas import KNOWN_BETAS  # noqa: PLC0415

    catalog = yaml.safe_load((source / "mockserver" / "data" / "models.yaml").read_text())
    models: dict[str, str] = {}
    for model in catalog["models"]:
        lifecycle = model.get("lifecycle", catalog["defaults"].get("lifecycle", "active"))
        for name in (model["id"], *model.get("aliases", ())):
            models[name] = str(lifecycle)

    def subclasses(cls: type[errors.ApiError]) -> Iterator[type[errors.ApiError]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    kinds: list[type[errors.ApiError]] = [errors.ApiError, *subclasses(errors.ApiError)]
    error_types = {kind.error_type for kind in kinds}
    schemas = Schemas(source / "schemas")
    request = {
        "create": schemas.properties("request.json", "create_2023")
        | schemas.properties("request.json", "create_2026"),
        "create (beta)": schemas.properties("request.json", "create_beta_2023")
        | schemas.properties("request.json", "create_beta_2026"),
        "count_tokens": schemas.properties("request.json", "count_tokens"),
        "count_tokens (beta)": schemas.properties("request.json", "count_tokens_beta"),
    }
    blocks = {
        "request": schemas.tags("content-blocks.json", "block"),
        "request (beta)": schemas.tags("content-blocks.json", "beta_block"),
        "response": schemas.tags("response.json", "block"),
        "response (beta)": schemas.tags("response.json", "beta_block"),
    }
    tools = {
        "tools": schemas.tags("tools.json", "tool"),
        "tools (beta)": schemas.tags("tools.json", "beta_tool"),
    }
    code = "\n".join(p.read_text() for p in (source / "mockserver").rglob("*.py"))
    headers = set(re.findall(r"[\"'](anthropic-[a-z0-9-]+|x-[a-z0-9-]+)[\"']", code))
    return {
        "headers": headers,
        "models": models,
        "betas": set(KNOWN_BETAS),
        "request": request,
        "blocks": blocks,
        "tools": tools,
        "errors": error_types,
    }


# ---------------------------------------------------------------- the report


def compare(sdk: dict[str, Any], mock: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """{section: {"sdk only": [...], "mock only": [...]}}."""
    report: dict[str, dict[str, list[str]]] = {}

    def add(
        section: str, theirs: set[str], ours: set[str], note: dict[str, str] | None = None
    ) -> None:
        note = note or {}
        report[section] = {
            "sdk only": sorted(theirs - ours),
            "mock only": [f"{n} ({note[n]})" if n in note else n for n in sorted(ours - theirs)],
        }

    add("models", set(sdk["models"]), set(mock["models"]), mock["models"])
    add("betas", set(sdk["betas"]), mock["betas"])
    for part, names in sdk["request"].items():
        body = set(names) - NOT_BODY - set(sdk["headers"])
        add(f"request fields: {part}", body, mock["request"][part])
    for part, types in sdk["blocks"].items():
        add(f"content blocks: {part}", set(types), mock["blocks"][part])
    for part, types in sdk["tools"].items():
        add(f"tool types: {part}", set(types), mock["tools"][part])
    add("error types", set(sdk["errors"]), mock["errors"])
    headers = sdk["headers"]
    report["headers sent for params"] = {
        "sdk only": sorted(
            f"{h} (param {n})" for n, h in headers.items() if h not in mock["headers"]
        ),
        "mock only": [],
    }
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdk-python", type=Path, help="a Python with the SDK to read")
    parser.add_argument(
        "--server-src", type=Path, default=ROOT, help="mockserver's source tree (default: this one)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    python = args.sdk_python or newest_sdk_python()
    sdk = sdk_side(python)
    mock = mock_side(args.server_src.resolve())
    report = compare(sdk, mock)
    if args.json:
        print(json.dumps({"sdk": sdk["version"], "report": report}, indent=1))
        return 0
    where = os.path.relpath(python, Path.cwd())
    print(f"drift between anthropic {sdk['version']} ({where}) and mockserver ({args.server_src})")
    print("  + the SDK knows it, mockserver does not    - mockserver knows it, the SDK does not")
    total = 0
    for section, sides in report.items():
        if not sides["sdk only"] and not sides["mock only"]:
            print(f"{section}: same")
            continue
        print(f"{section}:")
        for name in sides["sdk only"]:
            print(f"  + {name}")
        for name in sides["mock only"]:
            print(f"  - {name}")
        total += len(sides["sdk only"]) + len(sides["mock only"])
    print(f"{total} difference(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
