#!/usr/bin/env python3
"""Run real clients' normal flows against a mock server started for the run.

    python compat/run.py [--only NAME ...] [--flows FLOW ...] [--server-src PATH]
                         [--server-arg=ARG ...] [--max-tokens N] [--newest]

Each driver (one per client and pinned version) runs its flows and says, per flow, what a
user of that client would check: pass or fail and why. The runner adds what the server
saw: how many requests each flow made, and any the mock refused (a normal flow of a real
client is one the real API accepts, so a refusal fails the flow even when the client
recovers from it; statuses a flow provokes on purpose, such as an injected 429, are not
counted). One line per flow (PASS, FAIL, or SKIP for a flow the client version lacks), then
`N passed, N failed, N skipped`; exit 1 on any failure.

Installs go to compat/.cache/ (gitignored): node_modules per npm pin (from the pin's
package.json and package-lock.json, with `npm ci`), a venv per Python pin (from its
requirements.txt, a pip freeze). --newest installs each client's newest release instead,
into compat/.cache/newest/. The last run's journal (per driver, its first 1,000
exchanges) and driver logs are kept in compat/.cache/last-run/ for a failure's request and
answer.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import venv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
LAST_RUN = CACHE / "last-run"
# A driver that has not finished by then is stopped and its missing flows fail.
DRIVER_TIMEOUT = 600
# The newest `ai` and Claude Code ask for Node.js 22 or newer. Where the machine's is older,
# this release is installed from the npm registry's per-platform package (the binary ships
# inside it) and the JS drivers run on it.
NODE_MAJOR = 22
NODE_PIN = "22.23.5"
_NODE_ARCH = {"x86_64": "x64", "aarch64": "arm64"}
# Exchanges kept per driver in compat/.cache/last-run/NAME.journal.json.
JOURNAL_KEPT = 1000


@dataclass
class Driver:
    name: str
    client: str
    kind: str  # "npm" or "python"
    pin: Path  # the folder holding package.json / requirements.txt
    script: str  # the driver file, relative to compat/
    # The packages that make the client (the rest of the pin is what they resolved to):
    # shown as its version, looked up by pins.py, installed unpinned by --newest.
    packages: tuple[str, ...] = ()
    # False for a pin kept on an older line on purpose: --newest leaves it out.
    newest_line: bool = True
    flows: list[dict[str, Any]] = field(default_factory=list)
    newest: bool = False  # installed unpinned (run.py --newest)

    @property
    def cache(self) -> Path:
        root = CACHE / "newest" if self.newest else CACHE
        return root / self.pin.relative_to(HERE)

    def pinned(self) -> dict[str, str]:
        """The client's packages and their pinned versions."""
        if self.kind == "npm":
            deps: dict[str, str] = json.loads((self.pin / "package.json").read_text())[
                "dependencies"
            ]
            return {n: v for n, v in deps.items() if n in self.packages}
        names = {_requirement_name(p) for p in self.packages}
        found = {}
        for line in (self.pin / "requirements.txt").read_text().splitlines():
            name, _, version = line.partition("==")
            if _requirement_name(name) in names:
                found[_requirement_name(name)] = version.strip()
        return found

    def installed(self) -> dict[str, str]:
        """The client's packages and the versions in its cache folder (for --newest)."""
        found = {}
        for package in self.packages:
            if self.kind == "npm":
                meta = self.cache / "node_modules" / package / "package.json"
                if meta.exists():
                    found[package] = json.loads(meta.read_text())["version"]
            else:
                name = _requirement_name(package)
                pattern = name.replace("-", "_") + "-*.dist-info"
                for info in (self.cache / "venv" / "lib").glob(f"python*/site-packages/{pattern}"):
                    found[name] = info.name[: -len(".dist-info")].split("-")[1]
        return found

    def version(self) -> str:
        versions = self.installed() if self.newest else self.pinned()
        shown = [f"{n.split('/')[-1]}@{v}" for n, v in versions.items()]
        return " + ".join(shown) + (" (newest)" if self.newest else "") or "?"


def _requirement_name(spec: str) -> str:
    """'pydantic-ai-slim[anthropic]' -> 'pydantic-ai-slim'."""
    return spec.split("[", maxsplit=1)[0].strip().lower()


