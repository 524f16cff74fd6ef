#!/usr/bin/env bash
# The PyTorch mirror's tests (python/tests): parity with dnr, Eq. 10 against `dnr degrade`, gloo DDP
# and resume. Installs torch (CPU), safetensors, numpy, Pillow and pytest into a virtual environment
# under .build/ once, and uses the dnr built by `swift build` (or $DNR_BINARY).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/python-venv
if [ ! -x "$venv/bin/pytest" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'torch==2.13.0+cpu' safetensors numpy pillow pytest
fi
export DNR_BINARY=$(realpath "${DNR_BINARY:-.build/debug/dnr}")
cd python && exec "../$venv/bin/python" -m pytest -q tests "$@"
