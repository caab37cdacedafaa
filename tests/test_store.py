"""The Chroma adapter's import: chromadb loads without `overrides`' import-time checks, which
are back in force for everything imported after it."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import overrides
real = (overrides.override, overrides.overrides)
from assistant.store import _import_chromadb
chromadb = _import_chromadb()
from chromadb.api.rust import RustBindingsAPI
assert RustBindingsAPI.start.__override__ is True
assert (overrides.override, overrides.overrides) == real
assert _import_chromadb() is chromadb

class Base(overrides.EnforceOverrides):
    def f(self, x: int) -> int:
        return x

try:
    class Child(Base):
        @overrides.override
        def f(self, x: str, y: int) -> int:
            return 0
except TypeError:
    print("checked")
"""


def test_chromadb_is_imported_without_override_checks_and_they_are_restored() -> None:
    res = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    assert (res.returncode, res.stdout.strip()) == (0, "checked"), res.stderr
