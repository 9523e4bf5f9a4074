"""The reliability campaign (issue #27): runs the tests that inject each fault and each bad config, the crash tests
and the update benchmark, and prints bench/README.md's reliability table from what they report.

- Faults: each fault below is injected by the tests named beside it (an emulator fault, a `kill -9`, a change
  made out of band, a dead API, crash-looping replicas, an update under load), which pass only when the program
  recovers as the issue asks (or fails with the cause, the fix and what still bills). Survived = all its tests
  passed.
- Bad configs: every case of the tests listed in BAD_CONFIGS is one bad config; caught = the program refused it at
  preview (or before: the config and plan checks preview runs) naming the key and the fix, i.e. the case passed.
- Crashes: tests/engine/test_crash.py records, per crash, the provider/analyzer processes left once the killed
  engine is gone, and the groups or models left beyond the one adopted, and after destroy (junit properties).
- Updates: bench/update_availability.py's lines (failed / total client requests per update kind).

Run (after `scripts/setup.sh dev kubernetes dstack-server`): .venv/bin/python bench/reliability.py
[--skip-updates] [--part faults|configs|crashes|updates ...]. Tens of minutes on 2 cores: every case is a real
`pulumi` run against an emulator or a local dstack server.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")

E, C = "tests/engine/", "tests/contract/"
# (provider, the fault injected, the tests that inject it and check the recovery)
FAULTS: list[tuple[str, str, list[str]]] = [
    ("SaladCloud", "kill -9 of `pulumi up` during the group's create (then `make recover`)",
     [E + "test_crash.py::test_kill_9_during_create_then_up_adopts"]),
    ("SaladCloud", "group stopped, deleted out of band; a replica killed",
     [E + "test_drift.py::test_up_repairs_drift"]),
    ("SaladCloud", "API 5xx/429 and a create whose answer is lost",
     [E + "test_local_stack.py::test_api_faults_are_retried_and_a_lost_create_is_adopted"]),
    ("SaladCloud", "a group of the same name this stack did not make",
     [E + "test_local_stack.py::test_name_conflict_is_a_clear_error"]),
    ("SaladCloud", "an instance reallocated during the readiness wait",
     [E + "test_local_stack.py::test_instance_reallocated_during_the_readiness_wait"]),
    ("SaladCloud", "group deleted out of band, found by refresh; the API restarted",
     [E + "test_local_stack.py::test_refresh_finds_out_of_band_delete_and_survives_a_restart"]),
    ("SaladCloud", "the API hangs through the readiness wait",
     [E + "test_dead_api.py",
      C + "test_readiness_dead_api.py::test_a_hung_saladcloud_api_ends_the_wait_with_its_error"]),
    ("SaladCloud", "crash-looping replicas (CUDA out of memory)",
     [E + "test_billing.py::test_crash_looping_replicas_fail_up_and_say_what_still_bills"]),
    ("SaladCloud", "replicas never ready, smoke.on_failure: stop",
     [E + "test_billing.py::test_on_failure_stop_stops_a_group_that_never_became_ready"]),
    ("SaladCloud", "an SLO miss", [E + "test_local_stack.py::test_slo_miss_fails_the_update"]),
    ("SaladCloud", "scale-down 3 -> 2 under load", [E + "test_updates.py::test_scale_down_restarts_nothing"]),
    ("SaladCloud", "blue-green update under load (client following the stack outputs)",
     [E + "test_updates.py::test_blue_green_client_following_the_stack_outputs_loses_nothing",
      E + "test_updates.py::test_blue_green_drain_now_and_destroy_remove_every_group"]),
    ("SaladCloud", "a group that cannot start; bodies the API cannot read",
     [C + "test_salad_robustness.py::test_a_group_that_cannot_start_fails_alone",
      C + "test_salad_robustness.py::test_bodies_it_cannot_read_are_the_apis_400s"]),
    ("Baseten", "kill -9 of `pulumi up` during the model's create (then `make recover`, `make destroy`)",
     [E + "test_crash.py::test_kill_9_during_a_baseten_create_then_recover_adopts_and_destroy_removes_it"]),
    ("Baseten", "API 5xx/429 and a create whose answer is lost",
     [E + "test_baseten_stacks.py::test_faults_are_retried_and_a_lost_create_is_adopted",
      C + "test_baseten_provider.py::test_429_and_5xx_are_retried",
      C + "test_baseten_provider.py::test_a_timeout_after_the_server_created_the_model_is_adopted"]),
    ("Baseten", "the truss build fails",
     [E + "test_baseten_stacks.py::test_build_failed_is_a_clear_error_and_leaves_nothing"]),
    ("Baseten", "model deleted out of band (refresh, plain up)",
     [E + "test_baseten_stacks.py::test_a_model_deleted_out_of_band_is_found_by_refresh",
      E + "test_baseten_stacks.py::test_a_model_deleted_out_of_band_is_made_again_by_plain_up"]),
    ("Baseten", "the API hangs through the readiness wait",
     [C + "test_readiness_dead_api.py::test_a_hung_baseten_api_ends_the_wait_with_its_error"]),
    ("Baseten", "a new deployment fails while production serves",
     [C + "test_baseten_provider.py::test_a_failed_new_deployment_leaves_production_serving"]),
    ("Baseten", "an SLO miss, smoke.on_failure: stop",
     [E + "test_billing.py::test_on_failure_stop_deactivates_the_baseten_deployment"]),
    ("Baseten", "Baseten keeps the model after delete",
     [C + "test_baseten_provider.py::test_destroy_fails_while_baseten_keeps_the_model"]),
    ("dstack", "no capacity for the run",
     [E + "test_dstack.py::test_up_fails_clearly_with_no_capacity_and_destroy_leaves_nothing"]),
    ("dstack", "the server stopped during the readiness wait",
     [C + "test_readiness_dead_api.py::test_a_stopped_dstack_server_ends_the_wait_with_its_error"]),
    ("dstack", "run stopped, deleted out of band",
     [C + "test_dstack_provider.py::test_up_repairs_a_run_deleted_or_stopped_out_of_band"]),
    ("dstack", "a stuck run, smoke.on_failure: stop (Provider.stop)",
     [C + "test_dstack_provider.py::test_provider_stop_stops_the_run_as_the_server_reports_it"]),
]

# Every case of these tests is one bad config the program must refuse at preview, naming the key and the fix.
BAD_CONFIGS = [
    E + "test_bad_config.py::test_bad_config_fails_at_preview_naming_the_key",
    E + "test_local_stack.py::test_bad_config_fails_at_preview_naming_the_field",
    E + "test_baseten_stacks.py::test_bad_config_fails_at_preview_naming_the_key",
    E + "test_baseten_stacks.py::test_a_plain_text_api_key_fails_at_preview",
    E + "test_dstack.py::test_bad_config_fails_at_preview_naming_the_key",
    "tests/unit/test_config.py::test_prod_without_gateway_auth_is_refused",
    "tests/unit/test_config.py::test_extra_env_may_not_override_what_the_plan_sets",
    "tests/unit/test_config.py::test_extra_env_may_not_carry_secrets_in_plain_text",
    "tests/unit/test_config.py::test_malformed_hf_endpoint_is_refused",
    "tests/unit/test_config.py::test_malformed_salad_urls_are_refused",
    "tests/unit/test_config.py::test_malformed_dstack_server_url_names_the_key",
    "tests/unit/test_config.py::test_unknown_country_code_is_caught_with_a_suggestion",
    "tests/unit/test_plan.py::test_num_shard_must_divide_the_attention_heads",
    "tests/unit/test_plan.py::test_num_shard_beyond_the_gpus_of_the_class_is_refused",
    "tests/unit/test_plan.py::test_gptq_needs_a_gptq_checkpoint",
    "tests/unit/test_plan.py::test_missing_config_path_says_no_such_file",
]

CRASHES = [E + "test_crash.py"]


@dataclass
class Case:
    """One test case as junit reports it."""

    node: str
    outcome: str  # passed, failed, skipped
    properties: dict[str, str] = field(default_factory=dict)


def run_pytest(nodes: list[str]) -> list[Case]:
    """Run the tests (one pytest session); their cases, from its junit report."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        subprocess.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *nodes],
                       cwd=ROOT, check=False, stdout=sys.stderr)  # pytest's own report goes to stderr
        if not report.exists():
            return []
        cases = []
        for tc in ET.parse(report).getroot().iter("testcase"):
            path = tc.get("classname", "").replace(".", "/")
            node = f"{path}.py::{tc.get('name')}"
            outcome = "passed"
            for child, what in (("failure", "failed"), ("error", "failed"), ("skipped", "skipped")):
                if tc.find(child) is not None:
                    outcome = what
            props = {p.get("name", ""): p.get("value", "") for p in tc.iter("property")}
            cases.append(Case(node, outcome, props))
        return cases


