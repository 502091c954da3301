"""The wheel `pip install .` builds carries every data file the server reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("mockserver-*.whl")
    return zipfile.ZipFile(built)


def test_wheel_carries_schemas_scenarios_and_catalog(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for schema in (ROOT / "schemas").glob("*.json"):
        assert f"mockserver/schemas/{schema.name}" in names
    for scenario in (ROOT / "scenarios").glob("*.yaml"):
        assert f"mockserver/scenarios/{scenario.name}" in names
    assert "mockserver/data/models.yaml" in names
    assert "mockserver/py.typed" in names


def test_wheel_registers_the_command_and_the_pytest_plugin(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "mockserver = mockserver.cli:main" in text
    assert "mockserver = mockserver.plugin" in text
