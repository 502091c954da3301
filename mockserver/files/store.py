"""The files each API key has uploaded: in memory, within one byte budget, expiring on the
server's clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import ids
from ..clock import Clock

# The API's own limit on one upload (its edge answers a larger body with 413).
MAX_UPLOAD_BYTES = 500 * 1024 * 1024

_new_file_id = ids.new_id


def rfc3339(seconds: float) -> str:
    """`2026-12-06T03:53:38.123456Z`: the form the API writes its timestamps in."""
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class StoredFile:
    id: str
    api_key: str
    filename: str
    mime_type: str
    size_bytes: int
    created_at: float
    expires_at: float | None
    # Uploads are never downloadable; files a tool made (code execution output) are.
    downloadable: bool
    # Dropped (and its bytes returned to the budget) once the file expires: the API keeps
    # an expired file's metadata but its bytes are gone for good.
    content: bytes | None
    # Upload order within the store: list pages and their cursors go by it.
    seq: int

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def metadata(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "file",
            "filename": self.filename,
            "mime_type": self.mime_type,
            "size_bytes": self.size_bytes,
            "created_at": rfc3339(self.created_at),
            "downloadable": self.downloadable,
            "expires_at": None if self.expires_at is None else rfc3339(self.expires_at),
        }


class OverBudget(Exception):
    """The store cannot take this many more bytes."""


@dataclass
class FileStore:
    clock: Clock
    # Bytes all keys' files may hold together (Config.files_max_bytes).
    budget: int
    _files: dict[str, StoredFile] = field(default_factory=dict)
    _held: int = 0
    _seq: int = 0

    @property
    def held_bytes(self) -> int:
        """Bytes of unexpired content the store holds now."""
        self._expire()
        return self._held

    def room(self) -> int:
        return max(0, self.budget - self.held_bytes)

    def add(
        self,
        api_key: str,
        content: bytes,
        *,
        filename: str,
        mime_type: str,
        expires_in: float | None = None,
        downloadable: bool = False,
    ) -> StoredFile:
        if len(content) > self.room():
            raise OverBudget
        now = self.clock.now()
        self._seq += 1
        stored = StoredFile(
            id=_new_file_id("file"),
            api_key=api_key,
            filename=filename,
            mime_type=mime_type,
            size_bytes=len(content),
            created_at=now,
            expires_at=None if expires_in is None else now + expires_in,
            downloadable=downloadable,
            content=content,
            seq=self._seq,
        )
        self._files[stored.id] = stored
        self._held += len(content)
        return stored

    def get(self, api_key: str, file_id: str) -> StoredFile | None:
        """The key's file, expired or not; another key's file is as unknown as a missing one."""
        self._expire()
        found = self._files.get(file_id)
        return found if found is not None and found.api_key == api_key else None

    def delete(self, api_key: str, file_id: str) -> bool:
        found = self.get(api_key, file_id)
        if found is None:
            return False
        del self._files[file_id]
        if found.content is not None:
            self._held -= found.size_bytes
        return True

    def newest_first(self, api_key: str) -> Iterator[StoredFile]:
        self._expire()
        mine = [f for f in self._files.values() if f.api_key == api_key]
        return reversed(mine)

    def clear(self) -> None:
        self._files.clear()
        self._held = 0

    def _expire(self) -> None:
        """Drop the content of every file past its expiry (metadata stays)."""
        now = self.clock.now()
        for stored in self._files.values():
            if stored.content is not None and stored.expired(now):
                stored.content = None
                self._held -= stored.size_bytes
