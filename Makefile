# Every pulumi command goes through scripts/pulumi (engine + venv on PATH, local file backend by default).
STACK ?= local
PULUMI := scripts/pulumi
PY := .venv/bin/python
# Every preview and up runs the policy pack (POLICY_CONFIG=file.json passes its thresholds).
# A stack may carry its own thresholds, stacks/STACK.policy.json (local-vllm: a CPU-bound local demo).
# An empty POLICY_CONFIG in the environment (exported by an outer make, e.g. `make test`'s) counts as unset.
POLICY_CONFIG := $(or $(POLICY_CONFIG),$(wildcard stacks/$(STACK).policy.json))
export POLICY_CONFIG
POLICY_PACK = --policy-pack policies $(if $(POLICY_CONFIG),--policy-pack-config $(POLICY_CONFIG))

.PHONY: setup demo demo-down test lint checks preview up recover destroy refresh render truss emulator \
	baseten-demo baseten-demo-down drain dstack-config dstack-server dstack-server-stop docs test-fast

# Setup builds what the task needs: the engine and the runtime packages for everything (all `make demo` waits
# for), the test tools and actionlint for lint, the Kubernetes provider plugin for Kubernetes stacks and the tests.
setup:
	@scripts/setup.sh

# The main job on the embedded default: the local SaladCloud emulator + `pulumi up --stack local`. STACK=local-vllm:
# the same on real CPU vLLM replicas (setup adds vLLM's own venv and the tiny model for it).
demo: setup
	@$(if $(filter local-vllm,$(STACK)),scripts/setup.sh vllm)
	@scripts/demo.sh up $(STACK)

demo-down: setup
	@scripts/demo.sh down $(STACK)

lint:
	@scripts/setup.sh dev actionlint
	@$(MAKE) --no-print-directory checks

# pytest-xdist workers: most of the suite waits (the Pulumi engine, emulators, readiness), so more workers than cores
# pay off (bench/suite_time.py). loadgroup keeps the tests of one shared session fixture on one worker.
TEST_WORKERS ?= 4

# Set-up, checks, the suite; a first run's real vLLM installs beside them (scripts/test.sh says how).
test:
	@TEST_WORKERS=$(TEST_WORKERS) scripts/test.sh

# docs/config.md from the config models (a test fails when it is stale).
docs:
	@$(PY) scripts/config_docs.py >docs/config.md

# The fast tiers alone (unit and program tests, about a minute), for the edit-test loop; `make test` runs them all.
test-fast:
	@scripts/setup.sh dev
	$(PY) -m pytest -q -m "unit or program"

checks:
	.venv/bin/ruff check .
	.venv/bin/mypy components policies
	.venv/bin/lint-imports
	$(PATH_WITH_TOOLS) actionlint .github/workflows/*.yml

# The same preview + policy report the pull-request workflow posts.
preview:
	@scripts/setup.sh --stack $(STACK)
	@scripts/preview.sh $(STACK)

up:
	@scripts/setup.sh --stack $(STACK)
	@$(PULUMI) stack select $(STACK) --create >/dev/null
	$(PULUMI) up --stack $(STACK) $(POLICY_PACK) $(ARGS)

# After a crash during `make up`: release the dead run's lock, then up again (adopts what the dead run made).
recover:
	@scripts/setup.sh --stack $(STACK)
	@scripts/recover.sh $(STACK) $(ARGS)

# Blue-green: delete now the groups an update replaced, instead of in the first `up` salad.drain_s after it.
drain:
	@scripts/setup.sh --stack $(STACK)
	TGI_FLEET_DRAIN_NOW=1 $(PULUMI) up --stack $(STACK) $(POLICY_PACK) $(ARGS)

refresh:
	@scripts/setup.sh --stack $(STACK)
	$(PULUMI) refresh --stack $(STACK) $(ARGS)

# Refuses while a crashed run's pending creates are in the state (run `make recover` first): see scripts/destroy.sh.
destroy:
	@scripts/setup.sh --stack $(STACK)
	@scripts/destroy.sh $(STACK) $(ARGS)

# Render mode: write what STACK would deploy (Kubernetes manifests, ...) to rendered/STACK instead of deploying.
render:
	@scripts/setup.sh --stack $(or $(filter-out local,$(STACK)),k8s-prod)
	@scripts/render.sh $(or $(filter-out local,$(STACK)),k8s-prod) $(ARGS)

# Baseten against the local Baseten emulator: start it, `pulumi up --stack STACK` (baseten-mistral, baseten-mixtral, baseten-vllm),
# smoke-test; baseten-demo-down destroys the stack and stops the emulator.
baseten-demo: setup
	@scripts/baseten-demo.sh up $(or $(filter-out local,$(STACK)),baseten-mistral)

baseten-demo-down: setup
	@scripts/baseten-demo.sh down $(or $(filter-out local,$(STACK)),baseten-mistral)

# Baseten: write the truss (config.yaml; model/model.py for engine tgi) that STACK (baseten-mistral, baseten-mixtral, baseten-vllm)
# pushes to rendered/STACK-truss.
truss: setup
	@$(PY) -m components.providers.baseten truss $(or $(filter-out local,$(STACK)),baseten-mistral)

emulator: setup
	$(PY) -m emulator serve

PATH_WITH_TOOLS = PATH="$$(cat .venv/tgi-fleet-path):$$PATH"

# dstack: the service configuration `pulumi up` would apply for STACK (dstack-dev, dstack-gptq), for review:
# `make render` (no server, no secrets) and a copy in ./serve.dstack.yml.
dstack-config: render
	@cp rendered/$(STACK)/serve.dstack.yml serve.dstack.yml && echo "dstack-config: wrote serve.dstack.yml"

# A local dstack server on 127.0.0.1:3000 (background, home .dstack-server/) for the dstack stacks; prints the token
# command. No fleet here: `make up STACK=dstack-dev` then ends with dstack's no-capacity message and its fix.
dstack-server:
	@scripts/setup.sh dstack-server
	@scripts/dstack-server.sh start

dstack-server-stop:
	@scripts/dstack-server.sh stop
