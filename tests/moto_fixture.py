"""A moto server (AWS Secrets Manager) on a free loopback port, for the tests that read secrets from AWS."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from emulator.procs import ServerExited, free_port, wait_until_up

AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@dataclass(frozen=True)
class Moto:
    """The server's URL and a Secrets Manager client bound to it."""

    url: str

    def secretsmanager(self) -> Any:
        return boto3.client("secretsmanager", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def moto_server(tmp_path: Path) -> Iterator[Moto]:
    port = free_port()
    with open(tmp_path / "moto.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        httpx.get(url, timeout=1)  # any HTTP answer: the server is up
        return True

    try:
        try:
            wait_until_up(answers, "moto", proc, poll_s=0.2)
        except (ServerExited, TimeoutError):
            raise RuntimeError(f"moto did not start: {(tmp_path / 'moto.log').read_text()[-1000:]}") from None
        yield Moto(url)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
