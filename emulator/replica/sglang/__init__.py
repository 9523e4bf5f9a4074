"""A simulated SGLang server: SGLang's command line (cli.py) and HTTP API (app.py, from SGLang's own app spec,
contracts/sglang/), over the TGI simulation's model (deterministic tokens, TGI_SIM_* timing and faults).

Run: python -m emulator.replica.sglang --model-path MODEL --port N [SGLang's flags]   (always on 127.0.0.1)
"""
