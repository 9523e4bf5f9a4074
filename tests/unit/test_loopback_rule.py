"""One loopback rule (#25.4): the program (components/urls.py) and the published-passphrase check
(scripts/stack_endpoints.py) share it; the SaladCloud emulator's log shipping keeps its own (it models the
platform and imports no components), and the two agree."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from components.urls import is_loopback_host
from emulator.salad.logship import on_loopback as emulator_on_loopback

ROOT = Path(__file__).resolve().parents[2]
HOSTS = {"127.0.0.1": True, "127.3.2.1": True, "localhost": True, "LocalHost": True, "::1": True, "[::1]": True,
         "0.0.0.0": False, "10.0.0.1": False, "sky.dstack.ai": False, "localhost.sky.dstack.ai": False,
         "127.0.0.1.nip.io": False, "::ffff:8.8.8.8": False, "": False}


def stack_endpoints() -> ModuleType:
    spec = importlib.util.spec_from_file_location("stack_endpoints", ROOT / "scripts" / "stack_endpoints.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("stack_endpoints", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("host", sorted(HOSTS))
def test_every_reader_agrees(host: str) -> None:
    assert is_loopback_host(host) is HOSTS[host]
    assert emulator_on_loopback(host) is HOSTS[host]


def test_the_passphrase_check_uses_the_programs_rule() -> None:
    script = stack_endpoints()
    assert script.is_loopback_host is is_loopback_host
    # As the HTTP client reads the URL: the host after a userinfo '@' is where it connects.
    assert script.on_loopback("k", "http://127.0.0.1:5800/api/public")
    assert script.on_loopback("k", "http://[::1]:3000")
    assert script.on_loopback("k", "127.0.0.1:5801")  # host:port addresses
    assert not script.on_loopback("k", "https://127.0.0.1:3000@sky.dstack.ai")
    assert not script.on_loopback("k", "http://localhost.sky.dstack.ai:3000")


def test_a_local_baseten_api_needs_a_local_s3_with_the_same_rule() -> None:
    from components.providers.baseten.settings import BasetenSettings

    for url in ("http://127.0.0.1:5811", "http://[::1]:5811", "http://LOCALHOST:5811"):
        with pytest.raises(ValueError, match="a local base_url needs s3_endpoint_url"):
            BasetenSettings(base_url=url)
