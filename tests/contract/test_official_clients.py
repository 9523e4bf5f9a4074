"""The clients users have, against the local stack: SaladCloud's own SDK (salad-cloud-sdk) against the emulated API,
and openai, huggingface_hub's InferenceClient and TGI's own text-generation client through the emulated gateway to
the simulated TGI.

text-generation 0.7.0 (its last release) needs huggingface_hub<1.0, which cannot co-install with this project's
huggingface_hub 2.4.0: it runs from its own venv (.venv-tgi-client, `scripts/setup.sh tgi-client`), driven by
text_generation_probe.py in a subprocess.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from huggingface_hub import InferenceClient
from huggingface_hub.errors import ValidationError as HubValidationError
from salad_cloud_sdk import SaladCloudSdk
from salad_cloud_sdk.models import ContainerGroupCreationRequest, ProblemDetails

from tests.contract.salad_groups import RTX_4090, all_ready, group_body
from tests.emulator_fixture import KEY, ORG, PROJECT, Emulator, running

MODEL = "mistralai/Mistral-7B-Instruct-v0.3"
TGI_CLIENT = Path(__file__).resolve().parents[2] / ".venv-tgi-client" / "bin" / "python"
QUESTION = [{"role": "user", "content": "What is deep learning?"}]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, str]]:
    """One emulator with one authenticated TGI group (2 replicas) for the gateway tests; its access domain."""
    emu = Emulator.on_free_ports(tmp_path_factory.mktemp("clients") / "emulator")
    with running(emu):
        body = group_body("clients", replicas=2, networking={"protocol": "http", "port": 3000, "auth": True})
        body["container"]["environment_variables"] = {"MODEL_ID": MODEL, "MAX_TOTAL_TOKENS": "4096",
                                                      "MAX_INPUT_TOKENS": "4000"}
        api = emu.api()
        dns = api.post("/containers", json=body).json()["networking"]["dns"]
        all_ready(api, 2, "clients")
        yield emu, dns


def test_salad_cloud_sdk_drives_the_emulated_api(emulator: Emulator) -> None:
    sdk = SaladCloudSdk(api_key=KEY, base_url=emulator.base_url, timeout=10_000)
    classes = sdk.organization_data.list_gpu_classes(ORG).items
    assert RTX_4090 in {c.id_ for c in classes}
    request = ContainerGroupCreationRequest(**group_body("sdk-group", replicas=1))
    created = sdk.container_groups.create_container_group(request, ORG, PROJECT)
    assert created.name == "sdk-group" and created.version == 1 and created.networking.dns
    got = sdk.container_groups.get_container_group(ORG, PROJECT, "sdk-group")
    assert got.id_ == created.id_ and got.container.resources.gpu_classes == [RTX_4090]
    assert [g.name for g in sdk.container_groups.list_container_groups(ORG, PROJECT).items] == ["sdk-group"]
    all_ready(emulator.api(), 1, "sdk-group")
    instances = sdk.container_groups.list_container_group_instances(ORG, PROJECT, "sdk-group").instances
    assert len(instances) == 1 and instances[0].state == "running" and instances[0].ready
    sdk.container_groups.delete_container_group(ORG, PROJECT, "sdk-group")
    assert emulator.wait_empty()["groups"] == []
    with pytest.raises(ProblemDetails) as missing:  # the SDK's typed error for the spec's ProblemDetails
        sdk.container_groups.get_container_group(ORG, PROJECT, "sdk-group")
    assert missing.value.status == 404 and "sdk-group" in missing.value.detail


def test_openai_chat_and_stream_through_the_gateway(gateway: tuple[Emulator, str]) -> None:
    emu, dns = gateway
    client = openai.OpenAI(base_url=f"http://{emu.gateway}/v1", api_key="-", max_retries=0, timeout=10,
                           default_headers={"Host": dns, "Salad-Api-Key": KEY})
    answer = client.chat.completions.create(model="tgi", messages=QUESTION, max_tokens=12)  # type: ignore[arg-type]
    assert answer.choices[0].message.content and answer.usage and answer.usage.completion_tokens <= 12
    chunks = list(client.chat.completions.create(model="tgi", messages=QUESTION, max_tokens=8, stream=True,  # type: ignore[arg-type]
                                                 stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip() and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 8
    completion = client.completions.create(model="tgi", prompt="Deep learning is", max_tokens=5)
    assert completion.choices[0].text and completion.usage and completion.usage.completion_tokens == 5
    assert [m.id for m in client.models.list()] == [MODEL]  # the router's list (contracts/README.md: not its spec's)
    with pytest.raises(openai.UnprocessableEntityError) as invalid:
        client.chat.completions.create(model="tgi", messages=QUESTION, max_tokens=5000)  # type: ignore[arg-type]
    assert invalid.value.status_code == 422 and "must be <= 4096" in str(invalid.value.body)
    unauthorized = openai.OpenAI(base_url=f"http://{emu.gateway}/v1", api_key="-", max_retries=0,
                                 default_headers={"Host": dns})
    with pytest.raises(openai.AuthenticationError):
        unauthorized.chat.completions.create(model="tgi", messages=QUESTION, max_tokens=4)  # type: ignore[arg-type]


def test_huggingface_inference_client_generate_chat_and_streams(gateway: tuple[Emulator, str]) -> None:
    emu, dns = gateway
    client = InferenceClient(f"http://{emu.gateway}", headers={"Host": dns, "Salad-Api-Key": KEY}, timeout=10)
    out = client.text_generation("What is deep learning?", max_new_tokens=6, details=True, seed=1)
    assert out.details is not None and out.details.generated_tokens == 6 and out.generated_text
    streamed = list(client.text_generation("What is deep learning?", max_new_tokens=6, seed=1, stream=True,
                                           details=True))
    # POST / returns the full text by default, in the answer and the stream's last event alike.
    assert len(streamed) == 6 and streamed[-1].generated_text == out.generated_text
    assert "What is deep learning?" + "".join(s.token.text for s in streamed) == out.generated_text
    chat = client.chat_completion(QUESTION, max_tokens=7)
    assert chat.usage.completion_tokens == 7 and chat.choices[0].message.content
    pieces = list(client.chat_completion(QUESTION, max_tokens=5, stream=True))
    assert "".join(p.choices[0].delta.content or "" for p in pieces if p.choices).strip()
    with pytest.raises(HubValidationError, match="must be <= 4096"):
        client.text_generation("What is deep learning?", max_new_tokens=5000)



def test_text_generation_client_generate_stream_chat_and_errors(gateway: tuple[Emulator, str]) -> None:
    """TGI's own Python client (POST / for generate and generate_stream, /v1/chat/completions for chat)."""
    emu, dns = gateway
    if not TGI_CLIENT.exists():
        pytest.fail(f"{TGI_CLIENT} is missing: run `scripts/setup.sh tgi-client` (make test does)")
    probe = Path(__file__).with_name("text_generation_probe.py")
    done = subprocess.run([str(TGI_CLIENT), str(probe), f"http://{emu.gateway}", dns, KEY],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(done.stdout)
    assert got["generated_tokens"] == 6 and got["finish_reason"] == "length" and got["generated_text"]
    # The stream's tokens make the same text as the plain answer (same seed), and its last event carries it whole.
    assert len(got["stream_tokens"]) == 6 and got["stream_final_tokens"] == 6
    assert "".join(got["stream_tokens"]) == got["stream_final_text"] == got["generated_text"]
    assert got["chat_completion_tokens"] == 7 and got["chat_text"]
    assert got["validation_error"] == ("Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. "
                                       "Given: 5 `inputs` tokens and 5000 `max_new_tokens`")
    assert got["unauthorized"] == "UnknownError"  # the client has no type of its own for a 401
