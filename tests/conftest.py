"""Fixtures every test directory may use: the local emulator, a moto server, a dstack server (all on 127.0.0.1)."""

pytest_plugins = ["tests.emulator_fixture", "tests.moto_fixture", "tests.dstack_fixture", "tests.log_collectors"]
