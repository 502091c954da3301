"""Stages 3-4: is the request one the API would accept?

The JSON Schema is always enforced: a body of the wrong shape cannot be answered
meaningfully. The semantic rules follow the strictness switch: `strict` answers the first
violation as the API would, `warn` answers normally and only records, `off` skips them.
Every violation found is recorded on the exchange either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from ..catalog import ModelSpec
from ..draft import Draft
from ..errors import Problem
from ..state import ServerState
from .context import RequestContext
from .semantics import check_semantics
from .tool_schemas import tool_schema_problem

Kind = Literal["messages", "count_tokens"]


def check_shape(
    state: ServerState, draft: Draft, kind: Kind, body: dict[str, Any], ctx: RequestContext
) -> None:
    problems = state.validator.check(kind, body, ctx)
    if problems:
        draft.problems.extend(problems)
        raise problems[0].to_error()
    integral_counts(body)
    # Part of the shape, whatever the strictness: the API's schema stage refuses an invalid
    # input_schema, and a forced call to such a tool could not be answered meaningfully.
    tools = body.get("tools")
    if tools is not None:
        bad_schema = tool_schema_problem(tools)
        if bad_schema is not None:
            draft.problems.append(bad_schema)
            raise bad_schema.to_error()


def integral_counts(body: dict[str, Any]) -> None:
    """`max_tokens` and `thinking.budget_tokens` sent as whole floats (`5.0`) become ints.

    JSON Schema counts 5.0 as an integer, so it passed the schema; the API's validators are
    pydantic's (lax mode), which take a float without a fractional part as that integer
    (a guess: no public report shows `max_tokens: 5.0` answered). Every later stage reads
    these as ints: without this, 70000.0 skipped the model maximum, 5.0 was not cut and
    0.0 was no pre-warm. orjson reads integers of 2^64 and over as floats, which land here
    too and meet the maximum as the integers they were.
    """
    max_tokens = body.get("max_tokens")
    if type(max_tokens) is float:
        body["max_tokens"] = int(max_tokens)
    thinking = body.get("thinking")
    if type(thinking) is dict and type(thinking.get("budget_tokens")) is float:
        thinking["budget_tokens"] = int(thinking["budget_tokens"])


def check_rules(
    state: ServerState,
    draft: Draft,
    kind: Kind,
    body: dict[str, Any],
    ctx: RequestContext,
    *,
    model: ModelSpec | None,
    extra: Iterable[Problem | None] = (),
) -> None:
    if state.strictness == "off":
        return
    notes: list[Problem] = []
    problems = check_semantics(
        kind, body, ctx, model, state.signer, signatures=state.signatures, notes=notes
    )
    for p in extra:
        if p is not None:
            problems.append(p)
    if notes:
        draft.notices = notes
        # Under warn every doubt is a warning: answered with the violation headers too.
        if state.strictness == "warn":
            problems += notes
    if not problems:
        return
    draft.problems.extend(problems)
    if state.strictness == "strict":
        raise problems[0].to_error()
