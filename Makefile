# Every pulumi command goes through scripts/pulumi (engine + venv on PATH, local file backend by default).
STACK ?= local
PULUMI := scripts/pulumi
PY := .venv/bin/python

.PHONY: setup demo demo-down test lint preview up recover destroy refresh render emulator dstack-config dstack-server \
	dstack-server-stop

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

emulator: setup
	$(PY) -m emulator serve

PATH_WITH_TOOLS = PATH="$$(cat .venv/tgi-fleet-path):$$PATH"

# dstack: the service configuration `pulumi up` would apply for STACK (dstack-dev, dstack-gptq), for review:
# `make render` (no server, no secrets) and a copy in ./serve.dstack.yml.
dstack-config: render
	@cp rendered/$(STACK)/serve.dstack.yml serve.dstack.yml && echo "dstack-config: wrote serve.dstack.yml"

# A local dstack server on 127.0.0.1:3000 (background, home .dstack-server/) for the dstack stacks; prints the token
# command. No fleet here: `make up STACK=dstack-dev` then ends with dstack's no-capacity message and its fix.
dstack-server: setup
	@scripts/dstack-server.sh start

dstack-server-stop:
	@scripts/dstack-server.sh stop
