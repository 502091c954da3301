"""Stage 1: who is calling, under which API version and betas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from multidict import CIMultiDictProxy

from ..config import Config
from ..contract.betas import KNOWN_BETAS
from ..contract.context import API_VERSIONS, RequestContext
from ..errors import Authentication, InvalidRequest


def bearer_key(headers: Mapping[str, str]) -> str:
    """The key from `Authorization: Bearer`, if that is how the client sent it."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return token.strip()
    return ""


_NO_BETAS: frozenset[str] = frozenset()
_NO_VALUES: tuple[str, ...] = ()


def check_version(values: Sequence[str]) -> str:
    if not values:
        raise InvalidRequest("anthropic-version: header is required")
    # A repeated header reaches the API as one comma-joined value, and is quoted so.
    version = values[0].strip() if len(values) == 1 else ", ".join(v.strip() for v in values)
    if version not in API_VERSIONS:
        raise InvalidRequest(f'anthropic-version: "{version}" is not a valid version')
    return version


def parse_betas(values: Sequence[str], config: Config) -> frozenset[str]:
    betas = [b.strip() for value in values for b in value.split(",") if b.strip()]
    unknown = [b for b in betas if b not in KNOWN_BETAS]
    if unknown and not config.any_beta:
        listed = ", ".join(f"`{b}`" for b in dict.fromkeys(unknown))
        raise InvalidRequest(
            f"Unexpected value(s) {listed} for the `anthropic-beta` header. Please consult our "
            "documentation at docs.anthropic.com or try again without the header."
        )
    return frozenset(betas)


def check_headers(
    headers: CIMultiDictProxy[str],
    config: Config,
    request_id: str,
    *,
    needs_version: bool = True,
) -> RequestContext:
    """Auth first, then version, then betas: the order the API reports them in.

    A client's usual headers are checked here without the helpers' calls (this runs on
    every request); anything else goes to the helpers, which word the errors.
    """
    # The API reads `x-api-key` first when a client sends both.
    key = headers.get("x-api-key", "").strip() or bearer_key(headers)
    if not key:
        raise Authentication("x-api-key header is required")
    if config.api_keys and key not in config.api_keys:
        raise Authentication("invalid x-api-key")
    version = ""
    if needs_version:
        versions = headers.getall("anthropic-version", _NO_VALUES)
        known = len(versions) == 1 and versions[0] in API_VERSIONS
        version = versions[0] if known else check_version(versions)
    given = headers.getall("anthropic-beta", _NO_VALUES)
    betas = parse_betas(given, config) if given else _NO_BETAS
    return RequestContext(
        request_id=request_id, api_key=key, version=version, betas=betas, headers=headers
    )
