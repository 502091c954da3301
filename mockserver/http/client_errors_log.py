"""aiohttp logs a client's malformed request as a server failure, with a traceback.

A body that does not decompress, an encoding it cannot decode (`br`, `zstd`), a header
line over its limit: each is the client's fault, answered with a 400, yet aiohttp's
server logger reports it at ERROR with a stack, as if the server had broken. This filter
turns those records into one line at INFO; every other record passes unchanged.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError

_CLIENT_FAULTS = (HttpProcessingError, RequestPayloadError)


class ClientFaultFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, _CLIENT_FAULTS):
            reason = str(exc).replace("\n", " ").strip()
            record.msg = f"a malformed request ({record.getMessage()}): {reason}"
            record.args = ()
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def quiet_client_faults() -> None:
    """Install the filter on aiohttp's server logger (once per process)."""
    logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ClientFaultFilter) for f in logger.filters):
        logger.addFilter(ClientFaultFilter())
