# Every pulumi command goes through scripts/pulumi (engine + venv on PATH, local file backend by default).
STACK ?= local
PULUMI := scripts/pulumi
PY := .venv/bin/python
# Every preview and up runs the policy pack (POLICY_CONFIG=file.json passes its thresholds).
POLICY_PACK = --policy-pack policies $(if $(POLICY_CONFIG),--policy-pack-config $(POLICY_CONFIG))

.PHONY: setup demo demo-down test lint checks preview up destroy refresh render emulator

# Setup builds what the task needs: the engine and the runtime packages for everything (all `make demo` waits
# for), the test tools and actionlint for lint, the Kubernetes provider plugin for Kubernetes stacks and the tests.
setup:
	@scripts/setup.sh

# The main job on the embedded default: the local SaladCloud emulator + `pulumi up --stack local`.
demo: setup
	@scripts/demo.sh up

demo-down: setup
	@scripts/demo.sh down

lint:
	@scripts/setup.sh dev actionlint
	@$(MAKE) --no-print-directory checks

test:
	@scripts/setup.sh dev actionlint kubernetes
	@$(MAKE) --no-print-directory checks
	$(PY) -m pytest -q

checks:
	.venv/bin/ruff check .
	.venv/bin/mypy components policies
	$(PATH_WITH_TOOLS) actionlint .github/workflows/*.yml

# The same preview + policy report the pull-request workflow posts.
preview:
	@scripts/setup.sh --stack $(STACK)
	@scripts/preview.sh $(STACK)

up:
	@scripts/setup.sh --stack $(STACK)
	@$(PULUMI) stack select $(STACK) --create >/dev/null
	$(PULUMI) up --stack $(STACK) $(POLICY_PACK) $(ARGS)

refresh:
	@scripts/setup.sh --stack $(STACK)
	$(PULUMI) refresh --stack $(STACK) $(ARGS)

destroy:
	@scripts/setup.sh --stack $(STACK)
	$(PULUMI) destroy --stack $(STACK) $(ARGS)

# GitOps: write the Kubernetes manifests of STACK (k8s-prod, gke-prod) to rendered/STACK instead of applying.
render:
	@scripts/setup.sh kubernetes
	@scripts/render.sh $(or $(filter-out local,$(STACK)),k8s-prod) $(ARGS)

emulator: setup
	$(PY) -m emulator serve

PATH_WITH_TOOLS = PATH="$$(cat .venv/tgi-fleet-path):$$PATH"
