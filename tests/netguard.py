"""A network guard for a fresh interpreter: every non-loopback connect or lookup is refused and
appended to a log file at once (so a server killed by SIGTERM still leaves its record).

    python -c "import tests.netguard as g; g.install(LOG, loopback=True); ..."
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "", None}


def install(log: str, loopback: bool) -> None:
    path = Path(log)

    def record(what: str, target: Any) -> None:
        with path.open("a", encoding="utf-8") as f:
            f.write(f"{what} {target!r}\n")
        raise OSError(f"network access blocked by test: {what} {target!r}")

    def allowed(host: Any) -> bool:
        return loopback and (host in LOOPBACK or str(host).startswith("127."))

    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: Any, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not allowed(address[0]):
            record("connect", address)
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not allowed(host):
            record("getaddrinfo", host)
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = lambda self, address: connect(self, address)  # type: ignore[method-assign,assignment,return-value,func-returns-value]
    socket.getaddrinfo = getaddrinfo
