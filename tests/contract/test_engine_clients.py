"""The official `openai` client and the smoke stage's pieces against the simulated vLLM and SGLang (issue #26 item 4),
each run from its engine's image by the SaladCloud emulator and reached through its gateway, as a deployed stack is
(tests/contract/test_salad_engine_images.py: the image and command decide the engine).

The gateway's own auth is on (SaladCloud's `Salad-Api-Key` header: docs.salad.com, "Container Gateway
Authentication") and the engine checks its own key: vLLM's from VLLM_API_KEY (vllm-project/vllm
vllm/entrypoints/serve/middleware/register.py, "--api-key option from CLI takes precedence over VLLM_API_KEY"), SGLang's
from --api-key (sgl-project/sglang python/sglang/srt/server_args.py). The client's calls are OpenAI's
(https://platform.openai.com/docs/api-reference/chat, /models): chat streamed and not, the models list; each engine
serves the model under --served-model-name.

The smoke stage (components/smoke/chat.py) with each engine module's own pieces (components/engines/: chat_models,
extra_route, extra_request, extra_answer) passes against the engine's simulation, and fails on an answer of another
shape: the other engine's own route's answer, which a route of the wrong engine gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from components.engines import registry
from components.smoke.chat import SmokeFailure, chat, engine_route
from tests.contract.salad_groups import all_ready, group_body
from tests.emulator_fixture import KEY as SALAD_KEY
from tests.emulator_fixture import Emulator, running

MODEL = "mistralai/Mistral-7B-Instruct-v0.1"
ENGINE_KEY = "engine-key"
QUESTION = [{"role": "user", "content": "What is deep learning?"}]
# What tgi-fleet's engine modules launch (components/engines/vllm.py, sglang.py): the served model name is the id.
GROUPS: dict[str, tuple[str, list[str], dict[str, str], int]] = {
    "vllm": ("vllm/vllm-openai:v0.32.0",
             ["python3", "-m", "vllm.entrypoints.openai.api_server", "--model", MODEL, "--served-model-name", MODEL,
              "--max-model-len", "4096", "--host", "::", "--port", "8000"],
             {"VLLM_API_KEY": ENGINE_KEY}, 8000),
    "sglang": ("lmsysorg/sglang:v0.5.20",
               ["python3", "-m", "sglang.launch_server", "--model-path", MODEL, "--served-model-name", MODEL,
                "--context-length", "4096", "--api-key", ENGINE_KEY, "--host", "::", "--port", "30000"],
               {}, 30000),
}


def engine_group(name: str, image: str, command: list[str], env: dict[str, str], port: int) -> dict[str, Any]:
    body = group_body(name, replicas=1, networking={"protocol": "http", "port": port, "auth": True})
    body["container"] = {**body["container"], "image": image, "command": command, "environment_variables": env}
    body["readiness_probe"]["http"]["port"] = port
    return body


@pytest.fixture(scope="module")
def gateways(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, dict[str, str]]]:
    """One emulator running a vLLM and an SGLang group; each engine's access domain."""
    emu = Emulator.on_free_ports(tmp_path_factory.mktemp("engine-clients") / "emulator")
    with running(emu):
        api = emu.api()
        dns = {}
        for engine, (image, command, env, port) in GROUPS.items():
            r = api.post("/containers", json=engine_group(engine, image, command, env, port))
            assert r.status_code == 201, r.text
            dns[engine] = r.json()["networking"]["dns"]
        for engine in GROUPS:
            all_ready(api, 1, engine)
        yield emu, dns


def headers(dns: str) -> dict[str, str]:
    """The gateway's: the group's domain (Host) and SaladCloud's key."""
    return {"Host": dns, "Salad-Api-Key": SALAD_KEY}


@pytest.mark.parametrize("engine", list(GROUPS))
def test_openai_client_chats_streams_and_lists_models(gateways: tuple[Emulator, dict[str, str]],
                                                      engine: str) -> None:
    emu, dns = gateways
    client = openai.OpenAI(base_url=f"http://{emu.gateway}/v1", api_key=ENGINE_KEY, max_retries=0, timeout=30,
                           default_headers=headers(dns[engine]))
    answer = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=6)  # type: ignore[arg-type]
    assert answer.object == "chat.completion" and answer.model == MODEL
    assert answer.choices[0].message.role == "assistant" and answer.choices[0].message.content
    assert answer.usage is not None and answer.usage.completion_tokens == 6
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + 6
    chunks = list(client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=5, stream=True,  # type: ignore[arg-type]
                                                 stream_options={"include_usage": True}))
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["length"]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 5
    assert MODEL in [m.id for m in client.models.list()]
    with pytest.raises(openai.AuthenticationError):  # the engine's own key, past the gateway's
        openai.OpenAI(base_url=f"http://{emu.gateway}/v1", api_key="not-the-key", max_retries=0, timeout=30,
                      default_headers=headers(dns[engine])).models.list()


@pytest.mark.parametrize("engine", list(GROUPS))
def test_the_smoke_stage_passes_on_each_engines_chat_and_own_route(gateways: tuple[Emulator, dict[str, str]],
                                                                   engine: str) -> None:
    emu, dns = gateways
    eng = registry.engine(engine)
    auth = {**headers(dns[engine]), "Authorization": f"Bearer {ENGINE_KEY}"}
    endpoint = f"http://{emu.gateway}"
    with httpx.Client(timeout=30) as client:
        for stream in (False, True):
            body = {"model": eng.request_model(MODEL), "messages": QUESTION, "max_tokens": 6, "stream": stream}
            m = chat(client, f"{endpoint}/v1/chat/completions", body, auth, eng.chat_models())
            assert m.stream is stream and m.completion_tokens == 6 and m.text.strip()
        assert eng.extra_route is not None
        request = eng.extra_request(eng.request_model(MODEL), "What is deep learning?", 5, {"temperature": 0.5})
        m = engine_route(client, f"{endpoint}{eng.extra_route.path}", request, auth, 5, eng.extra_answer,
                         eng.extra_route.name)
        assert m.completion_tokens == 5 and m.text.strip()


@pytest.mark.parametrize(("engine", "other"), [("vllm", "sglang"), ("sglang", "vllm")])
def test_the_smoke_stage_fails_an_answer_of_another_shape(gateways: tuple[Emulator, dict[str, str]], engine: str,
                                                          other: str) -> None:
    """`engine`'s route checked as `other`'s (e.g. vLLM's /v1/completions read as SGLang's /generate answer)."""
    emu, dns = gateways
    eng, wrong = registry.engine(engine), registry.engine(other)
    assert eng.extra_route is not None and wrong.extra_route is not None
    auth = {**headers(dns[engine]), "Authorization": f"Bearer {ENGINE_KEY}"}
    request = eng.extra_request(MODEL, "What is deep learning?", 5, {})
    with httpx.Client(timeout=30) as client, pytest.raises(SmokeFailure, match=f"not the engine's "
                                                                                f"{wrong.extra_route.name} answer"):
        engine_route(client, f"http://{emu.gateway}{eng.extra_route.path}", request, auth, 5, wrong.extra_answer,
                     wrong.extra_route.name)
