"""Message Batches through the official SDK: create, poll, results, cancel, delete, list."""

from __future__ import annotations

from typing import Any

import anthropic
import pytest
from conftest import MODEL, TEST_KEY, ServerFactory

from mockserver import MockServer
from mockserver.faults.ratelimit import RateLimits

DAY = 86_400


def params(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": MODEL,
        "max_tokens": 64,
        "messages": [{"role": "user", "content": text}],
        **extra,
    }


def sdk(server: MockServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.base_url, api_key=TEST_KEY, max_retries=0)


def test_mixed_batch_created_polled_and_its_results_read(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.reply_text("Positive.", last_user_text="great")
    batch = client.messages.batches.create(
        requests=[
            {"custom_id": "good-1", "params": params("This is great")},
            {"custom_id": "no_max_tokens", "params": {"model": MODEL, "messages": []}},
            {"custom_id": "unknown-model", "params": params("hi", model="claude-nope")},
            {"custom_id": "good-2", "params": params("Plain")},
        ]
    )
    # The create's answer is the batch as accepted, as the API's always is.
    assert batch.id.startswith("msgbatch_")
    assert batch.processing_status == "in_progress"
    assert batch.request_counts.processing == 4
    assert batch.results_url is None
    assert (batch.expires_at - batch.created_at).total_seconds() == pytest.approx(DAY)

    polled = client.messages.batches.retrieve(batch.id)
    assert polled.processing_status == "ended"
    counts = polled.request_counts
    assert (counts.succeeded, counts.errored, counts.processing) == (2, 2, 0)
    assert polled.ended_at is not None
    assert polled.results_url == f"{fresh.base_url}/v1/messages/batches/{batch.id}/results"

    results = {r.custom_id: r.result for r in client.messages.batches.results(batch.id)}
    assert list(results) == ["good-1", "no_max_tokens", "unknown-model", "good-2"]
    good = results["good-1"]
    assert good.type == "succeeded"
    assert good.message.content[0].type == "text"
    assert good.message.content[0].text == "Positive."
    assert good.message.usage.service_tier == "batch"
    assert results["good-2"].type == "succeeded"
    missing = results["no_max_tokens"]
    assert missing.type == "errored"
    assert missing.error.error.type == "invalid_request_error"
    assert missing.error.error.message == "max_tokens: Field required"
    unknown = results["unknown-model"]
    assert unknown.type == "errored"
    assert unknown.error.error.type == "not_found_error"
    assert unknown.error.error.message == "model: claude-nope"


def test_each_request_is_a_journaled_exchange(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    batch = client.messages.batches.create(
        requests=[
            {"custom_id": "a", "params": params("one")},
            {"custom_id": "b", "params": params("two", max_tokens="x")},
        ]
    )
    client.messages.batches.retrieve(batch.id)
    tagged = [e for e in fresh.journal.all() if e.extra.get("batch_id") == batch.id]
    assert [(e.extra["custom_id"], e.status) for e in tagged] == [("a", 200), ("b", 400)]
    assert tagged[0].message is not None
    assert tagged[0].body == params("one")
    assert tagged[1].rejected


def test_prompt_cache_is_read_between_requests_of_one_batch(
    client: anthropic.Anthropic,
) -> None:
    system = [{"type": "text", "text": "Rules. " * 900, "cache_control": {"type": "ephemeral"}}]
    batch = client.messages.batches.create(
        requests=[
            {"custom_id": f"r{n}", "params": params(f"question {n}", system=system)}
            for n in range(3)
        ]
    )
    client.messages.batches.retrieve(batch.id)
    usage = [r.result.message.usage for r in client.messages.batches.results(batch.id)]  # type: ignore[union-attr]
    assert usage[0].cache_creation_input_tokens
    assert not usage[0].cache_read_input_tokens
    assert usage[1].cache_read_input_tokens == usage[0].cache_creation_input_tokens
    assert usage[2].cache_read_input_tokens == usage[0].cache_creation_input_tokens


def test_scenario_steps_are_taken_in_request_order(
    fresh: MockServer, client: anthropic.Anthropic
) -> None:
    fresh.reply_text("First.")
    fresh.reply_text("Second.")
    batch = client.messages.batches.create(
        requests=[{"custom_id": c, "params": params("go")} for c in ("x", "y")]
    )
    client.messages.batches.retrieve(batch.id)
    texts = [r.result.message.content[0].text for r in client.messages.batches.results(batch.id)]  # type: ignore[union-attr]
    assert texts == ["First.", "Second."]


def test_cancel_mid_way_runs_what_was_due_and_cancels_the_rest(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(batch_processing_seconds=100)
    with sdk(server) as client:
        batch = client.messages.batches.create(
            requests=[{"custom_id": f"r{n}", "params": params("hi")} for n in range(4)]
        )
        server.advance_clock(30)
        polled = client.messages.batches.retrieve(batch.id)
        assert polled.processing_status == "in_progress"
        # Counts move only once the whole batch has ended; they add up meanwhile.
        assert polled.request_counts.processing == 4
        assert polled.results_url is None
        # Half way: the 1st and 2nd of four (due at 25 s and 50 s) -- only the 1st has run.
        server.advance_clock(25)
        canceling = client.messages.batches.cancel(batch.id)
        assert canceling.processing_status == "canceling"
        assert canceling.cancel_initiated_at is not None
        assert sum(canceling.request_counts.to_dict().values()) == 4
        ended = client.messages.batches.retrieve(batch.id)
        assert ended.processing_status == "ended"
        counts = ended.request_counts
        assert (counts.succeeded, counts.canceled, counts.processing) == (2, 2, 0)
        kinds = [r.result.type for r in client.messages.batches.results(batch.id)]
        assert kinds == ["succeeded", "succeeded", "canceled", "canceled"]
        # Canceled requests were never answered, so never journaled.
        assert len([e for e in server.journal.all() if e.extra.get("custom_id")]) == 2
        deleted = client.messages.batches.delete(batch.id)
        assert (deleted.id, deleted.type) == (batch.id, "message_batch_deleted")
        with pytest.raises(anthropic.NotFoundError):
            client.messages.batches.retrieve(batch.id)


def test_a_batch_in_progress_cannot_be_deleted_nor_read(server_factory: ServerFactory) -> None:
    server = server_factory(batch_processing_seconds=60)
    with sdk(server) as client:
        batch = client.messages.batches.create(
            requests=[{"custom_id": "only", "params": params("hi")}]
        )
        with pytest.raises(anthropic.BadRequestError):
            client.messages.batches.delete(batch.id)
        with pytest.raises(anthropic.AnthropicError, match="results_url"):
            list(client.messages.batches.results(batch.id))
        server.advance_clock(60)
        assert client.messages.batches.retrieve(batch.id).processing_status == "ended"
        with pytest.raises(anthropic.BadRequestError):
            client.messages.batches.cancel(batch.id)


def test_a_batch_longer_than_a_day_expires(server_factory: ServerFactory) -> None:
    server = server_factory(batch_processing_seconds=2 * DAY)
    with sdk(server) as client:
        batch = client.messages.batches.create(
            requests=[{"custom_id": f"r{n}", "params": params("hi")} for n in range(4)]
        )
        server.advance_clock(3 * DAY)
        ended = client.messages.batches.retrieve(batch.id)
        assert ended.ended_at == ended.expires_at
        counts = ended.request_counts
        # Due at 12 h and 24 h: the first ran, the second fell on the expiry.
        assert (counts.succeeded, counts.expired) == (1, 3)


def test_results_are_gone_after_29_days(server_factory: ServerFactory) -> None:
    server = server_factory()
    with sdk(server) as client:
        batch = client.messages.batches.create(
            requests=[{"custom_id": "only", "params": params("hi")}]
        )
        assert len(list(client.messages.batches.results(batch.id))) == 1
        server.advance_clock(29 * DAY)
        archived = client.messages.batches.retrieve(batch.id)
        assert archived.archived_at is not None
        with pytest.raises(anthropic.NotFoundError):
            list(client.messages.batches.results(batch.id))


def test_list_pages_newest_first(client: anthropic.Anthropic) -> None:
    made = [
        client.messages.batches.create(requests=[{"custom_id": "a", "params": params("hi")}]).id
        for _ in range(5)
    ]
    newest_first = made[::-1]
    first = client.messages.batches.list(limit=2)
    assert [b.id for b in first.data] == newest_first[:2]
    assert first.has_more
    assert first.last_id == newest_first[1]
    assert [b.id for b in client.messages.batches.list(limit=2)] == newest_first  # auto-paging
    back = client.messages.batches.list(before_id=newest_first[3], limit=2)
    assert [b.id for b in back.data] == newest_first[1:3]
    assert back.has_more is True


def test_create_refusals(client: anthropic.Anthropic) -> None:
    one = {"custom_id": "same", "params": params("hi")}
    cases: list[tuple[list[Any], str]] = [
        ([], "requests: List should have at least 1 item after validation, not 0"),
        (
            [{"custom_id": "bad id!", "params": params("hi")}],
            "requests.0.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'",
        ),
        ([{"custom_id": "x" * 65, "params": params("hi")}], "requests.0.custom_id: String"),
        ([{"custom_id": "p", "params": "hi"}], "requests.0.params: Input should be a valid"),
        ([one, one], "requests: custom_id must be unique"),
    ]
    for requests, message in cases:
        with pytest.raises(anthropic.BadRequestError) as caught:
            client.messages.batches.create(requests=requests)
        assert caught.value.body["error"]["message"].startswith(message)  # type: ignore[index]
    assert list(client.messages.batches.list()) == []


def test_unknown_batch_is_a_404(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.batches.retrieve("msgbatch_01nope")
    assert caught.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]


def test_faults_and_rate_limits_reach_the_create(fresh: MockServer) -> None:
    with sdk(fresh) as client:
        fresh.fail_next(529, endpoint="batches")
        with pytest.raises(anthropic.InternalServerError):
            client.messages.batches.create(requests=[{"custom_id": "a", "params": params("hi")}])
        # A fault on `messages` leaves batch creates alone.
        fresh.fail_next(529, endpoint="messages")
        client.messages.batches.create(requests=[{"custom_id": "a", "params": params("hi")}])
        fresh.clear_faults()
        fresh.set_rate_limits(RateLimits(requests_per_minute=1))
        client.messages.batches.create(requests=[{"custom_id": "a", "params": params("hi")}])
        with pytest.raises(anthropic.RateLimitError) as caught:
            client.messages.batches.create(requests=[{"custom_id": "a", "params": params("hi")}])
        assert caught.value.response.headers.get("retry-after")
