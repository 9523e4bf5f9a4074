"""A stand-in replica for tests/contract/test_zygote.py: `python -m tests.contract.zygote_child MODE ARGS...`.

It prints what a replica's start would show (its argv, an env variable, its session and process names) on stdout,
a line on stderr, and then: `exit N` exits with N, `wait` sleeps until killed, `raise` dies of an exception.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

if __name__ == "__main__":
    comm = Path(f"/proc/{os.getpid()}/comm").read_text().strip() if Path("/proc").is_dir() else ""
    print(json.dumps({"argv": sys.argv[1:], "env": os.environ.get("ZYGOTE_TEST"), "pid": os.getpid(),
                      "ppid": os.getppid(), "sid": os.getsid(0), "comm": comm,
                      "stdin": sys.stdin.read(), "home": "EMULATOR_ONLY" in os.environ}), flush=True)
    print("to stderr", file=sys.stderr, flush=True)
    mode = sys.argv[1]
    if mode == "exit":
        sys.exit(int(sys.argv[2]))
    if mode == "raise":
        raise RuntimeError("replica failed")
    time.sleep(300)
