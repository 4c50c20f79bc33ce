# Two commands on a fresh machine with Python 3.11+:  make run  and  make test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= $(wildcard config.yaml)
CONFIG_ARG := $(if $(CONFIG),--config $(CONFIG),)

.PHONY: run test bench eval lint clean lock container-test

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "faqbot needs Python 3.11 or newer; set PYTHON=python3.11")'
	@echo "First run: creating $(VENV) and installing faqbot's dependencies with pip (about 30 s, once)."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: pyproject.toml constraints.txt $(VENV)/.python-ok
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml constraints.txt $(VENV)/.python-ok
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@ $(VENV)/.installed

$(VENV)/.bench-installed: pyproject.toml constraints.txt $(VENV)/.python-ok
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	@touch $@ $(VENV)/.installed

## run: the Discord bot when DISCORD_TOKEN is set, otherwise the console chat on the bundled knowledge
run: $(VENV)/.installed
	@if [ -n "$$DISCORD_TOKEN" ]; then exec $(BIN)/faqbot run $(CONFIG_ARG); \
	else echo "DISCORD_TOKEN is not set: starting the console chat (faqbot chat)."; exec $(BIN)/faqbot chat $(CONFIG_ARG); fi

## test: the whole suite (unit, Discord via SimCord, end-to-end on a loopback fake Discord, answer quality)
test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -n 2 --dist loadscope  # a module's tests on one worker: its fitted fixtures built once

## eval: answer quality on every knowledge base (the role, StackFAQ, CLINC150) and the learning curve; plots need the bench extra
eval: $(VENV)/.bench-installed
	$(BIN)/faqbot eval $(CONFIG_ARG)

## bench: quality and speed benchmarks (not part of make test); writes benchmarks/results.md
bench: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks

## lock: re-pin constraints.txt (the image's and the venvs' runtime dependencies) from a clean venv
lock:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "make lock needs Python 3.11, as in the image; set PYTHON=python3.11")'
	@rm -rf .lock-venv .lock-src && mkdir .lock-src && cp -r pyproject.toml README.md bot .lock-src/
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet ./.lock-src
	{ echo "# faqbot's runtime dependencies, pinned for Python 3.11 on Linux. Regenerate with: make lock"; \
	  .lock-venv/bin/python -m pip freeze --exclude faqbot; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt && rm -rf .lock-venv .lock-src
	@echo "constraints.txt: $$(grep -c '==' constraints.txt) pinned packages"

## container-test: build the Dockerfile with podman and smoke-test the image (~5 min the first time; not in make test)
# Podman only: BUILDAH_FORMAT=docker keeps the HEALTHCHECK (the OCI format has none); DISABLE_HC_SYSTEMD stops podman
# from asking systemd, which this machine does not run, for health timers (an error line on every podman run).
container-test:
	BUILDAH_FORMAT=docker DISABLE_HC_SYSTEMD=true bash ../shared/tools/container-check.sh

lint: $(VENV)/.test-installed
	$(BIN)/ruff check bot tests benchmarks
	$(BIN)/ruff format --check bot tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info build .lock-venv .lock-src