PY_SDK = HERE / "anthropic-py"
DRIVERS = [
    Driver(
        "aisdk-v6",
        "ai-sdk",
        "npm",
        HERE / "aisdk" / "v6",
        "aisdk/driver.mjs",
        ("ai", "@ai-sdk/anthropic"),
        newest_line=False,
    ),
    Driver(
        "aisdk-v7",
        "ai-sdk",
        "npm",
        HERE / "aisdk" / "v7",
        "aisdk/driver.mjs",
        ("ai", "@ai-sdk/anthropic"),
    ),
    Driver(
        "pydantic-ai",
        "pydantic-ai",
        "python",
        HERE / "pydantic-ai",
        "pydantic-ai/driver.py",
        ("pydantic-ai-slim[anthropic]",),
    ),
    Driver(
        "claude-code",
        "claude-code",
        "npm",
        HERE / "claude-code",
        "claude-code/driver.py",
        ("@anthropic-ai/claude-code",),
    ),
    Driver(
        "sdk-py-2.17",
        "anthropic-py",
        "python",
        PY_SDK / "v2.17",
        "anthropic-py/driver.py",
        ("anthropic",),
    ),
    Driver(
        "sdk-py-2.12",
        "anthropic-py",
        "python",
        PY_SDK / "v2.12",
        "anthropic-py/driver.py",
        ("anthropic",),
        newest_line=False,
    ),
    Driver(
        "sdk-py-0.125",
        "anthropic-py",
        "python",
        PY_SDK / "v0.125",
        "anthropic-py/driver.py",
        ("anthropic",),
        newest_line=False,
    ),
    Driver(
        "sdk-js",
        "anthropic-js",
        "npm",
        HERE / "anthropic-js",
        "anthropic-js/driver.mjs",
        ("@anthropic-ai/sdk",),
    ),
    Driver(
        "langchain",
        "langchain",
        "python",
        HERE / "langchain",
        "langchain/driver.py",
        ("langchain-anthropic", "langchain-core"),
    ),
    Driver("litellm", "litellm", "python", HERE / "litellm", "litellm/driver.py", ("litellm",)),
    # The OpenAI-compatible door (/v1/chat/completions), through OpenAI clients.
    Driver(
        "openai-sdk",
        "openai-sdk",
        "python",
        HERE / "openai-sdk",
        "openai-sdk/driver.py",
        ("openai",),
    ),
    Driver(
        "litellm-openai",
        "litellm-openai",
        "python",
        HERE / "litellm-openai",
        "litellm-openai/driver.py",
        ("litellm",),
    ),
    Driver(
        "langchain-openai",
        "langchain-openai",
        "python",
        HERE / "langchain-openai",
        "langchain-openai/driver.py",
        ("langchain-openai", "langchain-core"),
    ),
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- installs


def _stamp(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_installed(driver: Driver, force: bool) -> None:
    """Install the driver's pin into its cache folder unless the same pin is there; with
    driver.newest, its client packages unpinned (the newest releases) instead, once a day."""
    cache = driver.cache
    stamp_file = cache / ".installed"
    if driver.kind == "npm":
        pins = [driver.pin / "package.json", driver.pin / "package-lock.json"]
    else:
        pins = [driver.pin / "requirements.txt"]
    stamp = _stamp(pins)
    if driver.newest:
        stamp = "newest " + time.strftime("%Y-%m-%d")
    if not force and stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    what = "the newest " + ", ".join(driver.packages) if driver.newest else driver.version()
    log(f"== installing {driver.name} ({what}) into {cache.relative_to(HERE)}")
    if cache.exists():
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    if driver.kind == "npm" and driver.newest:
        manifest = json.loads(pins[0].read_text())
        for name in driver.packages:
            manifest["dependencies"][name] = "latest"
        (cache / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
        npm = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(npm, cwd=cache, check=True)
    elif driver.kind == "npm":
        for pin in pins:
            shutil.copy(pin, cache / pin.name)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=cache, check=True
        )
    else:
        venv.create(cache / "venv", with_pip=True)
        pip = [str(cache / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        if driver.newest:
            subprocess.run([*pip, "--upgrade", *driver.packages], check=True)
        else:
            subprocess.run([*pip, "-r", str(pins[0])], check=True)
    stamp_file.write_text(stamp)


def node_major(node: str) -> int:
    try:
        found = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return 0
    match = re.match(r"v(\d+)\.", found.stdout.strip())
    return int(match.group(1)) if match else 0


def ensure_node() -> str:
    """A `node` of at least NODE_MAJOR: the machine's, or NODE_PIN installed into the cache."""
    if node_major("node") >= NODE_MAJOR:
        return shutil.which("node") or "node"
    arch = _NODE_ARCH.get(os.uname().machine)
    if arch is None:
        log(f"== no Node.js {NODE_MAJOR} package for {os.uname().machine}: the machine's node")
        return "node"
    folder = CACHE / f"node-{NODE_PIN}"
    package = f"node-linux-{arch}"
    binary = folder / "node_modules" / package / "bin" / "node"
    if node_major(str(binary)) < NODE_MAJOR:
        log(f"== installing Node.js {NODE_PIN} ({package}) into {folder.relative_to(HERE)}")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
                str(folder),
                f"{package}@{NODE_PIN}",
            ],
            check=True,
        )
    return str(binary)


def install(drivers: list[Driver], force: bool) -> str:
    """Every driver's pin, and a new enough Node.js where a JS driver runs: its `node`."""
    for driver in drivers:
        ensure_installed(driver, force)
    return ensure_node() if any(d.kind == "npm" for d in drivers) else "node"


# ---------------------------------------------------------------- the server


class MockServer:
    """`python -m mockserver` on a free port, from the installed package or a source tree."""

    def __init__(self, source: Path | None, extra: list[str]) -> None:
        env = dict(os.environ)
        if source is not None:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
        self.env = env
        where = subprocess.run(
            [sys.executable, "-c", "import mockserver; print(mockserver.__file__)"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.package = Path(where.stdout.strip()).parent
        # Keep every exchange: flows are found in the journal by their index.
        command = [sys.executable, "-m", "mockserver", "--port", "0", "--journal-limit", "0"]
        command += ["--journal-max-mb", "0", "--log-level", "warning", *extra]
        LAST_RUN.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.url = self._wait_for_banner()
        # Whatever the server prints from now on goes to a log file.
        self._log = (LAST_RUN / "server.log").open("w")
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_for_banner(self) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + 30
        seen = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            seen.append(line)
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                return found.group(1)
        self.stop()
        raise SystemExit("the mock server did not start:\n" + "".join(seen))

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._log.write(line)
        self._log.flush()

    def reset(self) -> None:
        """Forget the journal (and the cache and scenario progress) before the next driver."""
        request = urllib.request.Request(f"{self.url}/_mock/reset", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=60):
            pass

    def journal(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.url}/_mock/journal", timeout=60) as answer:
            exchanges: list[dict[str, Any]] = json.load(answer)["exchanges"]
        return exchanges

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---------------------------------------------------------------- running drivers


def run_driver(driver: Driver, server: MockServer, args: argparse.Namespace, node: str) -> None:
    env = dict(os.environ)
    # Claude Code's launcher finds `node` on PATH.
    env["PATH"] = os.pathsep.join([str(Path(node).parent), env.get("PATH", "")])
    env["MOCK_URL"] = server.url
    env.pop("ANTHROPIC_BASE_URL", None)
    env.pop("ANTHROPIC_API_KEY", None)
    if args.flows:
        env["COMPAT_FLOWS"] = ",".join(args.flows)
    if args.max_tokens:
        env["COMPAT_MAX_TOKENS"] = str(args.max_tokens)
    if args.model:
        env["COMPAT_MODEL"] = args.model
    env["COMPAT_CLAUDE_TIMEOUT"] = str(args.claude_timeout)
    script = HERE / driver.script
    if driver.kind == "npm" and script.suffix == ".mjs":
        # Beside the pin's node_modules, so its imports resolve to that pin.
        local = driver.cache / script.name
        shutil.copy(script, local)
        command = [node, str(local)]
    elif driver.kind == "python":
        command = [str(driver.cache / "venv" / "bin" / "python"), str(script)]
        # For driverlib.py, which the Python drivers share.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    else:
        env["COMPAT_CLAUDE"] = str(driver.cache / "node_modules" / ".bin" / "claude")
        command = [sys.executable, str(script)]
    with (LAST_RUN / f"{driver.name}.stderr").open("w") as errors:
        process = subprocess.Popen(
            command,
            cwd=driver.cache,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            start_new_session=True,
        )
        timer = threading.Timer(DRIVER_TIMEOUT, lambda: os.killpg(process.pid, signal.SIGKILL))
        timer.start()
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("@@flow "):
                driver.flows.append(json.loads(line[len("@@flow ") :]))
        process.wait()
        timer.cancel()
    if process.returncode != 0:
        driver.flows.append(
            {
                "flow": "(driver)",
                "ok": False,
                "reason": f"driver exited {process.returncode}; see "
                f"{(LAST_RUN / (driver.name + '.stderr')).relative_to(HERE)}",
                "requests": 0,
            }
        )


def _error_message(exchange: dict[str, Any]) -> str:
    response = exchange.get("response")
    if isinstance(response, dict):
        error = response.get("error")
        if isinstance(error, dict):
            return str(error.get("message", ""))
    return ""


def judge(driver: Driver, journal: list[dict[str, Any]], first_index: int) -> None:
    """Add what the server saw to each flow: a refused request fails it."""
    start = first_index
    for flow in driver.flows:
        first = flow.get("first", start)
        count = int(flow.get("requests", 0))
        exchanges = journal[first : first + count]
        start = first + count
        # Statuses the flow provoked on purpose (an injected fault, a request meant to fail).
        expected = set(flow.get("expected") or [])
        refused = [
            e
            for e in exchanges
            if int(e.get("status", 200)) >= 400 and int(e.get("status", 200)) not in expected
        ]
        if not refused:
            continue
        messages = sorted({f"{e['status']} {_error_message(e)[:160]}" for e in refused})
        said = f"mock refused {len(refused)} of {count} request(s): " + "; ".join(messages)
        if flow["ok"]:
            flow["ok"] = False
            flow["reason"] = "client recovered, but " + said
        elif not any(_error_message(e)[:40] in flow["reason"] for e in refused):
            flow["reason"] += f" [{said}]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only these drivers (repeatable or comma-separated): "
        + ", ".join(d.name for d in DRIVERS),
    )
    parser.add_argument(
        "--flows", action="append", default=[], metavar="FLOW", help="run only these flows"
    )
    parser.add_argument(
        "--server-src",
        type=Path,
        default=None,
        metavar="PATH",
        help="run the mock from this source tree (a checkout's root) instead of the installed "
        "package; its dependencies must be installed in this Python",
    )
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for the mock server (repeatable), e.g. --server-arg=--any-beta",
    )
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=None,
        metavar="N",
        help="set max tokens in every flow instead of the client's default (to see past a "
        "refused default); the AI SDK's default-max-tokens flow keeps the default",
    )
    parser.add_argument("--model", default=None, help="model for the SDK drivers")
    parser.add_argument(
        "--claude-timeout",
        type=float,
        default=120,
        metavar="SECONDS",
        help="time allowed for one `claude -p` run (default %(default)s)",
    )
    parser.add_argument("--reinstall", action="store_true", help="reinstall the pinned clients")
    parser.add_argument(
        "--install-only", action="store_true", help="install the clients, run nothing"
    )
    parser.add_argument(
        "--newest",
        action="store_true",
        help="run against each client's newest release instead of its pin: installed "
        "unpinned into compat/.cache/newest/ (refreshed daily); pins kept on an older line "
        "on purpose are left out",
    )
    args = parser.parse_args()
    args.flows = [f for item in args.flows for f in item.split(",") if f]
    wanted = {n for item in args.only for n in item.split(",") if n}
    unknown = wanted - {d.name for d in DRIVERS}
    if unknown:
        parser.error(f"unknown driver(s): {', '.join(sorted(unknown))}")
    drivers = [d for d in DRIVERS if not wanted or d.name in wanted]
    if args.newest:
        drivers = [d for d in drivers if d.newest_line]
        for driver in drivers:
            driver.newest = True

    node = install(drivers, args.reinstall)
    if args.install_only:
        return 0
    if LAST_RUN.exists():
        shutil.rmtree(LAST_RUN)
    LAST_RUN.mkdir(parents=True)

    server = MockServer(args.server_src, args.server_arg)
    log(f"== mock server {server.url} from {server.package}")
    started = time.monotonic()
    version_width = max(len(d.version()) for d in drivers)
    try:
        for driver in drivers:
            # Each driver starts on an empty journal: a client that loops (thousands of
            # requests) does not slow the next one's journal reads.
            server.reset()
            run_driver(driver, server, args, node)
            journal = server.journal()
            judge(driver, journal, 0)
            kept = journal[:JOURNAL_KEPT]
            (LAST_RUN / f"{driver.name}.journal.json").write_text(json.dumps(kept, indent=1))
            for flow in driver.flows:
                status = "SKIP" if flow.get("skipped") else "PASS" if flow["ok"] else "FAIL"
                reason = " ".join(str(flow["reason"]).split())
                print(
                    f"{driver.client:<12} {driver.version():<{version_width}} {flow['flow']:<22} "
                    f"{status} "
                    f"{flow.get('requests', 0):>4} req  {reason[:400]}",
                    flush=True,
                )
    finally:
        server.stop()
    results = [
        {"driver": d.name, "client": d.client, "version": d.version(), **f}
        for d in drivers
        for f in d.flows
    ]
    (LAST_RUN / "results.json").write_text(json.dumps(results, indent=1))
    skipped = sum(bool(r.get("skipped")) for r in results)
    passed = sum(bool(r["ok"]) for r in results) - skipped
    failed = len(results) - passed - skipped
    log(
        f"== {time.monotonic() - started:.0f} s; journal and logs in "
        f"{LAST_RUN.relative_to(HERE.parent)}/"
    )
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
