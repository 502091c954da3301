"""Stage 1 on the OpenAI door: a Bearer key, no version header needed."""

from __future__ import annotations

from multidict import CIMultiDictProxy

from ..config import Config
from ..contract.context import VERSION_2023, RequestContext
from ..errors import Authentication
from ..http.headers import bearer_key


def check_openai_headers(
    headers: CIMultiDictProxy[str], config: Config, request_id: str
) -> RequestContext:
    """The OpenAI SDK sends its key as `Authorization: Bearer`; an `x-api-key` alone is
    refused, as the gateways documenting this door do (Bearer only there)."""
    key = bearer_key(headers)
    if not key:
        # Wording unverified: worded after OpenAI's own answer to a missing key.
        raise Authentication(
            "You didn't provide an API key. You need to provide your API key in an "
            "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        )
    if config.api_keys and key not in config.api_keys:
        raise Authentication("invalid x-api-key")
    # No betas travel through this door: the features that need them are not offered here.
    return RequestContext(
        request_id=request_id, api_key=key, version=VERSION_2023, betas=frozenset(), headers=headers
    )
