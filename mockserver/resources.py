"""Where the data files live: in the repo while developing, inside the package once installed.

The wheel carries the top-level `schemas/` and `scenarios/` folders as
`mockserver/schemas` and `mockserver/scenarios` (pyproject force-include); an
editable install imports the package from the repo, where they sit beside it.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mockserver data folder {name!r} is missing from the installation")


def schemas_dir() -> Path:
    return _find("schemas")


def scenarios_dir() -> Path:
    """The bundled example scenarios."""
    return _find("scenarios")


def data_file(name: str) -> Path:
    return _PACKAGE / "data" / name
