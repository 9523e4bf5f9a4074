"""A real `dstack server` (from .venv-dstack) on a free loopback port, with a temporary home; stopped afterwards.

Everything that would reach outside is kept on loopback (each checked with strace on this machine: the server's
only connects go to 127.0.0.1):
- the CLI's once-a-day update check: the temporary home holds today's last-check stamp, so it is skipped;
- gpuhunt's offers catalog, which a background job downloads with no timeout: GPUHUNT_CATALOG_URL points at the
  discard port of 127.0.0.1, where nothing listens, so each try fails at once;
- ~/.dstack/config.yml: DSTACK_DO_NOT_UPDATE_DEFAULT_PROJECT=1 (and HOME is temporary anyway);
- cloud credentials: DSTACK_DEFAULT_CREDS_DISABLED=1, and the server gets a clean environment (no proxies, no
  AWS_*/GOOGLE_* variables, no database URL) rather than the test runner's.
What the service configuration must do for get_plan/apply to stay local (resources.cpu with the architecture plus
`user`, chat_template and eos_token in a tgi model mapping) is components/providers/dstack/service_config.py's job.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from emulator.procs import ServerExited, free_port, wait_until_up
from tests.emulator_fixture import stop_process

if TYPE_CHECKING:
    from dstack.api import Client

ROOT = Path(__file__).resolve().parents[1]
SERVER_BIN = ROOT / ".venv-dstack" / "bin" / "dstack"
TOKEN = "tgi-fleet-test-admin-token"
CLOSED_LOOPBACK_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there
START_TIMEOUT_S = 120.0  # first start runs the database migrations (~10 s here, more on a loaded machine)
STOP_TIMEOUT_S = 30.0  # dstack's shutdown waits 3 s for database connections on purpose


def server_env(home: Path, port: int, token: str) -> dict[str, str]:
    """The whole environment of the server process: nothing inherited but PATH and the locale."""
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    return {
        **keep,
        "HOME": str(home),
        "DSTACK_SERVER_DIR": str(home / "server"),
        "DSTACK_SERVER_ADMIN_TOKEN": token,
        "DSTACK_SERVER_HOST": "127.0.0.1",
        "DSTACK_SERVER_PORT": str(port),
        "DSTACK_SERVER_URL": f"http://127.0.0.1:{port}",
        "DSTACK_DO_NOT_UPDATE_DEFAULT_PROJECT": "1",
        "DSTACK_DEFAULT_CREDS_DISABLED": "1",
        "GPUHUNT_CATALOG_URL": CLOSED_LOOPBACK_URL,
        "DSTACK_SERVER_LOG_LEVEL": "INFO",
    }


def skip_update_check(home: Path) -> None:
    """The dstack CLI asks its update site once a day unless today's stamp exists (dstack's cli/utils/updates.py)."""
    stamp = home / ".cache" / ".dstack" / "cli" / "last_check"
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.touch()


@dataclass
class DstackServer:
    """One `dstack server` process and its temporary home."""

    home: Path
    port: int = field(default_factory=free_port)
    token: str = TOKEN
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.home / "server.log"

    def start(self) -> float:
        """Start it and wait until POST /api/server/get_info answers 200; returns the seconds that took."""
        if not SERVER_BIN.exists():
            raise RuntimeError(f"{SERVER_BIN} is missing: run `scripts/setup.sh dstack-server` (make test does; it "
                               f"creates .venv-dstack)")
        self.home.mkdir(parents=True, exist_ok=True)
        skip_update_check(self.home)
        # The token goes by environment only (server_env: DSTACK_SERVER_ADMIN_TOKEN), never on the command line.
        argv = [str(SERVER_BIN), "server", "--host", "127.0.0.1", "--port", str(self.port), "--no"]
        began = time.monotonic()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(argv, cwd=self.home, env=server_env(self.home, self.port, self.token),
                                         stdout=log, stderr=log, start_new_session=True)

        def answers() -> bool:
            return httpx.post(f"{self.url}/api/server/get_info", timeout=2).status_code == 200

        try:
            wait_until_up(answers, "dstack server", self.proc, timeout_s=START_TIMEOUT_S, poll_s=0.1)
        except (ServerExited, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"{exc}; its log ends:\n{self.log.read_text()[-3000:]}") from None
        return time.monotonic() - began

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to the whole process group if it does not end in time."""
        stop_process(self.proc, STOP_TIMEOUT_S)

    def group_alive(self) -> bool:
        """Whether any process of the server's group (the server and its children) still exists."""
        if self.proc is None:
            return False
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def client(self, project: str = "main") -> Client:
        """dstack's own Python API client for a project of this server."""
        from dstack.api import Client

        return Client.from_config(project_name=project, server_url=self.url, user_token=self.token)

    def new_project(self) -> str:
        """A fresh project (its own runs and secrets), so tests sharing the server do not see each other."""
        name = f"t{uuid.uuid4().hex[:10]}"
        self.client().client.projects.create(name)
        return name


@pytest.fixture(scope="session")
def dstack_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DstackServer]:
    """One dstack server for the session (its first start runs migrations); stopped, children included, after."""
    server = DstackServer(home=tmp_path_factory.mktemp("dstack-home"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert not server.group_alive(), "the dstack server left processes running"


@dataclass(frozen=True)
class DstackProject:
    """A fresh project on the shared server: where a test's runs and secrets live."""

    server: DstackServer
    name: str

    def client(self) -> Client:
        return self.server.client(self.name)

    def live_runs(self) -> list[str]:
        """Names of the runs not deleted (dstack lists deleted runs too, flagged)."""
        runs = self.client().client.runs.list(self.name, repo_id=None, only_active=False, limit=100)
        return [r.run_spec.run_name or "" for r in runs if not r.deleted]


@pytest.fixture
def dstack_project(dstack_server: DstackServer) -> Iterator[DstackProject]:
    """A fresh project; whatever a test leaves in it is stopped and deleted, then the project is deleted."""
    project = DstackProject(dstack_server, dstack_server.new_project())
    yield project
    api = project.client().client
    names = project.live_runs()
    if names:
        api.runs.stop(project.name, names, abort=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            runs = api.runs.list(project.name, repo_id=None, only_active=True, limit=100)
            if not [r for r in runs if not r.status.is_finished()]:
                break
            time.sleep(0.5)
        api.runs.delete(project.name, names)
    api.projects.delete([project.name])
