"""dstack server start-up, as the tests' fixture starts it (tests/dstack_fixture.py): the first start in a fresh
home (it creates the SQLite database and runs dstack's migrations) and a restart on the same home; each until
POST /api/server/get_info answers 200. CI pays the first start once per test session.
Run: .venv/bin/python bench/dstack_server_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dstack_fixture import DstackServer  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    first, again = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            server = DstackServer(home=Path(tmp) / "home")
            try:
                first.append(server.start())
                server.stop()
                again.append(server.start())
            finally:
                server.stop()
        print(f"first start {first[-1]:.1f} s, restart {again[-1]:.1f} s", flush=True)
    print(f"median: first start {statistics.median(first):.1f} s, restart {statistics.median(again):.1f} s "
          f"({args.runs} runs)")


if __name__ == "__main__":
    main()
