"""A simulated vLLM OpenAI server: vLLM's command line (cli.py) and HTTP API (app.py, from the /openapi.json a real
vLLM serves, contracts/vllm/), over the TGI simulation's model (deterministic tokens, TGI_SIM_* timing and faults).

Run: python -m emulator.replica.vllm [serve] MODEL --port N [vLLM's flags]   (always on 127.0.0.1)
"""
