"""Issue #27 item 2: secrets never go on a command line, which any local user reads in /proc/<pid>/cmdline.

dstack's server takes the admin token from DSTACK_SERVER_ADMIN_TOKEN (dstack/_internal/server/services/users.py,
get_or_create_admin_user; `dstack server --token` only copies it there: cli/commands/server.py), so the script and
the test fixture pass it that way; the dstack server tests (tests/contract/test_dstack_*.py) authenticate with it,
which shows the server took it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_dstack_server_is_started_without_the_token_on_its_command_line() -> None:
    for path in (ROOT / "scripts" / "dstack-server.sh", ROOT / "tests" / "dstack_fixture.py"):
        text = path.read_text()
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        assert not re.search(r"--token\b", code), path
        assert "DSTACK_SERVER_ADMIN_TOKEN" in text, path
