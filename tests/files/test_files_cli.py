"""`mockserver --files-max-mb`: the byte budget of the standalone server's file store."""

from __future__ import annotations

import anthropic
import pytest
from conftest import TEST_KEY
from test_cli import running


def test_files_max_mb_bounds_what_uploads_may_hold() -> None:
    with (
        running("--files-max-mb", "1") as (_, base_url, _lines),
        anthropic.Anthropic(base_url=base_url, api_key=TEST_KEY, max_retries=0) as sdk,
    ):
        kept = sdk.beta.files.upload(file=("half.bin", b"h" * 600_000))
        assert kept.size_bytes == 600_000
        with pytest.raises(anthropic.BadRequestError) as refused:
            sdk.beta.files.upload(file=("more.bin", b"m" * 600_000))
        assert refused.value.body["error"]["details"] == {"error_code": "storage_quota_exceeded"}
        assert [f.id for f in sdk.beta.files.list()] == [kept.id]
