"""The `mockserver` command: argparse → Config → run the app."""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from .app import create_app
from .background import listen
from .config import DEFAULT_HOST, DEFAULT_PORT, FILES_MAX_BYTES, Config
from .faults.ratelimit import RateLimits
from .recording.modes import RECORD_MODES, VIOLATION_POLICIES
from .recording.redaction import Redaction
from .recording.setup import NoUpstream
from .report.log_line import printer
from .scripting.stream_plan import Pacing
from .standalone import discarded, print_banner, print_report, settle_memory
from .state import ServerState
from .version import __version__
from .workers.supervisor import supervise


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="mockserver",
        description="A local stand-in for the Anthropic Messages API, driven by YAML scenarios.",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port (0 = any free port; default %(default)s)",
    )
    parser.add_argument(
        "--scenarios",
        nargs="+",
        type=Path,
        default=[],
        metavar="PATH",
        help="scenario files or folders to load (in addition to the bundled ones)",
    )
    parser.add_argument(
        "--no-bundled", action="store_true", help="do not load the bundled example scenarios"
    )
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accept only these API keys (repeatable; default: any non-empty key)",
    )
    parser.add_argument(
        "--strictness",
        choices=("strict", "warn", "off"),
        default="strict",
        help="answer contract violations as the API does (strict), only report them (warn), "
        "or check the schema only (off)",
    )
    parser.add_argument(
        "--signatures",
        choices=("strict", "lenient"),
        default="lenient",
        help="thinking signatures this server did not mint but shaped like the real API's "
        "(replayed conversations): accept and note them (lenient) or refuse them (strict)",
    )
    parser.add_argument(
        "--any-model", action="store_true", help="accept model ids not in the catalog"
    )
    parser.add_argument(
        "--any-beta", action="store_true", help="accept unknown anthropic-beta values"
    )
    parser.add_argument(
        "--unmatched",
        choices=("default", "error"),
        default="default",
        help="a request no scenario matches gets the default reply, or a 400 naming the "
        "closest steps (default %(default)s)",
    )
    parser.add_argument(
        "--seed",
        default=None,
        help="seed for what the server mints (thinking signatures), for reproducible runs",
    )
    parser.add_argument(
        "--admin-token",
        default=None,
        help="token admin clients off loopback must send as `Authorization: Bearer`",
    )
    parser.add_argument(
        "--admin-allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let web pages from ORIGIN (e.g. http://localhost:3000; * for any) call the "
        "admin API; repeatable (default: only the server's own origin)",
    )
    pacing = parser.add_argument_group("stream pacing (default: no added delay)")
    pacing.add_argument(
        "--first-token-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="time before message_start",
    )
    pacing.add_argument(
        "--tokens-per-second",
        type=float,
        default=None,
        metavar="N",
        help="generation speed of streamed deltas",
    )
    pacing.add_argument(
        "--chunk-chars", type=int, default=24, metavar="N", help="characters per text delta"
    )
    pacing.add_argument(
        "--jitter",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="scale each delay by a seeded factor in [1-j, 1+j]",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        metavar="PATH",
        help="at shutdown, write the contract report (JSON) to PATH",
    )
    limits = parser.add_argument_group(
        "rate limits per API key (default: none enforced; the headers show Tier 4's figures)"
    )
    limits.add_argument(
        "--rate-limit-rpm", type=int, default=None, metavar="N", help="requests per minute"
    )
    limits.add_argument(
        "--rate-limit-itpm", type=int, default=None, metavar="N", help="input tokens per minute"
    )
    limits.add_argument(
        "--rate-limit-otpm", type=int, default=None, metavar="N", help="output tokens per minute"
    )
    parser.add_argument(
        "--journal-limit",
        type=_count,
        default=10_000,
        metavar="N",
        help="keep the last N exchanges in the journal (GET /_mock/journal); the contract "
        "report still counts them all; 0: keep everything (default %(default)s)",
    )
    parser.add_argument(
        "--journal-max-mb",
        type=_count,
        default=64,
        metavar="MB",
        help="keep at most MB megabytes of memory in the journal: each exchange's request "
        "body as the bytes it arrived as, and ~3 KB of record around it; 0: no limit "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--batch-processing-time",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="how long a message batch takes before it has ended, its requests spread evenly "
        "over it, on the server's clock (POST /_mock/clock/advance moves it); 0: ended by "
        "the first look after the create (default)",
    )
    parser.add_argument(
        "--files-max-mb",
        type=_count,
        default=FILES_MAX_BYTES // 2**20,
        metavar="MB",
        help="bytes all keys' uploaded files (POST /v1/files) may hold together, in "
        "megabytes; an upload past it is refused as the API refuses one over its storage "
        "quota (default %(default)s)",
    )
    proxy = parser.add_argument_group("proxy and recording (default: no upstream)")
    proxy.add_argument(
        "--upstream",
        metavar="URL",
        help="forward /v1/messages and count_tokens to this API (e.g. "
        "https://api.anthropic.com) with the client's own credentials",
    )
    proxy.add_argument(
        "--record",
        type=Path,
        metavar="PATH",
        help="write what the upstream answers as scenario YAML: a .yaml file, or a folder "
        "(a file per conversation)",
    )
    proxy.add_argument(
        "--record-mode",
        choices=RECORD_MODES,
        default="once",
        help="none: replay only; once: record if the recording is missing, else replay; "
        "new: replay what is recorded, record the rest; all: record again (default %(default)s)",
    )
    proxy.add_argument(
        "--upstream-violations",
        choices=VIOLATION_POLICIES,
        default="answer",
        help="under strict, a request breaking the contract is answered here (answer) or "
        "forwarded anyway (forward); reported either way (default %(default)s)",
    )
    proxy.add_argument(
        "--redact-header",
        action="append",
        default=[],
        metavar="NAME",
        help="a header whose value never reaches a recording (repeatable; keys always)",
    )
    proxy.add_argument(
        "--redact-field",
        action="append",
        default=[],
        metavar="PATH",
        help="a dotted body field removed from recordings, e.g. metadata.user_id (repeatable)",
    )
    proxy.add_argument(
        "--redact-pattern",
        action="append",
        default=[],
        metavar="REGEX",
        help="text matching REGEX is written as [REDACTED] (repeatable)",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="serve from N processes on the one port, each API key's traffic kept on one of "
        "them, admin calls applied to all (default %(default)s)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no line per exchange on the terminal (the inspector page still shows them)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=("debug", "info", "warning", "error"),
    )
    parser.add_argument("--version", action="version", version=f"mockserver {__version__}")
    return parser.parse_args(argv)


