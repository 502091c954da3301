"""What keeps a web page from driving the admin API through the user's browser.

The admin API trusts loopback clients without a token, and a browser on the same machine
is one. A page from any site can send it simple requests (a form post, `fetch` with a
text body; no preflight), and a page whose name the attacker re-points at 127.0.0.1 (DNS
rebinding) can even read the answers. So the admin API refuses:

- an `Origin` that is not the server's own (or one the config allows): browsers send it
  with every cross-site request but a plain navigation;
- a body whose content type a page may send without a preflight (form, text): the admin
  API takes JSON (and YAML for scenarios);
- from loopback clients, a `Host` that is not one of the server's own local names.
  Clients off loopback need the admin token, which no page has.
"""

from __future__ import annotations

from collections.abc import Collection

from aiohttp import web

ANY_ORIGIN = "*"
_LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")
_JSON = "application/json"
_YAML = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _own_hosts(request: web.Request, configured: str) -> set[str] | None:
    """Host header values that name this server: its local names and the configured host,
    each with the port the request came in on (None: the connection is gone)."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if not sockname:
        return None
    host = f"[{configured}]" if ":" in configured else configured
    return {f"{name}:{sockname[1]}".lower() for name in (*_LOCAL_NAMES, host)}


def check_browser(
    request: web.Request, *, host: str, allowed_origins: Collection[str], loopback: bool
) -> None:
    """Raise Refused for what a web page, not a test, would send (see the module)."""
    headers = request.headers
    origin, given = headers.get("origin"), headers.get("host") if loopback else None
    if origin is not None and (ANY_ORIGIN in allowed_origins or origin in allowed_origins):
        origin = None
    if origin is not None or given is not None:
        own = _own_hosts(request, host) or set()
        if origin is not None and origin.lower().removeprefix("http://") not in own:
            raise Refused(403, f"the admin API does not answer pages from {origin}")
        if given is not None and own and given.lower() not in own:
            raise Refused(403, f"the admin API does not answer for host {given!r}")
    content_type = headers.get("content-type")
    if content_type is not None and request.body_exists:
        media = content_type.split(";", 1)[0].strip().lower()
        if media != _JSON and not media.endswith("+json") and media not in _YAML:
            raise Refused(
                415,
                f"the admin API takes JSON bodies (content-type: application/json; YAML for "
                f"scenarios: application/yaml), not {media!r}",
            )
