"""Local SaladCloud-API emulator with simulated TGI replicas: the embedded default target (`--stack local`).

Components never import this package; the `local` stack only points the SaladCloud provider at its URL.
"""
