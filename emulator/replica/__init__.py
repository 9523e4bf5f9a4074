"""A simulated TGI server: TGI's router API (docs/openapi.json) with deterministic tokens and real timing.

Configured like TGI (MODEL_ID, MAX_INPUT_TOKENS, MAX_TOTAL_TOKENS, PAYLOAD_LIMIT, ... from the environment) plus
TGI_SIM_*:
  TGI_SIM_DOWNLOAD_MB_S     the node's Hub download rate: the weights (the Hub's size) download first, at this
                            rate, before the load (unset: already cached)
  TGI_SIM_LOAD_S            seconds until the "model" is loaded (/health answers 503 until then)
  TGI_SIM_TOKEN_MS          per-token latency
  TGI_SIM_GPU_VRAM_BYTES    emulated GPU memory; TGI's own start-up rule (warmup.py) decides out-of-memory
  TGI_SIM_FAULTS            comma list: crash_on_load, slow_tokens:MS, error_burst:N (first N requests fail)
Run: python -m emulator.replica --port N

settings.py reads the environment, engine.py is the simulated model, app.py the router's HTTP API.
The other engines' simulations share engine.py (and sse.py, openai_compat.py) and their TGI_SIM_* knobs, each with
its engine's own command line and API: vllm/ (python -m emulator.replica.vllm) and sglang/
(python -m emulator.replica.sglang).
"""

from emulator.replica.app import create_app
from emulator.replica.settings import Settings

__all__ = ["Settings", "create_app"]
