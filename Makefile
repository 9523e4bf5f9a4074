# Every pulumi command goes through scripts/pulumi (engine + venv on PATH, local file backend by default).
STACK ?= local
PULUMI := scripts/pulumi
PY := .venv/bin/python

.PHONY: setup demo demo-down test lint preview up recover destroy refresh render truss baseten-demo baseten-demo-down emulator

setup:
	@scripts/setup.sh

# The main job on the embedded default: the local SaladCloud emulator + `pulumi up --stack local`.
demo: setup
	@scripts/demo.sh up

demo-down: setup
	@scripts/demo.sh down

lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy components policies
	$(PATH_WITH_TOOLS) actionlint .github/workflows/*.yml

test: setup lint
	$(PY) -m pytest -q

# The same preview + policy report the pull-request workflow posts.
preview: setup
	@scripts/preview.sh $(STACK)

up: setup
	@$(PULUMI) stack select $(STACK) --create >/dev/null
	$(PULUMI) up --stack $(STACK) $(ARGS)

# After a crash during `make up`: release the dead run's lock, then up again (adopts what the dead run made).
recover: setup
	@scripts/recover.sh $(STACK) $(ARGS)

refresh: setup
	$(PULUMI) refresh --stack $(STACK) $(ARGS)

destroy: setup
	$(PULUMI) destroy --stack $(STACK) $(ARGS)

# Render mode: write what STACK would deploy (Kubernetes manifests, ...) to rendered/STACK instead of deploying.
render: setup
	@scripts/render.sh $(or $(filter-out local,$(STACK)),k8s-prod)

# Baseten against the local Baseten emulator: start it, `pulumi up --stack STACK` (baseten-mistral, baseten-mixtral),
# smoke-test; baseten-demo-down destroys the stack and stops the emulator.
baseten-demo: setup
	@scripts/baseten-demo.sh up $(or $(filter-out local,$(STACK)),baseten-mistral)

baseten-demo-down: setup
	@scripts/baseten-demo.sh down $(or $(filter-out local,$(STACK)),baseten-mistral)

# Baseten: write the truss (config.yaml) that STACK (baseten-mistral, baseten-mixtral) pushes to rendered/STACK-truss.
truss: setup
	@$(PY) -m components.providers.baseten truss $(or $(filter-out local,$(STACK)),baseten-mistral)

emulator: setup
	$(PY) -m emulator serve

PATH_WITH_TOOLS = PATH="$$(cat .venv/tgi-fleet-path):$$PATH"
