"""Where the real API specs are: contracts/ in the repo, a verbatim copy of ../shared/contracts (the copy keeps a
fresh clone self-contained; test_vendored_contracts.py proves it unchanged when the original is beside the checkout)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "contracts"
SHARED = ROOT.parent / "shared" / "contracts"
