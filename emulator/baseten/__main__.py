"""python -m emulator.baseten serve|stop — the local Baseten emulator: management API, inference hosts, S3, replicas.

  serve             run in the foreground (--daemon: in the background, pid file and log in --state-dir)
  stop              stop a daemon and every replica it started
  --port            management API (base_url http://127.0.0.1:PORT)            default 5810
  --inference-port  inference hosts (send Host: model-<id>.<domain>)            default 5811
  --s3-port         the S3 the truss archives are uploaded to (moto, loopback)  default 5812
State (models, deployments, secrets) is kept in --state-dir/baseten.json and survives a restart.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import sys
from pathlib import Path

import httpx

from emulator.baseten.docker_server import first_of, tgi_launcher
from emulator.baseten.lifecycle import Timings
from emulator.baseten.server import build, local_s3
from emulator.images import Engines
from emulator.procs import key_source, local_url, start_daemon, stop_command
from emulator.serving import serve_until_stopped, server
from emulator.supervisor import REPLICA_LOAD_S, REPLICA_TOKEN_MS, Supervisor, replica_timings
from emulator.zygote import Zygote

DEFAULT_KEY = "local-baseten-key"
DAEMON_START_TIMEOUT_S = 60.0  # it starts an S3 (moto) too
DAEMON_STOP_TIMEOUT_S = 10.0  # then SIGKILL


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m emulator.baseten", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    env = os.environ.get
    s.add_argument("--host", default="127.0.0.1", help="a loopback address (the emulator never listens wider)")
    s.add_argument("--port", type=int, default=int(env("BASETEN_EMULATOR_PORT", "5810")))
    s.add_argument("--inference-port", type=int, default=int(env("BASETEN_EMULATOR_INFERENCE_PORT", "5811")))
    s.add_argument("--s3-port", type=int, default=int(env("BASETEN_EMULATOR_S3_PORT", "5812")))
    s.add_argument("--api-key", default=env("BASETEN_EMULATOR_API_KEY", DEFAULT_KEY))
    s.add_argument("--state-dir", type=Path, default=Path(env("EMULATOR_STATE_DIR", ".emulator")))
    s.add_argument("--no-state", action="store_true", help="keep nothing on disk")
    s.add_argument("--daemon", action="store_true", help="run in the background")
    t = Timings()
    for name in ("build_s", "deploy_s", "deactivate_s", "restart_backoff_s"):
        s.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(t, name))
    s.add_argument("--load-s", type=float, default=REPLICA_LOAD_S, help="replica model load time")
    s.add_argument("--token-ms", type=float, default=REPLICA_TOKEN_MS, help="replica per-token latency")
    s.add_argument("--max-replicas", type=int, default=20, help="replica processes at most (each is real)")
    s.add_argument("--rate-limit", type=int, default=600, help="API requests per minute per key")
    stop = sub.add_parser("stop")
    stop.add_argument("--state-dir", type=Path, default=Path(env("EMULATOR_STATE_DIR", ".emulator")))
    return p


async def serve(args: argparse.Namespace, zygote: Zygote | None = None) -> None:
    """Run the API, inference and S3 servers until SIGTERM/SIGINT; kill every replica on the way out."""
    timings = Timings(build_s=args.build_s, deploy_s=args.deploy_s, deactivate_s=args.deactivate_s,
                      restart_backoff_s=args.restart_backoff_s)
    supervisor = Supervisor(replica_timings(args.load_s, args.token_ms), max_processes=args.max_replicas,
                            zygote=zygote)
    with local_s3(args.s3_port) as s3:
        # A docker_server's start command: TGI's launcher, else an engine's server by the image table
        # (`vllm serve ...`, `python3 -m sglang.launch_server ...` -> the simulated vLLM / SGLang).
        resolve = first_of(tgi_launcher, Engines().server)
        baseten = build(None if args.no_state else args.state_dir / "baseten.json", supervisor, args.api_key,
                        timings, s3, args.rate_limit, resolve)
        baseten.lifecycle.start()
        servers = [server(baseten.api, args.host, args.port),
                   server(baseten.inference, args.host, args.inference_port, proxy=True)]
        print(f"emulator: Baseten API on {local_url(args.port)}, inference hosts on "
              f"{local_url(args.inference_port)}, S3 on {s3}, API key from "
              f"{key_source(args.api_key, 'BASETEN_EMULATOR_API_KEY', DEFAULT_KEY)}", flush=True)

        async def cleanup() -> None:
            await baseten.lifecycle.shutdown()
            await supervisor.shutdown()

        await serve_until_stopped(servers, cleanup)


def _alive(args: argparse.Namespace) -> bool:
    """Whether a Baseten emulator answers on --port with --api-key."""
    try:
        return httpx.get(local_url(args.port, "/_emulator/status"), timeout=2,
                         headers={"Authorization": f"Api-Key {args.api_key}"}).status_code == 200
    except httpx.HTTPError:
        return False


def daemon(args: argparse.Namespace, argv: list[str]) -> int:
    """Spawn `serve` (argv without --daemon) in the background and wait until it answers."""
    return start_daemon("emulator.baseten", argv, args.state_dir, "baseten", "the Baseten emulator",
                        local_url(args.port), lambda: _alive(args), timeout_s=DAEMON_START_TIMEOUT_S)


def stop(args: argparse.Namespace) -> int:
    """Stop the daemon (SIGTERM; it kills its replicas on the way out)."""
    return stop_command(args.state_dir, "baseten", "the Baseten emulator", timeout_s=DAEMON_STOP_TIMEOUT_S)


def main(argv: list[str] | None = None) -> int:
    """Dispatch."""
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if args.command == "stop":
        return stop(args)
    if not ipaddress.ip_address(args.host).is_loopback:
        print(f"emulator: --host {args.host} is not a loopback address", file=sys.stderr)
        return 2
    if args.daemon:
        return daemon(args, argv)
    asyncio.run(serve(args, Zygote.start()))  # forked while this process is still one thread
    return 0


if __name__ == "__main__":
    sys.exit(main())
