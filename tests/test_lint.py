"""ruff (lint + format) and mypy are part of the test command, so CI enforces them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "cmd",
    [
        pytest.param(["ruff", "check", "assistant", "tests", "bench", "evals"], id="ruff-check"),
        pytest.param(["ruff", "format", "--check", "assistant"], id="ruff-format"),
        # a whole-package type check in a subprocess: seconds
        pytest.param(["mypy", "assistant"], id="mypy", marks=pytest.mark.slow),
    ],
)
def test_tool_is_clean(cmd: list[str]) -> None:
    res = subprocess.run([sys.executable, "-m", *cmd], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
