"""Drop a crashed run's pending CREATEs that the next `up` adopted: scripts/clear_adopted.py STATE.json.

A `kill -9` during a create leaves the operation pending in the state; the recovering `up` adopts the resource
under the same URN, yet the engine keeps the pending entry and warns about it on every later run. An entry whose
URN is now a live resource is that adopted create; any other pending operation is left for the user to judge.
Rewrites STATE.json (a `pulumi stack export`) and exits 0 when it dropped something, 1 when nothing was to drop.

scripts/clear_adopted.py --refuse-pending STATE.json STACK (what scripts/destroy.sh runs first): exits 1, naming
them and the fix, when the state holds pending CREATEs, whose resources destroy cannot see; 0 otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def refuse_pending(path: Path, stack: str) -> int:
    """1 (and why, on stderr) when a crashed run left pending CREATEs: destroy would leave what they made running."""
    pending = json.loads(path.read_text())["deployment"].get("pending_operations") or []
    creates = [op["resource"]["urn"].rsplit("::", 1)[-1] for op in pending if op.get("type") == "creating"]
    if not creates:
        return 0
    print(f"destroy: a run that died left {len(creates)} pending create(s) ({', '.join(creates)}): what they made may "
          f"exist without being in the state, where destroy cannot see it, and would go on running (and billing). "
          f"Fix: `make recover STACK={stack}` (adopts it), then destroy again; or, once you made sure none of it "
          f"exists on the provider, `scripts/pulumi refresh --stack {stack} --clear-pending-creates`.", file=sys.stderr)
    return 1


def main(path: Path) -> int:
    state = json.loads(path.read_text())
    deployment = state["deployment"]
    live = {r["urn"] for r in deployment.get("resources") or []}
    pending = deployment.get("pending_operations") or []
    adopted = [op for op in pending if op.get("type") == "creating" and op["resource"]["urn"] in live]
    if not adopted:
        return 1
    for op in adopted:
        print(f"recover: cleared the pending create of {op['resource']['urn'].rsplit('::', 1)[-1]} "
              "(adopted by this run)", file=sys.stderr)
    deployment["pending_operations"] = [op for op in pending if op not in adopted]
    path.write_text(json.dumps(state))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--refuse-pending":
        sys.exit(refuse_pending(Path(sys.argv[2]), sys.argv[3]))
    sys.exit(main(Path(sys.argv[1])))
