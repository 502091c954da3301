"""The list endpoints' page: `before_id` / `after_id` / `limit` in, `data`, `has_more`,
`first_id`, `last_id` out (models and message batches page alike)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..errors import InvalidRequest

T = TypeVar("T")


def page_limit(raw: str | None) -> int:
    if raw is None:
        return 20
    try:
        limit = int(raw)
    except ValueError:
        raise InvalidRequest(
            "limit: Input should be a valid integer, unable to parse string as an integer"
        ) from None
    if limit < 1:
        raise InvalidRequest("limit: Input should be greater than or equal to 1")
    if limit > 1000:
        raise InvalidRequest("limit: Input should be less than or equal to 1000")
    return limit


def id_page(
    items: Sequence[T],
    id_of: Callable[[T], str],
    query: Mapping[str, str],
    noun: str,
    render: Callable[[T], Any],
) -> dict[str, Any]:
    """The page of `items` (in list order) the query asks for; `noun` names an item in the
    error for a cursor that is not in the list."""
    limit = page_limit(query.get("limit"))
    before, after = query.get("before_id"), query.get("after_id")
    if before and after:
        raise InvalidRequest("before_id and after_id cannot both be set")
    if after:
        start = _index_of(items, id_of, after, "after_id", noun) + 1
        page = items[start : start + limit]
        has_more = start + limit < len(items)
    elif before:
        end = _index_of(items, id_of, before, "before_id", noun)
        page = items[max(0, end - limit) : end]
        has_more = end - limit > 0
    else:
        page = items[:limit]
        has_more = limit < len(items)
    return {
        "data": [render(item) for item in page],
        "has_more": has_more,
        "first_id": id_of(page[0]) if page else None,
        "last_id": id_of(page[-1]) if page else None,
    }


def _index_of(
    items: Sequence[T], id_of: Callable[[T], str], cursor: str, name: str, noun: str
) -> int:
    for i, item in enumerate(items):
        if id_of(item) == cursor:
            return i
    # Wording unverified: the API's answer to an unknown cursor is not documented.
    raise InvalidRequest(f"{name}: no {noun} with id {cursor!r} in this list")
