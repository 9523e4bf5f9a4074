"""Fixtures every test directory may use: the local emulators (SaladCloud, Baseten), a moto server, a dstack server
(all on 127.0.0.1), log collectors."""

pytest_plugins = ["tests.emulator_fixture", "tests.baseten_fixture", "tests.moto_fixture", "tests.dstack_fixture",
                  "tests.log_collectors"]
