"""Shared fixtures: the repository, the built `dnr` (CI builds it before these tests run) and the
reference outputs it writes for the parity tests."""
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "python"))


def dnr_binary():
    explicit = os.environ.get("DNR_BINARY")
    if explicit:
        return os.path.abspath(explicit)
    for build in ("release", "debug"):
        path = os.path.join(REPO, ".build", build, "dnr")
        if os.path.exists(path):
            return path
    pytest.fail("no built dnr: run `swift build` first or set DNR_BINARY")


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def dnr():
    path = dnr_binary()

    def run(*args, **kwargs):
        return subprocess.run([path, *map(str, args)], cwd=REPO, check=True, capture_output=True, text=True, **kwargs)
    return run


@pytest.fixture(scope="session")
def reference(dnr, tmp_path_factory):
    from safetensors import safe_open
    from safetensors.torch import load_file
    path = tmp_path_factory.mktemp("parity") / "reference.safetensors"
    dnr("parity-reference", "--weights", "Models", "-o", path)
    with safe_open(str(path), framework="pt") as f:
        metadata = f.metadata()
    return load_file(str(path)), metadata
