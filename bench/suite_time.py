"""The test suite's wall time: serially and with pytest-xdist, in the same run, and the ratio.

Each run is `python -m pytest -q -p no:cacheprovider -m MARK` (all tiers by default), first serially, then once per
worker count (`-n N --dist loadgroup`, as `make test` runs it); the summary line of each (passed, failed, skipped)
is printed beside its wall time, since a faster run that skips or fails is no gain. Most of the suite waits (the
Pulumi engine, emulators, readiness waits) rather than computes, which is why more workers than cores pay off, up
to the point where the machine's busy CPU (printed beside each run) reaches its cores: then the suite is CPU-bound
and only less work makes it faster.
Goal (#25.5): the suite <= 10 min on the project's 2 cores (a cold fresh clone, with setup's builds: <= 25 min,
`first_run.py`).
Run: .venv/bin/python bench/suite_time.py [-m "unit or program"] [--workers 0,4,6] [--durations 20]
  (--workers 0 is the serial run; the whole suite serially takes ~25 min on 2 cores)
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# pytest's last line: "434 passed, 193 deselected in 129.46s (0:02:09)" (-q), or between "=" rules.
SUMMARY = re.compile(r"^=* ?(\d+ (?:passed|failed|skipped|error|deselected).*?) in [\d.]+s", re.M)


def test_seconds(report: Path) -> float:
    """The sum of every test's own time (setup, call, teardown) in a JUnit XML report: what the same tests take one
    after the other under the load of that run (with workers, an estimate of the serial run)."""
    if not report.exists():
        return 0.0
    return sum(float(case.get("time") or 0) for case in ET.parse(report).iter("testcase"))


def busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat: all but idle and iowait), so that a run's
    difference counts every process it started, servers and the Pulumi engine included."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run(mark: str | None, workers: int, durations: int, log: Path) -> tuple[float, float, int, str]:
    """One pytest run (0 workers: serial), its output in `log` and its JUnit report beside it; (wall seconds,
    the machine's busy CPU seconds during it, exit status, summary line)."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--durations={durations}",
           f"--junitxml={log.with_suffix('.xml')}"]
    if mark:
        cmd += ["-m", mark]
    if workers:
        cmd += ["-n", str(workers), "--dist", "loadgroup"]
    began, cpu = time.monotonic(), busy_cpu_s()
    with log.open("w") as out:
        rc = subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}).returncode
    took, cpu = time.monotonic() - began, busy_cpu_s() - cpu
    found = SUMMARY.findall(log.read_text(errors="replace"))
    return took, cpu, rc, found[-1] if found else "(no summary line)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-m", dest="mark", help="pytest marker expression (a tier: unit, program, engine, contract)")
    ap.add_argument("--workers", default="0,4", help="comma-separated worker counts; 0 is the serial run")
    ap.add_argument("--durations", type=int, default=20, help="slowest tests listed in each run's log")
    ap.add_argument("--logs", type=Path, default=ROOT / "bench" / "suite_time_logs", help="where each run's log goes")
    args = ap.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    args.logs.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    print(f"suite_time: -m {args.mark or '(all tiers)'}, {os.cpu_count()} cores, load {load:.1f} at the start",
          flush=True)
    first: float | None = None
    for workers in counts:
        label = "serial" if workers == 0 else f"-n {workers}"
        log = args.logs / f"{(args.mark or 'all').replace(' ', '_')}-{workers or 'serial'}.log"
        took, cpu, rc, summary = run(args.mark, workers, args.durations, log)
        first = first or took
        summed = test_seconds(log.with_suffix(".xml"))
        print(f"{label:>8}  {took:7.1f} s  {first / took:5.2f}x of the first  tests' own time {summed:7.1f} s "
              f"({summed / took:4.2f}x the wall)  busy CPU {cpu:6.0f} s ({cpu / took:4.2f} of {os.cpu_count()} cores)  "
              f"exit {rc}  {summary}  (log {log})", flush=True)
    print(f"suite_time: load {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
