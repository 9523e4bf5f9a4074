"""python -m emulator serve|stop|status — the local SaladCloud emulator (API + gateway + replicas).

  serve     run in the foreground (--daemon: in the background, with a pid file and a log in --state-dir)
  stop      stop a daemon and every replica it started
  status    groups and replica processes
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import sys
from pathlib import Path

import httpx

from emulator.images import Engines
from emulator.procs import key_source, local_url, start_daemon, stop_command
from emulator.salad.api import create_app
from emulator.salad.cloud import Cloud
from emulator.salad.gateway import create_gateway
from emulator.salad.lifecycle import Timings
from emulator.salad.nodes import DownloadRates, RatesError
from emulator.serving import serve_until_stopped, server
from emulator.zygote import Zygote

DEFAULT_KEY = "local-emulator-key"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m emulator", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    for name in ("serve", "stop", "status"):
        s = sub.add_parser(name)
        s.add_argument("--state-dir", type=Path, default=Path(os.environ.get("EMULATOR_STATE_DIR", ".emulator")))
        s.add_argument("--port", type=int, default=int(os.environ.get("EMULATOR_PORT", "5800")))
        s.add_argument("--api-key", default=os.environ.get("EMULATOR_API_KEY", DEFAULT_KEY))
    serve = sub.choices["serve"]
    serve.add_argument("--host", default="127.0.0.1", help="a loopback address (the emulator never listens wider)")
    serve.add_argument("--gateway-port", type=int, default=int(os.environ.get("EMULATOR_GATEWAY_PORT", "5801")))
    serve.add_argument("--daemon", action="store_true", help="run in the background")
    serve.add_argument("--no-state", action="store_true", help="keep nothing on disk")
    t = Timings()
    for field, default in (("allocate_s", t.allocate_s), ("download_s", t.download_s), ("load_s", t.load_s),
                           ("token_ms", t.token_ms)):
        env = f"EMULATOR_{field.upper()}"
        serve.add_argument(f"--{field.replace('_', '-')}", type=float, default=float(os.environ.get(env, default)),
                           help=f"instance timing (default {default}; env {env})")
    serve.add_argument("--node-download-mb-s", type=_rates, default=os.environ.get("EMULATOR_NODE_DOWNLOAD_MB_S"),
                       help="each node's Hub download rate, log-normal: 'median=9.2,p10=2.3,seed=7' (MB/s; "
                            "SaladCloud's figure); unset: weights already cached (env EMULATOR_NODE_DOWNLOAD_MB_S)")
    serve.add_argument("--rate-limit", type=int, default=240, help="API requests per minute per key")
    serve.add_argument("--organization", default=os.environ.get("EMULATOR_ORGANIZATION", "local-org"),
                       help="the one organization the API key belongs to")
    serve.add_argument("--project", action="append", dest="projects",
                       help="a project of that organization (repeatable; default: default)")
    serve.add_argument("--replica-quota", type=int, default=int(os.environ.get("EMULATOR_REPLICA_QUOTA", "20")),
                       help="container replicas per organization (each is a real process here)")
    real = os.environ.get("EMULATOR_REAL_ENGINE")
    serve.add_argument("--real-engine", action="append", default=real.split(",") if real else [],
                       metavar="ENGINE=PYTHON",
                       help="run containers of ENGINE's image (vllm: vllm/vllm-openai) as the REAL engine, started "
                            "with PYTHON (e.g. vllm=.venv-vllm/bin/python, from `scripts/setup.sh vllm`) instead "
                            "of the simulated one; repeatable (env EMULATOR_REAL_ENGINE, comma-separated)")
    cache = os.environ.get("EMULATOR_MODEL_CACHE")
    serve.add_argument("--model-cache", type=Path, default=Path(cache) if cache else None,
                       help="the HF_HOME real engines load their models from, offline (needed with --real-engine; "
                            "`scripts/tiny_model.py --hf-home DIR` builds the tiny test model there; "
                            "env EMULATOR_MODEL_CACHE)")
    return p


def _rates(spec: str) -> DownloadRates:
    try:
        return DownloadRates.parse(spec)
    except RatesError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _base(args: argparse.Namespace) -> str:
    return local_url(args.port)


def _status(args: argparse.Namespace, timeout_s: float) -> httpx.Response:
    return httpx.get(f"{_base(args)}/_emulator/status", headers={"Salad-Api-Key": args.api_key}, timeout=timeout_s)


def _alive(args: argparse.Namespace) -> bool:
    try:
        return _status(args, 2.0).status_code == 200
    except httpx.HTTPError:
        return False


async def _serve(args: argparse.Namespace, zygote: Zygote | None = None) -> None:
    timings = Timings(allocate_s=args.allocate_s, download_s=args.download_s, load_s=args.load_s,
                      token_ms=args.token_ms, node_download=args.node_download_mb_s)
    cloud = Cloud(None if args.no_state else args.state_dir / "state.json", timings,
                  replica_quota=args.replica_quota, organization=args.organization,
                  projects=tuple(args.projects or ["default"]), engines=args.engines, zygote=zygote)
    cloud.start_reconciler()
    servers = [server(create_app(cloud, args.api_key, args.rate_limit), args.host, args.port),
               server(create_gateway(cloud, args.api_key), args.host, args.gateway_port, proxy=True)]
    # The key itself stays out of the log (it opens the API); where it came from is enough to debug with.
    print(f"emulator: SaladCloud API on {_base(args)}/api/public, gateway on {local_url(args.gateway_port)}, "
          f"API key from {key_source(args.api_key, 'EMULATOR_API_KEY', DEFAULT_KEY)}", flush=True)
    await serve_until_stopped(servers, cloud.shutdown)


def serve(args: argparse.Namespace) -> int:
    """Foreground, or spawn a daemon and wait until it answers."""
    if not ipaddress.ip_address(args.host).is_loopback:
        print(f"emulator: --host {args.host} is not a loopback address; the emulator only listens on loopback.",
              file=sys.stderr)
        return 2
    try:
        args.engines = Engines.parse(args.real_engine, args.model_cache.resolve() if args.model_cache else None)
    except ValueError as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 2
    if not args.daemon:
        asyncio.run(_serve(args, Zygote.start()))  # forked while this process is still one thread
        return 0
    return start_daemon("emulator", sys.argv[1:], args.state_dir, "emulator", "the SaladCloud emulator",
                        f"{_base(args)}/api/public", lambda: _alive(args), poll_s=0.2)


def stop(args: argparse.Namespace) -> int:
    """Stop the daemon (SIGTERM; it kills its replicas on the way out)."""
    return stop_command(args.state_dir, "emulator", "the SaladCloud emulator", timeout_s=15)


def status(args: argparse.Namespace) -> int:
    """Print groups and replica processes as JSON."""
    try:
        r = _status(args, 5.0)
    except httpx.HTTPError:
        print("emulator: not running")
        return 1
    print(json.dumps(r.json(), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch the subcommand."""
    args = _parser().parse_args(argv)
    return {"serve": serve, "stop": stop, "status": status}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