def of(cases: list[Case], selector: str) -> list[Case]:
    """The cases a selector (a file, or file::test) names, parametrized ones included."""
    return [c for c in cases if c.node == selector or c.node.startswith(selector + "[")
            or (selector.endswith(".py") and c.node.startswith(selector + "::"))]


def faults(cases: list[Case]) -> list[str]:
    lines, survived = [], 0
    for provider, fault, nodes in FAULTS:
        mine = [c for n in nodes for c in of(cases, n)]
        ok = bool(mine) and all(c.outcome == "passed" for c in mine)
        survived += ok
        verdict = "recovered" if ok else ("not run" if not mine or all(c.outcome == "skipped" for c in mine)
                                          else "FAILED: " + ", ".join(c.node for c in mine if c.outcome != "passed"))
        lines.append(f"| {provider} | {fault} | {verdict} |")
    head = [f"faults survived / tried: {survived} / {len(FAULTS)}", "", "| provider | fault | result |",
            "|---|---|---|"]
    return head + lines


def configs(cases: list[Case]) -> list[str]:
    tried = [c for n in BAD_CONFIGS for c in of(cases, n) if c.outcome != "skipped"]
    missed = [c.node for c in tried if c.outcome != "passed"]
    return [f"bad configs caught by the program at preview / tried: {len(tried) - len(missed)} / {len(tried)}"
            + (f" (missed: {', '.join(missed)})" if missed else "")]


