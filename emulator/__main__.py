"""`python -m emulator serve|stop|status`: the local SaladCloud emulator (emulator.salad), the embedded default."""

from __future__ import annotations

import sys

from emulator.salad.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
