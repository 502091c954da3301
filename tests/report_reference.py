"""The contract report as it was first computed: every exchange's features read afresh and
counted one by one. Kept as the reference the report's faster counting must agree with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from mockserver.report.contract_report import (
    _MAX_KEYS,
    OTHER,
    ContractReport,
    violations_of,
)
from mockserver.report.features import CATEGORIES, client_of
from mockserver.report.journal import Exchange
from mockserver.report.summary import RuleSummary, ViolationRecord

Features = dict[str, set[str]]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _kind(item: Mapping[str, Any], default: str = "?") -> str:
    kind = item.get("type")
    return kind if isinstance(kind, str) else default


def _header_features(headers: Mapping[str, str], found: Features) -> None:
    if version := headers.get("anthropic-version"):
        found["api_versions"].add(version)
    betas = headers.get("anthropic-beta", "")
    found["betas"].update(b.strip() for b in betas.split(",") if b.strip())
    if headers.get("x-api-key"):
        found["auth"].add("x-api-key")
    elif headers.get("authorization", "").lower().startswith("bearer "):
        found["auth"].add("bearer")
    else:
        found["auth"].add("none")
    found["clients"].add(client_of(headers))
    helpers = headers.get("x-stainless-helper", "")
    found["sdk_helpers"].update(h.strip() for h in helpers.split(",") if h.strip())


def _content_features(body: Mapping[str, Any], found: Features) -> None:
    kinds = found["request_blocks"]
    marked = [*_objects(body.get("tools")), *_objects(body.get("system"))]
    for message in _objects(body.get("messages")):
        if isinstance(role := message.get("role"), str):
            found["roles"].add(role)
        content = message.get("content")
        if isinstance(content, str):
            kinds.add("text (string content)")
        for block in _objects(content):
            kind = _kind(block)
            kinds.add(kind)
            marked.append(block)
            if kind == "tool_result":
                inner = _objects(block.get("content"))
                kinds.update(f"tool_result/{_kind(b)}" for b in inner)
                marked += inner
    marks = [m for part in marked if isinstance(m := part.get("cache_control"), dict)]
    if marks:
        found["caching"].add("cache_control on blocks")
        found["caching"].update(f"ttl {mark.get('ttl', '5m')}" for mark in marks)


def _setting_features(body: Mapping[str, Any], found: Features, *, create: bool) -> None:
    found["params"].update(str(key) for key in body)
    if create:
        found["streaming"].add("stream" if body.get("stream") is True else "no stream")
    found["tools"].update(_kind(t, default="custom (no type)") for t in _objects(body.get("tools")))
    if choice := _mapping(body.get("tool_choice")):
        found["tool_choice"].add(_kind(choice))
    if thinking := _mapping(body.get("thinking")):
        found["thinking"].add(_kind(thinking))
        if isinstance(display := thinking.get("display"), str):
            found["thinking"].add(f"display {display}")
    output = _mapping(body.get("output_config"))
    if isinstance(effort := output.get("effort"), str):
        found["effort"].add(effort)
    if fmt := _mapping(output.get("format")):
        found["structured_output"].add(f"output_config.format {_kind(fmt)}")
    if legacy := _mapping(body.get("output_format")):
        found["structured_output"].add(f"output_format {_kind(legacy)} (legacy)")
    if isinstance(body.get("cache_control"), dict):
        found["caching"].add("automatic (top-level cache_control)")
    edits = _objects(_mapping(body.get("context_management")).get("edits"))
    found["context_management"].update(_kind(edit) for edit in edits)


def _reply_features(exchange: Exchange, found: Features) -> None:
    if exchange.streamed and isinstance(exchange.response, list):
        for name, data in exchange.response:
            if name == "content_block_start":
                found["reply_blocks"].add(_kind(_mapping(data.get("content_block"))))
            elif name == "message_delta":
                stop = _mapping(data.get("delta")).get("stop_reason")
                found["stop_reasons"].update([stop] if isinstance(stop, str) else [])
        return
    message = exchange.message
    if message is None:
        return
    found["reply_blocks"].update(_kind(block) for block in _objects(message.get("content")))
    if isinstance(stop := message.get("stop_reason"), str):
        found["stop_reasons"].add(stop)


def reference_features(exchange: Exchange) -> Features:
    found: Features = {category: set() for category in CATEGORIES}
    if not exchange.path.startswith("/v1/"):
        return found
    _header_features(exchange.headers, found)
    body = exchange.body
    if exchange.path in {"/v1/messages", "/v1/messages/count_tokens"} and isinstance(body, Mapping):
        if isinstance(model := body.get("model"), str):
            found["models"].add(model)
        _setting_features(body, found, create=exchange.path == "/v1/messages")
        _content_features(body, found)
        _reply_features(exchange, found)
    return found


def _bump(counter: Counter[str], key: str) -> None:
    counter[key if key in counter or len(counter) < _MAX_KEYS else OTHER] += 1


def reference_report(exchanges: Iterable[Exchange], expected: Iterable[str] = ()) -> ContractReport:
    endpoints: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    features: dict[str, Counter[str]] = {c: Counter() for c in CATEGORIES}
    records = []
    requests = 0
    for exchange in exchanges:
        requests += 1
        _bump(endpoints, f"{exchange.method} {exchange.path}")
        _bump(statuses, str(exchange.status))
        for category, values in reference_features(exchange).items():
            for value in sorted(values):
                _bump(features[category], value)
        records.extend(violations_of(exchange))
    expected_ids = set(expected)
    real = {r.request_id for r in records if r.request_id not in expected_ids}
    return ContractReport(
        requests=requests,
        endpoints=dict(endpoints.most_common()),
        statuses=dict(sorted(statuses.items())),
        features={c: dict(v.most_common()) for c, v in features.items()},
        rules=_summarise_each(records, expected_ids),
        violating_requests=len(real),
    )


def _summarise_each(
    records: list[ViolationRecord], expected_ids: set[str]
) -> tuple[RuleSummary, ...]:
    """Every violation counted one by one (the report keeps a tally per request and rule)."""
    by_rule: dict[str, list[ViolationRecord]] = {}
    for record in records:
        by_rule.setdefault(record.rule, []).append(record)
    summaries = []
    for rule, found in by_rule.items():
        real = [r for r in found if r.request_id not in expected_ids]
        summaries.append(
            RuleSummary(
                rule,
                count=len(real),
                rejected=sum(r.outcome == "rejected" for r in real),
                warned=sum(r.outcome == "warned" for r in real),
                expected=len(found) - len(real),
                example=(real or found)[0],
            )
        )
    return tuple(sorted(summaries, key=lambda s: (-s.count, -s.expected, s.rule)))