def _seconds(text: str) -> float:
    seconds = float(text)
    if not (math.isfinite(seconds) and seconds >= 0):
        raise argparse.ArgumentTypeError("must be a number of seconds, 0 or more")
    return seconds


def _count(text: str) -> int:
    """An argparse type: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _positive(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _pacing(args: argparse.Namespace) -> Pacing | None:
    pacing = Pacing(
        first_token_delay=args.first_token_delay,
        tokens_per_second=args.tokens_per_second,
        chunk_chars=args.chunk_chars,
        jitter=args.jitter,
    )
    return None if pacing == Pacing() else pacing


def _rate_limits(args: argparse.Namespace) -> RateLimits | None:
    figures = (args.rate_limit_rpm, args.rate_limit_itpm, args.rate_limit_otpm)
    if all(f is None for f in figures):
        return None
    return RateLimits(
        requests_per_minute=args.rate_limit_rpm,
        input_tokens_per_minute=args.rate_limit_itpm,
        output_tokens_per_minute=args.rate_limit_otpm,
    )


def config_from(args: argparse.Namespace) -> Config:
    return Config(
        host=args.host,
        port=args.port,
        scenario_paths=list(args.scenarios),
        bundled_scenarios=not args.no_bundled,
        api_keys=frozenset(args.api_key),
        strictness=args.strictness,
        signatures=args.signatures,
        any_model=args.any_model,
        any_beta=args.any_beta,
        unmatched=args.unmatched,
        admin_token=args.admin_token,
        admin_allow_origins=frozenset(args.admin_allow_origin),
        stream_pacing=_pacing(args),
        rate_limits=_rate_limits(args),
        batch_processing_seconds=args.batch_processing_time,
        seed=args.seed,
        journal_limit=args.journal_limit or None,
        journal_max_bytes=args.journal_max_mb * 2**20 or None,
        files_max_bytes=args.files_max_mb * 2**20,
        watch=True,
        upstream=args.upstream,
        record=args.record,
        record_mode=args.record_mode,
        upstream_violations=args.upstream_violations,
        redaction=Redaction(
            headers=frozenset(args.redact_header),
            fields=tuple(args.redact_field),
            patterns=tuple(args.redact_pattern),
        ),
    )


async def serve(config: Config, report_path: Path | None = None, *, quiet: bool = False) -> None:
    state = ServerState(config)
    if not quiet and not discarded(sys.stdout):
        state.watchers.append(printer(sys.stdout))
    runner, port = await listen(create_app(config, state), config)
    settle_memory()
    # Before the banner: whoever reads it may send SIGTERM at once.
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print_banner(f"http://{config.host}:{port}")
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        print_report(state.contract_report(), report_path)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = config_from(args)
    try:
        if args.workers > 1:
            code = supervise(config, args, list(sys.argv[1:] if argv is None else argv))
            if code:
                sys.exit(code)
        else:
            asyncio.run(serve(config, args.report, quiet=args.quiet))
    except KeyboardInterrupt:
        pass
    except (NoUpstream, re.error) as exc:
        sys.exit(f"mockserver: {exc}")
    except OSError as exc:
        sys.exit(f"mockserver: cannot listen on {args.host}:{args.port}: {exc.strerror}")
    print("mockserver stopped.", flush=True)
