"""Re-records what a real vLLM answers (tests/recorded/vllm-<version>.json) and its spec (contracts/vllm/openapi.json).

Start a real vLLM first, on a tiny local model, as tests/recorded/vllm-0.32.0.json's `_source` says:
    python -m vllm.entrypoints.openai.api_server --model DIR --served-model-name tiny-llama --max-model-len 256 \\
        --api-key sim-key --host 127.0.0.1 --port PORT --dtype bfloat16 --enforce-eager
then: python scripts/record_vllm_answers.py http://127.0.0.1:PORT
The cases are tests/vllm_answers.py's; the simulated vLLM is held to the recorded answers
(tests/contract/test_engine_replicas.py) and, live, to the real-engine tests' own vLLM (tests/realengine/
test_vllm_sim_live.py); the CLI cases in the file come from vLLM's own parser and are kept as they are.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.vllm_answers import ask, cases  # noqa: E402  (the cases the simulation is held to, live too)

MODEL, KEY, MAX_MODEL_LEN = "tiny-llama", "sim-key", 256


def record(url: str) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """Each case's request and answer (status, content type, body or events), the served spec, the version."""
    with httpx.Client(base_url=url, timeout=120) as client:
        answers = [ask(client, case) for case in cases(MODEL, KEY, MAX_MODEL_LEN)]
        return answers, client.get("/openapi.json").json(), client.get("/version").json()["version"]


def main(url: str) -> int:
    """Write the answers beside the parser cases of the same version, and the spec."""
    answers, spec, version = record(url)
    out = ROOT / "tests" / "recorded" / f"vllm-{version}.json"
    doc = json.loads(out.read_text()) if out.exists() else {}
    doc.update(model=MODEL, max_model_len=MAX_MODEL_LEN, api_key=KEY, answers=answers)
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False))
    (ROOT / "contracts" / "vllm" / "openapi.json").write_text(json.dumps(spec, indent=2))
    print(f"recorded {len(answers)} answers of vLLM {version} to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
