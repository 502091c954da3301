#!/usr/bin/env python3
"""Each client's pinned version beside the newest release on its registry.

    python compat/pins.py [--json]

For every driver of compat/run.py and each package that makes its client: the version
pinned (package.json / requirements.txt), the newest release (`npm view NAME version`,
`pip index versions NAME`, so the registries the machine is configured for) and whether
they differ. A pin kept on an older line on purpose (the oldest supported SDK, the last
0.x) is marked so: its difference is expected. Exit 0 unless a registry could not be asked.
To run the matrix against the newest releases: python compat/run.py --newest.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # the harness: its drivers and pins


def newest_npm(name: str) -> str:
    answer = subprocess.run(
        ["npm", "view", name, "version"], capture_output=True, text=True, check=False
    )
    if answer.returncode != 0:
        raise LookupError(answer.stderr.strip().splitlines()[-1:] or ["npm view failed"])
    return answer.stdout.strip()


def newest_pip(name: str) -> str:
    answer = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name, "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(rf"^{re.escape(name)} \(([^)]+)\)", answer.stdout, re.MULTILINE | re.I)
    if answer.returncode != 0 or not found:
        raise LookupError(answer.stderr.strip().splitlines()[-1:] or ["pip index failed"])
    return found.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    rows = []
    asked: dict[tuple[str, str], str] = {}
    failed = False
    for driver in run.DRIVERS:
        for name, pinned in driver.pinned().items():
            key = (driver.kind, name)
            if key not in asked:
                try:
                    asked[key] = newest_npm(name) if driver.kind == "npm" else newest_pip(name)
                except LookupError as error:
                    asked[key] = f"? ({error})"
                    failed = True
            newest = asked[key]
            if newest.startswith("?"):
                state = "unknown"
            elif newest == pinned:
                state = "current"
            elif driver.newest_line:
                state = "BEHIND"
            else:
                state = "older line (on purpose)"
            rows.append(
                {
                    "driver": driver.name,
                    "package": name,
                    "pinned": pinned,
                    "newest": newest,
                    "state": state,
                }
            )
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        widths = {k: max(len(k), *(len(str(r[k])) for r in rows)) for k in rows[0]}
        print("  ".join(k.ljust(w) for k, w in widths.items()))
        for row in rows:
            print("  ".join(str(row[k]).ljust(w) for k, w in widths.items()))
        behind = sum(r["state"] == "BEHIND" for r in rows)
        print(f"{behind} pin(s) behind the newest release")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
