"""Local emulators with simulated TGI replicas: the embedded default target (`--stack local`) and Baseten's.

One folder per emulated service (`salad/`, `baseten/`) beside the pieces they share: the replica supervisor and
processes (`supervisor.py`, `procs.py`, `replica/`), injected faults (`faults.py`), rate limiting (`ratelimit.py`),
proxying to replicas (`forward.py`), the reconcile loop, serving, and the Hub's auth check.
Components never import this package; the `local` stack only points the SaladCloud provider at its URL.
"""
