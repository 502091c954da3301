"""Message batches as the server holds them, and where each stands at a given moment."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import ids
from ..contract.context import RequestContext

DAY = 86_400.0
# A batch still running 24 hours after creation expires: what had not run is `expired`.
EXPIRES_AFTER = DAY
# Results can be downloaded for 29 days after creation, then the batch is archived.
RETAINED_FOR = 29 * DAY
RESULT_KINDS = ("succeeded", "errored", "canceled", "expired")


def rfc3339(moment: float) -> str:
    """E.g. ``2026-11-24T18:37:24.100435Z``: the API's form of a timestamp."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Item:
    """One request of a batch; `result` is set once it has run (or will never run)."""

    custom_id: str
    params: dict[str, Any]
    # When the batch gets to it (the clock's time).
    due: float
    result: dict[str, Any] | None = None


@dataclass
class Batch:
    id: str
    # The create request's headers, key and version: each request is answered under them.
    ctx: RequestContext
    items: list[Item]
    created_at: float
    cancel_initiated_at: float | None = None
    # Set once every request has a result.
    ended_at: float | None = None

    @property
    def expires_at(self) -> float:
        return self.created_at + EXPIRES_AFTER

    @property
    def finishes_at(self) -> float:
        """When the last request is due, or the batch expires if that comes first."""
        return min(self.items[-1].due, self.expires_at)

    def archived(self, now: float) -> bool:
        return now >= self.created_at + RETAINED_FOR

    def due(self, now: float) -> Iterator[Item]:
        """The requests not yet run whose time has come (before the batch expired)."""
        until = min(now, self.expires_at)
        return (
            i for i in self.items if i.result is None and i.due <= until and i.due < self.expires_at
        )

    def close(self, at: float, kind: str) -> None:
        """End the batch: every request without a result gets `kind` (canceled, expired)."""
        for item in self.items:
            if item.result is None:
                item.result = {"type": kind}
        self.ended_at = at

    def counts(self) -> dict[str, int]:
        # Requests count as processing until the whole batch has ended (the API's rule), so
        # the figures always add up to the number of requests.
        tally = dict.fromkeys(("processing", *RESULT_KINDS), 0)
        if self.ended_at is None:
            tally["processing"] = len(self.items)
            return tally
        for item in self.items:
            tally[item.result["type"] if item.result else "processing"] += 1
        return tally

    def to_json(self, now: float, base_url: str, *, canceling: bool = False) -> dict[str, Any]:
        """The MessageBatch object. `canceling`: the answer to the cancel itself."""
        ended = self.ended_at is not None and not canceling
        status = "canceling" if canceling else "ended" if ended else "in_progress"
        return {
            "id": self.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": self.counts() if ended else self._all_processing(),
            "ended_at": rfc3339(self.ended_at) if ended and self.ended_at is not None else None,
            "created_at": rfc3339(self.created_at),
            "expires_at": rfc3339(self.expires_at),
            "archived_at": (
                rfc3339(self.created_at + RETAINED_FOR) if self.archived(now) else None
            ),
            "cancel_initiated_at": (
                rfc3339(self.cancel_initiated_at) if self.cancel_initiated_at is not None else None
            ),
            # Absolute, from the host the client called: the SDK fetches it as given.
            "results_url": f"{base_url}/v1/messages/batches/{self.id}/results" if ended else None,
        }

    def _all_processing(self) -> dict[str, int]:
        return {"processing": len(self.items)} | dict.fromkeys(RESULT_KINDS, 0)


@dataclass
class BatchStore:
    """Every batch the server was sent, oldest first (listed newest first)."""

    _batches: dict[str, Batch] = field(default_factory=dict)

    def add(
        self,
        ctx: RequestContext,
        requests: Sequence[tuple[str, dict[str, Any]]],
        now: float,
        processing_seconds: float,
    ) -> Batch:
        # The requests are spread evenly over the processing time, so a batch canceled part
        # way has run about that share of them.
        count = len(requests)
        items = [
            Item(custom_id, params, now + processing_seconds * (n + 1) / count)
            for n, (custom_id, params) in enumerate(requests)
        ]
        batch = Batch(ids.new_id("msgbatch"), ctx, items, created_at=now)
        self._batches[batch.id] = batch
        return batch

    def get(self, batch_id: str) -> Batch | None:
        return self._batches.get(batch_id)

    def remove(self, batch_id: str) -> None:
        del self._batches[batch_id]

    def newest_first(self) -> list[Batch]:
        return list(reversed(self._batches.values()))

    def clear(self) -> None:
        self._batches.clear()


def result_line(item: Item) -> Mapping[str, Any]:
    return {"custom_id": item.custom_id, "result": item.result}
