from __future__ import annotations

from pathlib import Path

import pytest

from assistant import UserError
from assistant.config import Config


def test_defaults_and_overrides() -> None:
    assert Config.from_env({}) == Config()
    cfg = Config.from_env(
        {
            "ASSISTANT_CORPUS_DIR": "/data/docs",
            "ASSISTANT_TOP_K": "5",
            "ASSISTANT_CHROMA_URL": "http://127.0.0.1:9000",
        }
    )
    assert (cfg.corpus_dir, cfg.top_k, cfg.chroma_url) == (
        Path("/data/docs"),
        5,
        "http://127.0.0.1:9000",
    )
    assert (
        Config().max_file_mb,
        Config.from_env({"ASSISTANT_MAX_FILE_MB": "200"}).max_file_mb,
    ) == (
        50,
        200,
    )
    assert (Config().store_batch, Config.from_env({"ASSISTANT_STORE_BATCH": "8"}).store_batch) == (
        1000,
        8,
    )
    ui = Config.from_env(
        {
            "ASSISTANT_HOST": "0.0.0.0",
            "ASSISTANT_PORT": "8080",
            "ASSISTANT_FEEDBACK_FILE": "/tmp/ratings.jsonl",
        }
    )
    assert (ui.ui_host, ui.ui_port, ui.feedback_file) == (
        "0.0.0.0",
        8080,
        Path("/tmp/ratings.jsonl"),
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ASSISTANT_TOP_K": "many"}, "ASSISTANT_TOP_K='many' is not a whole number"),
        ({"ASSISTANT_TOP_K": "0"}, "ASSISTANT_TOP_K=0 is out of range"),
        ({"ASSISTANT_CHROMA_URL": "localhost:8000"}, "is not an http"),
        ({"ASSISTANT_MAX_FILE_MB": "0"}, "ASSISTANT_MAX_FILE_MB=0 is out of range"),
        ({"ASSISTANT_STORE_BATCH": "0"}, "ASSISTANT_STORE_BATCH=0 is out of range"),
        ({"ASSISTANT_STORE_BATCH": "6000"}, "ASSISTANT_STORE_BATCH=6000 is out of range"),
        ({"ASSISTANT_EMBED_DEVICE": "gpu"}, "use auto, cpu, cuda or cuda:N"),
    ],
)
def test_bad_values_say_how_to_fix_them(env: dict[str, str], message: str) -> None:
    with pytest.raises(UserError, match=message):
        Config.from_env(env)


def test_unknown_model_folder(tmp_path: Path) -> None:
    from assistant.embedding import ModelFiles

    with pytest.raises(UserError, match="not a sentence-transformers model folder"):
        ModelFiles.resolve(tmp_path)


def test_embed_device_defaults_to_auto_and_takes_cuda_n() -> None:
    assert (
        Config().embed_device,
        Config.from_env({"ASSISTANT_EMBED_DEVICE": "cuda:1"}).embed_device,
    ) == ("auto", "cuda:1")
