"""Stages 3-4: is the request one the API would accept?

The JSON Schema is always enforced: a body of the wrong shape cannot be answered
meaningfully. The semantic rules follow the strictness switch: `strict` answers the first
violation as the API would, `warn` answers normally and only records, `off` skips them.
Every violation found is recorded on the exchange either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from .catalog import ModelSpec
from .context import RequestContext
from .errors import Problem
from .keys import Draft
from .semantics import check_semantics
from .state import ServerState

Kind = Literal["messages", "count_tokens"]


def check_shape(
    state: ServerState, draft: Draft, kind: Kind, body: dict[str, Any], ctx: RequestContext
) -> None:
    problems = state.validator.check(kind, body, ctx)
    if problems:
        draft.problems.extend(problems)
        raise problems[0].to_error()


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
