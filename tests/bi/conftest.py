"""Shared fixtures: one hand-made demo warehouse (demo/EXPECTED.md) built by the real `csc` binary for the whole session."""
import os
import subprocess
from pathlib import Path

import pytest


def csc_binary() -> str:
    path = os.environ.get("CSC_BIN")
    if not path or not Path(path).is_file():
        pytest.fail("set CSC_BIN to the built csc binary (scripts/test.sh does this)")
    return path


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    done = subprocess.run([csc_binary(), "demo", "--hand-made", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out / "warehouse"
