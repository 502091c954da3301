"""Stage 1: who is calling, under which API version and betas."""

from __future__ import annotations

from collections.abc import Mapping

from multidict import CIMultiDictProxy

from .betas import KNOWN_BETAS
from .config import Config
from .context import API_VERSIONS, RequestContext
from .errors import Authentication, InvalidRequest


def api_key_of(headers: Mapping[str, str]) -> str:
    """The key from `x-api-key`, else from `Authorization: Bearer`.

    The API reads `x-api-key` first when a client sends both.
    """
    key = headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return token.strip()
    return ""


_NO_BETAS: frozenset[str] = frozenset()


def check_auth(headers: Mapping[str, str], config: Config) -> str:
    key = api_key_of(headers)
    if not key:
        raise Authentication("x-api-key header is required")
    if config.api_keys and key not in config.api_keys:
        raise Authentication("invalid x-api-key")
    return key


def check_version(values: list[str]) -> str:
    if not values:
        raise InvalidRequest("anthropic-version: header is required")
    # A repeated header reaches the API as one comma-joined value, and is quoted so.
    version = values[0].strip() if len(values) == 1 else ", ".join(v.strip() for v in values)
    if version not in API_VERSIONS:
        raise InvalidRequest(f'anthropic-version: "{version}" is not a valid version')
    return version


def parse_betas(values: list[str], config: Config) -> frozenset[str]:
    if not values:
        return _NO_BETAS
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
    """Auth first, then version, then betas: the order the API reports them in."""
    key = check_auth(headers, config)
    version = check_version(headers.getall("anthropic-version", [])) if needs_version else ""
    betas = parse_betas(headers.getall("anthropic-beta", []), config)
    return RequestContext(
        request_id=request_id, api_key=key, version=version, betas=betas, headers=headers
    )
