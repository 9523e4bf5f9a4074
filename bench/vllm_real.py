"""The real vLLM on this machine, as the real-engine tests start it (tests/realengine/vllm_server.py): its start-up
(process start until GET /health answers 200) and a smoke's latencies — a chat completion (8 tokens), and a
streamed one (time to the first token and to the end) — through the official `openai` client.
Run: .venv/bin/python bench/vllm_real.py [--runs 1] [--requests 5]   (needs `scripts/setup.sh vllm`)
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import openai

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.realengine.vllm_server import VllmServer, build_tiny_model, start_vllm  # noqa: E402

MESSAGES = [{"role": "user", "content": "What is deep learning?"}]


def smoke(server: VllmServer, requests: int) -> dict[str, list[float]]:
    """Seconds per chat completion, to the first streamed token, and per streamed completion."""
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=server.api_key, max_retries=0, timeout=120)
    out: dict[str, list[float]] = {"chat": [], "stream_first_token": [], "stream": []}
    for _ in range(requests):
        t0 = time.monotonic()
        client.chat.completions.create(model=server.model, messages=MESSAGES, max_tokens=8,  # type: ignore[arg-type]
                                       extra_body={"ignore_eos": True})
        out["chat"].append(time.monotonic() - t0)
        t0 = time.monotonic()
        first = None
        for chunk in client.chat.completions.create(model=server.model, messages=MESSAGES,  # type: ignore[arg-type]
                                                    max_tokens=8, stream=True, extra_body={"ignore_eos": True}):
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.monotonic() - t0
        out["stream"].append(time.monotonic() - t0)
        out["stream_first_token"].append(first if first is not None else float("nan"))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=1, help="server starts (each a fresh process)")
    p.add_argument("--requests", type=int, default=5, help="smoke rounds per start")
    args = p.parse_args()
    hf_home = build_tiny_model()
    starts: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            server = start_vllm(hf_home, Path(tmp) / f"vllm-{run}.log", api_key=secrets.token_urlsafe(16))
            try:
                starts.append(server.started_s)
                print(f"start {run + 1}: {server.started_s:.1f} s until /health answered 200", flush=True)
                for name, values in smoke(server, args.requests).items():
                    print(f"  {name}: median {statistics.median(values) * 1000:.0f} ms "
                          f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f}, n={len(values)})")
            finally:
                server.stop()
    print(f"start-up: median {statistics.median(starts):.1f} s over {len(starts)} start(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