def crashes(cases: list[Case]) -> list[str]:
    lines = ["| crash | processes left after the kill | left after recover (beyond the one adopted) | "
             "left after destroy | result |", "|---|---|---|---|---|"]
    for c in (c for n in CRASHES for c in of(cases, n)):
        p = c.properties
        lines.append(f"| {c.node.split('::')[-1]} | {p.get('processes_left', '?')} | "
                     f"{p.get('duplicates_after_recover', '?')} | {p.get('left_after_destroy', '?')} | {c.outcome} |")
    return lines


def updates() -> list[str]:
    out = subprocess.run([PY, str(ROOT / "bench" / "update_availability.py")], cwd=ROOT, check=False,
                         capture_output=True, text=True)
    return ["failed client requests per update kind (bench/update_availability.py):",
            *out.stdout.splitlines(), *(["update_availability.py failed: " + out.stderr[-2000:]]
                                        if out.returncode else [])]


def main() -> int:
    """Run the chosen parts of the campaign (the tests in one pytest session) and print their figures."""
    parts = {"faults": (faults, [n for _, _, nodes in FAULTS for n in nodes]), "configs": (configs, BAD_CONFIGS),
             "crashes": (crashes, CRASHES)}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", action="append", choices=[*sorted(parts), "updates"], help="only these parts")
    parser.add_argument("--skip-updates", action="store_true")
    args = parser.parse_args()
    chosen = args.part or [*parts, *([] if args.skip_updates else ["updates"])]
    tested = [name for name in chosen if name in parts]
    nodes = {n for name in tested for n in parts[name][1]}
    nodes = {n for n in nodes if n.split("::")[0] == n or n.split("::")[0] not in nodes}  # a file runs all of it
    cases = run_pytest(sorted(nodes)) if nodes else []
    for name in tested:
        print("\n".join(parts[name][0](cases)), end="\n\n", flush=True)
    if "updates" in chosen:
        print("\n".join(updates()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
