"""ruff (lint + format) and mypy are part of the test command, so CI enforces them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EVAL_SCRIPTS = sorted(str(p.relative_to(REPO)) for p in (REPO / "evals").glob("*.py"))


@pytest.mark.parametrize(
    "cmd",
    [
        pytest.param(["ruff", "check", "assistant", "tests", "bench", "evals"], id="ruff-check"),
        # the eval scripts, not the corpora beside them (ruff would format their Markdown)
        pytest.param(
            ["ruff", "format", "--check", "assistant", "tests", "bench", *EVAL_SCRIPTS],
            id="ruff-format",
        ),
        # a whole-package type check in a subprocess: seconds
        pytest.param(
            ["mypy", "assistant", "bench", "evals", "tests"], id="mypy", marks=pytest.mark.slow
        ),
    ],
)
def test_tool_is_clean(cmd: list[str]) -> None:
    res = subprocess.run([sys.executable, "-m", *cmd], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
