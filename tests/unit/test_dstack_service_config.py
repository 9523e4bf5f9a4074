"""The dstack service configuration of a plan, checked by dstack's own configuration models (no server), and
the component's render mode (`make render STACK=dstack-dev`) under Pulumi mocks."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components.catalog.tokenizers import shipped_chat_template
from components.config import ConfigError
from components.providers.dstack.rules import IN_PLACE, ROLLING, classify
from components.providers.dstack.service_config import ServiceConfigError, service_config, source_key
from components.providers.dstack.settings import DstackSettings
from components.providers.dstack.validate import check, parse, unresolved_env
from components.stack import parse_config
from tests.dstack_cases import ROOT, stack_cfg
from tests.plans import plan_for
from tests.program.harness import Recorder, build_service, settle

SNAPSHOTS = ROOT / "tests" / "unit" / "snapshots"
TGI_VENV = "/usr/src/.venv"
SERVER_PYTHON = ROOT / ".venv-dstack" / "bin" / "python"
SEED_GPTQ_EOS = "</s>"
BASE = {"tgi-fleet:provider": "dstack", "tgi-fleet:model": json.dumps({"id": "mistralai/Mistral-7B-Instruct-v0.1"}),
        "tgi-fleet:gpu": json.dumps({"min_vram_gb": 24})}


def conf_of(raw: dict[str, str] | None = None, hf_token: bool = True, **settings: Any) -> dict[str, Any]:
    cfg = parse_config({**BASE, **(raw or {})})
    return service_config(cfg, plan_for(cfg), DstackSettings(**settings), hf_token=hf_token)


def render(stack: str, out: Path) -> str:
    """What `make render STACK=...` writes: the component in render mode (no server, no secret read)."""
    cfg = stack_cfg(stack, render_dir=str(out))
    pulumi.runtime.set_mocks(Recorder(), project="tgi-fleet", stack=stack, preview=False)
    service = settle(lambda: build_service(cfg))
    assert service.contract.provider == "dstack"
    return (out / "serve.dstack.yml").read_text()


@pytest.mark.parametrize("stack", ["dstack-dev", "dstack-gptq"])
def test_rendered_stacks_match_the_reviewed_snapshots(stack: str, tmp_path: Path) -> None:
    text = render(stack, tmp_path)
    snap = SNAPSHOTS / f"{stack}.serve.dstack.yml"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snap.parent.mkdir(parents=True, exist_ok=True)
        snap.write_text(text)
    assert text == snap.read_text(), f"the dstack config of {stack} changed: review, then UPDATE_SNAPSHOTS=1"
    parsed = parse(yaml.safe_load(text))  # dstack's own models accept the reviewed file
    assert parsed.type == "service" and parsed.port.container_port == 80


def test_dev_stack_is_the_seed_example() -> None:
    conf = yaml.safe_load((SNAPSHOTS / "dstack-dev.serve.dstack.yml").read_text())
    parsed = parse(conf)
    assert conf["env"]["MODEL_ID"] == "mistralai/Mistral-7B-Instruct-v0.1"
    # Seed 002 starts `text-generation-launcher --port 80 --trust-remote-code`; the launcher reads the flag from
    # TRUST_REMOTE_CODE as well (clap `env`). dstack's own TGI example (dstackai/dstack examples/inference/tgi/
    # .dstack.yml) first activates /usr/src/.venv "as required by TGI's latest image": TGI 3's Dockerfile appends
    # that uv venv to PATH, behind the system Python. Older images have no such venv, hence the test.
    assert conf["env"]["TRUST_REMOTE_CODE"] == "true"
    assert conf["commands"] == [f"if [ -f {TGI_VENV}/bin/activate ]; then . {TGI_VENV}/bin/activate; fi",
                                "text-generation-launcher --port 80"] and conf["port"] == 80
    assert (parsed.model.type, parsed.model.format, parsed.model.name) == ("chat", "tgi", conf["env"]["MODEL_ID"])
    assert parsed.resources.gpu.memory.min == 24 and parsed.resources.gpu.count.min == 1
    assert parsed.gateway is False and "replicas" not in conf and "scaling" not in conf
    assert conf["env"]["HF_TOKEN"] == "${{ secrets.hf_token }}"  # a project secret, never the value
    assert [p.url for p in parsed.probes] == ["/health"]
    # What keeps get_plan and apply off the registry and the Hub: user + CPU arch, chat_template + eos_token.
    assert parsed.user == "root" and parsed.resources.cpu.arch.value == "x86"
    assert parsed.model.chat_template and parsed.model.eos_token == "</s>"


def test_gptq_stack_carries_the_seed_template() -> None:
    conf = yaml.safe_load((SNAPSHOTS / "dstack-gptq.serve.dstack.yml").read_text())
    seed = next((ROOT.parent / "shared" / "seeds").glob("002_*.txt"), None)
    assert conf["env"]["QUANTIZE"] == "gptq" and "HF_TOKEN" not in conf["env"]
    assert conf["model"]["eos_token"] == SEED_GPTQ_EOS
    template = shipped_chat_template("TheBloke/Llama-2-13B-chat-GPTQ")
    assert template is not None and conf["model"]["chat_template"] == template.chat_template
    if seed is not None:  # the seed's YAML block, parsed the way dstack parses it
        block = seed.read_text().split("```yaml\n")[2].split("```")[0]
        assert yaml.safe_load(block)["model"]["chat_template"] == template.chat_template


def test_sharded_plan_gets_one_gpu_per_shard_and_shm() -> None:
    # The catalog's dstack rows are 1-GPU offerings: a 2-shard plan of the same model stands in.
    cfg = parse_config(BASE)
    plan = plan_for(cfg).model_copy(update={"num_shard": 2})
    conf = service_config(cfg, plan, DstackSettings(), hf_token=True)
    parsed = parse(conf)
    assert parsed.resources.gpu.count.min == 2 and conf["env"]["NUM_SHARD"] == "2"
    assert conf["resources"]["shm_size"] == "1GB" and parsed.resources.shm_size == 1


def test_unsharded_plan_has_no_shm_and_limits_from_the_plan() -> None:
    cfg = parse_config(BASE)
    plan = plan_for(cfg)
    conf = service_config(cfg, plan, DstackSettings(), hf_token=False)
    assert "shm_size" not in conf["resources"] and "HF_TOKEN" not in conf["env"]
    assert conf["env"]["MAX_TOTAL_TOKENS"] == str(plan.max_total_tokens)
    assert conf["env"]["MAX_INPUT_TOKENS"] == str(plan.max_input_tokens)


def test_gateway_replicas_autoscaling_and_profile() -> None:
    settings = {"gateway": "my-gw", "autoscaling": {"max_replicas": 4, "target_rps": 10},
                "spot_policy": "auto", "max_price": 1.5, "retry": {"duration": "30m"}, "fleets": ["gpu-fleet"]}
    conf = conf_of({"tgi-fleet:replicas": "2"}, **settings)
    parsed = parse(conf)
    assert conf["replicas"] == "2..4" and conf["scaling"] == {"metric": "rps", "target": 10.0}
    assert (parsed.gateway.name, parsed.spot_policy.value, parsed.max_price) == ("my-gw", "auto", 1.5)
    assert parsed.retry.on_events[0].value == "no-capacity" and parsed.retry.duration == 1800
    assert [f.name for f in parsed.fleets] == ["gpu-fleet"]
    assert conf_of({"tgi-fleet:replicas": "3"})["replicas"] == 3  # fixed replicas need no gateway


def test_autoscaling_without_gateway_fails_naming_the_key() -> None:
    with pytest.raises(ServiceConfigError) as info:
        conf_of(autoscaling={"max_replicas": 4, "target_rps": 10})
    assert "tgi-fleet:dstack.autoscaling" in str(info.value) and "Fix: set tgi-fleet:dstack.gateway" in str(info.value)


def test_model_without_a_shipped_template_names_the_keys() -> None:
    raw = {"tgi-fleet:model": json.dumps({"id": "mistralai/Mistral-7B-Instruct-v0.3"})}
    with pytest.raises(ServiceConfigError) as info:
        conf_of(raw)
    assert "tgi-fleet:dstack.chat_template" in str(info.value) and "model_format: openai" in str(info.value)
    openai = conf_of(raw, model_format="openai")["model"]
    assert openai == {"type": "chat", "name": "mistralai/Mistral-7B-Instruct-v0.3", "format": "openai",
                      "prefix": "/v1"}
    assert conf_of(raw, chat_template="{{ x }}", eos_token="</s>")["model"]["chat_template"] == "{{ x }}"


def test_plain_hf_token_in_extra_env_is_refused() -> None:
    # The stack config refuses it for every provider before the service config is built (issue #27 item 9).
    with pytest.raises((ServiceConfigError, ConfigError), match=r"tgi-fleet:extra_env\.HF_TOKEN is set in plain text"):
        conf_of({"tgi-fleet:extra_env": json.dumps({"HF_TOKEN": "hf_x"})})


def test_bad_gpu_is_refused_by_dstack_naming_both_keys() -> None:
    conf = conf_of()
    conf["resources"]["gpu"] = "24XB"
    with pytest.raises(ServiceConfigError) as info:
        parse(conf)
    msg = str(info.value)
    assert "tgi-fleet:gpu (dstack: resources.gpu.memory.min = '24XB'): could not convert string to float" in msg
    assert "Traceback" not in msg


def test_unknown_key_and_range_without_scaling_name_the_key() -> None:
    with pytest.raises(ServiceConfigError) as info:
        parse({**conf_of(), "replica": 2})
    assert "tgi-fleet:dstack (dstack: replica = 2): Extra inputs are not permitted" in str(info.value)
    with pytest.raises(ServiceConfigError) as info:
        parse({**conf_of(), "replicas": "1..3"})
    assert "ensure to specify `scaling`" in str(info.value)


def test_unresolved_env_values_are_named() -> None:
    conf = conf_of({"tgi-fleet:extra_env": json.dumps({"A": "${{ env.FOO }}", "B": "${{ secrets.nope }}",
                                                       "C": "${{ oops", "D": "$${{ literal }}"})})
    problems = unresolved_env(conf, {"hf_token"})
    assert [p.split(" ")[0] for p in problems] == ["tgi-fleet:extra_env.A", "tgi-fleet:extra_env.B",
                                                   "tgi-fleet:extra_env.C"]
    assert "${{ env.FOO }} is never resolved" in problems[0] and "No pattern closing" in problems[2]
    assert unresolved_env(conf_of(), {"hf_token"}) == []
    assert "secrets.hf_token" in unresolved_env(conf_of(), set())[0]  # the secret the provider sets, when missing
    with pytest.raises(ServiceConfigError, match=r"tgi-fleet:extra_env\.B"):
        check(conf, {"hf_token"})


def test_long_name_and_bad_secret_name_are_refused() -> None:
    with pytest.raises(ServiceConfigError, match="tgi-fleet:name"):
        conf_of({"tgi-fleet:name": "a" * 50})
    with pytest.raises(ValueError, match="hf_token_secret"):
        DstackSettings(hf_token_secret="hf-token")


def test_source_keys() -> None:
    assert source_key("resources.gpu.memory.min") == "tgi-fleet:gpu"
    assert source_key("env.FOO") == "tgi-fleet:extra_env.FOO"
    assert source_key("scaling.target") == "tgi-fleet:dstack.autoscaling"
    assert source_key("whatever") == "tgi-fleet:dstack"


def test_classify_follows_dstacks_rules() -> None:
    old = conf_of()
    assert classify(old, old).kind == "none"
    assert classify(old, {**old, "replicas": 2}) == classify(old, {**old, "replicas": 2})
    assert classify(old, {**old, "replicas": 2}).kind == "in-place"
    assert classify(old, {**old, "image": "x:1"}).kind == "rolling"
    assert classify(old, {**old, "env": {**old["env"], "A": "1"}, "replicas": 2}).kind == "rolling"
    change = classify(old, {**old, "spot_policy": "spot"})
    assert (change.kind, change.fields) == ("restart", ("spot_policy",))
    assert classify(old, {**old, "model": {**old["model"], "eos_token": "<|x|>"}}).kind == "restart"
    assert classify(old, {**old, "https": True}).kind == "none"  # dstack: unset == its default


def test_rule_lists_are_the_installed_dstack_servers() -> None:
    code = ("import json; from dstack._internal.server.services.runs import spec; "
            "print(json.dumps(spec._CONF_UPDATABLE_FIELDS + spec._TYPE_SPECIFIC_CONF_UPDATABLE_FIELDS['service']))")
    out = subprocess.run([str(SERVER_PYTHON), "-c", code], capture_output=True, text=True, check=True).stdout
    assert sorted(json.loads(out)) == sorted(IN_PLACE + ROLLING)


def test_stack_settings_errors_name_the_dstack_key() -> None:
    with pytest.raises(ConfigError) as info:
        stack_cfg(spot_polcy="spot")
    assert "tgi-fleet:dstack.spot_polcy: unknown key" in str(info.value) and "spot_policy" in str(info.value)
    with pytest.raises(ConfigError) as info:
        stack_cfg(hf_token_secret="hf-token")
    assert "tgi-fleet:dstack.hf_token_secret" in str(info.value)


def test_the_seeds_gpu_is_exactly_24gb_ours_at_least() -> None:
    """`dstack run ... --gpu 24GB` (seed 002): dstack reads "24GB" as the range 24..24, "24GB.." as 24 and up
    (dstack's own resource models). The stack asks for at least 24 GB on purpose (docs/providers/dstack.md)."""
    from dstack._internal.core.models.resources import GPUSpec

    exact = GPUSpec.parse_obj({"memory": "24GB"}).memory
    assert exact is not None and (exact.min, exact.max) == (24, 24)
    conf = yaml.safe_load((SNAPSHOTS / "dstack-dev.serve.dstack.yml").read_text())
    ours = parse(conf).resources.gpu.memory
    assert ours is not None and (ours.min, ours.max) == (24, None)
