"""Shared fixtures: the real model, real Chroma, the real corpus copied to a temp folder.

Nothing here touches the user's ./index or environment: every Assistant gets explicit temp
folders, and ASSISTANT_* variables are cleared for each test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.config import Config
from assistant.embedding import ModelFiles

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
R1_SOURCE = "002_651b94a15906443a.txt"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def model() -> ModelFiles:
    return ModelFiles.resolve(None)


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("session")


@pytest.fixture(scope="session")
def corpus_copy(session_dir: Path) -> Path:
    dst = session_dir / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst


@pytest.fixture(scope="session")
def assistant(session_dir: Path, corpus_copy: Path) -> Assistant:
    """The real corpus, indexed once for the whole session (model and ONNX export included)."""
    a = Assistant(config=Config(corpus_dir=corpus_copy, index_dir=session_dir / "index"))
    a.ingest()
    return a


@pytest.fixture
def make_assistant(session_dir: Path, request: pytest.FixtureRequest) -> Iterator[object]:
    """Assistants over tiny corpora, each in its own collection of the session index.

    They share the session's Chroma folder and ONNX export, so only the embedding work is per test.
    """
    made = []

    def make(corpus_dir: Path, **changes: object) -> Assistant:
        name = f"t{abs(hash(request.node.nodeid)) % 10**10}_{len(made)}"
        cfg = Config(corpus_dir=corpus_dir, index_dir=session_dir / "index", collection=name)
        a = Assistant(config=cfg.with_(**changes))
        made.append(a)
        return a

    yield make
    for a in made:
        if a._store is not None:  # only stores that were opened (an unreachable server never is)
            a._store.drop()


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
