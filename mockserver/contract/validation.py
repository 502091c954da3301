"""Stage 3: is the body shaped as the API expects? Answered in the API's words.

The API checks a body against a different model per endpoint, `anthropic-version`
and beta-ness: under 2026-10-21 the sampling parameters are simply not part of it,
and the beta-only parameters, blocks and tools exist only when the request carries
an `anthropic-beta` header. Anything else is ``<name>: Extra inputs are not permitted``.
"""

from __future__ import annotations

from itertools import islice
from typing import Any, Literal

from ..errors import Problem
from .context import VERSION_2023, RequestContext
from .schema_errors import Finding, explain
from .schema_store import CompiledSchema, SchemaStore

Kind = Literal["messages", "count_tokens"]

# The errors of a body worded, at most: the answer quotes the first, and the journal and
# report gain nothing from thousands more. Unbounded, a body of 10,000 invalid blocks held
# the event loop for 27 s while the Python validator explored every union branch of each.
_MAX_ERRORS = 20

_REQUEST_ROOTS: dict[tuple[Kind, bool, bool], str] = {
    # (endpoint, beta header?, 2023-06-01?) -> root
    ("messages", False, False): "create_2026",
    ("messages", False, True): "create_2023",
    ("messages", True, False): "create_beta_2026",
    ("messages", True, True): "create_beta_2023",
    # count_tokens never took the sampling parameters, so both versions share a root.
    ("count_tokens", False, False): "count_tokens",
    ("count_tokens", False, True): "count_tokens",
    ("count_tokens", True, False): "count_tokens_beta",
    ("count_tokens", True, True): "count_tokens_beta",
}


class RequestValidator:
    """Checks request bodies; schemas are loaded and compiled here, once."""

    def __init__(self, store: SchemaStore | None = None) -> None:
        self._store = store or SchemaStore()
        self._roots = {
            key: self._store.compile(f"request.json#/$defs/{root}")
            for key, root in _REQUEST_ROOTS.items()
        }

    def check(self, kind: Kind, body: dict[str, Any], ctx: RequestContext) -> list[Problem]:
        """Every schema problem of the body, in the order the API would list them; [] if valid."""
        schema = self._roots[(kind, bool(ctx.betas), ctx.version == VERSION_2023)]
        # Nearly every body is valid: answered here, without the calls below.
        if schema.fast.is_valid(body):
            return []
        return [
            Problem(message=f.message, rule="schema", path=f.dotted)
            for f in _problems(self._store, schema, body)
        ]


class ResponseValidator:
    """Checks what the server sends against the response schemas; each answer lists problems."""

    def __init__(self, store: SchemaStore | None = None) -> None:
        self._store = store or SchemaStore()
        names = {
            "message": "response.json#/$defs/message",
            "beta_message": "response.json#/$defs/beta_message",
            "event": "stream-events.json#/$defs/event",
            "beta_event": "stream-events.json#/$defs/beta_event",
            "error": "errors.json#/$defs/error_response",
            "model": "models.json#/$defs/model_info",
            "models_page": "models.json#/$defs/models_page",
            "count_tokens": "models.json#/$defs/count_tokens",
        }
        self._schemas = {name: self._store.compile(ref) for name, ref in names.items()}

    def message(self, obj: Any, *, beta: bool = False) -> list[str]:
        """A complete (non-streamed) Message; `beta` for answers to beta requests."""
        return self._check("beta_message" if beta else "message", obj)

    def event(self, obj: Any, *, beta: bool = False) -> list[str]:
        """The `data` of one SSE frame."""
        return self._check("beta_event" if beta else "event", obj)

    def error(self, obj: Any) -> list[str]:
        """An error body: the envelope, or the edge's 413 shape."""
        return self._check("error", obj)

    def model(self, obj: Any) -> list[str]:
        return self._check("model", obj)

    def models_page(self, obj: Any) -> list[str]:
        return self._check("models_page", obj)

    def count_tokens(self, obj: Any) -> list[str]:
        return self._check("count_tokens", obj)

    def _check(self, name: str, obj: Any) -> list[str]:
        return [f.message for f in _problems(self._store, self._schemas[name], obj)]


def _problems(store: SchemaStore, schema: CompiledSchema, instance: Any) -> list[Finding]:
    # The compiled validator answers valid bodies (nearly all of them) in microseconds;
    # only an invalid one pays for the Python validator's error tree.
    if schema.fast.is_valid(instance):
        return []
    return explain(islice(schema.detailed.iter_errors(instance), _MAX_ERRORS), store.unions)
