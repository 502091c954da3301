"""A worker process: the whole mock on connections the front hands over, its admin API
acting on every worker. Started by the supervisor as `python -m mockserver.workers.child`
with the command line's own arguments."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
from pathlib import Path

from aiohttp import web

from ..app import create_app
from ..background import public_runner
from ..cli import config_from, parse_args
from ..config import Config
from ..http.client_errors_log import quiet_client_faults
from ..report.log_line import printer
from ..standalone import discarded, settle_memory
from ..state import ServerState
from .fanout import fan_out
from .forward import Forwarder
from .handoff import READY, adopt
from .peers import Peers, socket_path
from .private import private_app
from .setup_env import SETUP_ENV, Setup, report_path

log = logging.getLogger("mockserver")


async def run(setup: Setup, config: Config, *, quiet: bool) -> None:
    quiet_client_faults()
    folder = Path(setup.folder)
    state = ServerState(config)
    state.organization_id = setup.organization_id
    if not quiet and not discarded(sys.stdout):
        state.watchers.append(printer(sys.stdout))
    peers = Peers(folder, setup.count)
    forwarder = Forwarder(setup.index, setup.count, setup.url)
    app = create_app(config, state, admin=fan_out(peers))
    app.middlewares.append(forwarder.middleware)
    public = public_runner(app)
    # A feed its peers hold open must not hold up its stopping.
    private = web.AppRunner(private_app(state), access_log=None, shutdown_timeout=1)
    await public.setup()
    await private.setup()
    await web.UnixSite(private, str(socket_path(folder, setup.index))).start()
    settle_memory()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # Ctrl-C reaches every process of the terminal's group, the workers too.
        loop.add_signal_handler(signum, stop.set)
    channel = socket.socket(fileno=setup.channel)
    assert public.server is not None
    # The front closing its end (it stopped, or died) stops the worker: no orphans.
    adopt(channel, public.server, stop.set)
    channel.send(READY)
    try:
        await stop.wait()
    finally:
        loop.remove_reader(channel)
        channel.close()
        await public.cleanup()
        await private.cleanup()
        await peers.close()
        await forwarder.close()
        try:
            state.contract_report().write_json(report_path(folder, setup.index))
        except OSError as exc:  # the front is gone and took the folder with it
            log.warning("worker %d could not leave its report: %s", setup.index, exc)


def main() -> None:
    setup = Setup.from_env(os.environ.pop(SETUP_ENV))
    args = parse_args(sys.argv[1:])
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = config_from(args)
    config.seed = setup.seed
    asyncio.run(run(setup, config, quiet=args.quiet))


if __name__ == "__main__":
    main()
