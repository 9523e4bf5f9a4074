"""python -m emulator.replica --port N: one simulated TGI server on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from emulator.replica import Settings, create_app


def main(argv: list[str] | None = None) -> int:
    """Serve one replica on 127.0.0.1 (loopback only, whatever HOSTNAME says)."""
    p = argparse.ArgumentParser(prog="python -m emulator.replica")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    args = p.parse_args(argv)
    app = create_app(Settings.from_env(dict(os.environ)))
    # TGI's router (axum on hyper) sends a date and no server name.
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", server_header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
