"""Fixtures every test directory may use: the local emulators (SaladCloud, Baseten), a moto server (127.0.0.1)."""

pytest_plugins = ["tests.emulator_fixture", "tests.moto_fixture", "tests.log_collectors", "tests.baseten_fixture"]
