"""Shared fixtures: the real model, real Chroma, the real corpus copied to a temp folder.

Nothing here touches the user's ./index or environment: every Assistant gets explicit temp
folders, and ASSISTANT_* variables are cleared for each test. The one thing kept between runs is
the exported ONNX query encoder, in pytest's cache (see ``session_dir``).
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest

from assistant import Assistant
from assistant.config import Config
from assistant.embedding import ModelFiles, onnx_path

REPO = Path(__file__).resolve().parents[1]


def load_script(name: str) -> ModuleType:
    """A script of ``evals/`` (``fit_evidence.py``) imported as a module, under ``evals_<stem>``."""
    spec = importlib.util.spec_from_file_location(f"evals_{name[:-3]}", REPO / "evals" / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


CORPUS = REPO / "corpus"
R1_SOURCE = "002_651b94a15906443a.txt"


_modules_at_freeze = 0


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup() -> None:
    """Before each test (and its fixtures): when modules were imported since the last time, what
    survives a collection is moved out of the garbage collector's view (``gc.freeze``).

    This process imports Gradio, Chroma, onnxruntime and more (half a million long-lived
    objects), and every in-process ingest calls ``gc.collect()`` (assistant.memory.release)
    several times: each full collection walked all of them, ~0.4 s, about 40 s of CPU in the fast
    run. The assistant's own processes are small and never paid this. Frozen objects are only
    exempt from cycle collection: nothing the code under test does or asserts changes.
    """
    global _modules_at_freeze
    if len(sys.modules) != _modules_at_freeze:
        gc.collect()
        gc.freeze()
        _modules_at_freeze = len(sys.modules)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("ASSISTANT_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def model() -> ModelFiles:
    return ModelFiles.resolve(None)


@pytest.fixture(scope="session")
def session_dir(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, model: ModelFiles
) -> Iterator[Path]:
    """The session's folder; its ``index`` holds the session index and the ONNX query encoder.

    The encoder's export (a child process with torch, ~12 s) is the same file for the same model
    weights, exporter code and libraries, so it is kept in pytest's cache under a key of exactly
    those and linked into the session index when present. The first session after any of them
    changes, and every session without the cache (CI, ``-p no:cacheprovider``, ``--cache-clear``),
    exports it as before; tests that ingest into indexes of their own always export."""
    folder = tmp_path_factory.mktemp("session")
    target = onnx_path(folder / "index", model)
    cached = _cached_onnx(request.config, model)
    if cached is not None and cached.is_file():
        target.parent.mkdir(parents=True)
        _link_or_copy(cached, target)
    yield folder
    if cached is not None and target.is_file() and not cached.is_file():
        for old in cached.parent.glob(f"{model.key}-*.onnx"):  # other exporters' or libraries'
            old.unlink(missing_ok=True)
        part = cached.with_name(f"{cached.name}.{os.getpid()}.part")
        _link_or_copy(target, part)
        part.replace(cached)  # atomic: a concurrent session never reads half a file


ONNX_EXPORT_INPUTS = ("torch", "transformers", "sentence-transformers", "onnxruntime", "tokenizers")


def _cached_onnx(config: pytest.Config, model: ModelFiles) -> Path | None:
    cache = getattr(config, "cache", None)
    if cache is None:
        return None
    key = hashlib.sha256((REPO / "assistant" / "embedding.py").read_bytes())
    key.update(f"{sys.version_info[:2]} {model.path} {model.key}".encode())
    for dist in ONNX_EXPORT_INPUTS:
        try:
            key.update(f"{dist}=={metadata.version(dist)};".encode())
        except metadata.PackageNotFoundError:
            key.update(f"{dist} missing;".encode())
    return Path(cache.mkdir("onnx-export")) / f"{model.key}-{key.hexdigest()[:16]}.onnx"


def _link_or_copy(src: Path, dst: Path) -> None:
    """A hard link (the file is only ever read, and replaced whole), else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


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
    made: list[Assistant] = []

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
