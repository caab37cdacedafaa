"""The LLM adapter: an OpenAI-compatible chat endpoint through the ``openai`` client.

:class:`ChatClient` streams a chat completion, with a timeout and a bounded retry, and turns the
client's errors into one-line messages that say what to set (server unreachable, wrong model
name, bad key, context too long). :class:`LocalServer` runs llama.cpp in this process (the
``xllamacpp`` package) for users who have just a GGUF file, serving the same API on 127.0.0.1.
Nothing else imports ``openai`` or ``xllamacpp``. The key is never logged or shown.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from .errors import DependencyError, UserError


class ChatClient:
    def __init__(
        self, base_url: str, model: str, api_key: str | None, timeout: float, max_retries: int = 2
    ):
        try:
            import openai
        except ImportError:
            raise DependencyError(
                "the openai package is missing; reinstall the project with `pip install -e .`"
            ) from None
        self._openai = openai
        self.base_url = base_url
        self.model = model
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=timeout,
            max_retries=max_retries,
        )
        self._checked = False

    def check(self) -> None:
        """Fail early, and clearly, when the server is down or does not serve the model."""
        if self._checked:
            return
        try:
            served = [m.id for m in self._client.models.list()]
        except Exception as exc:  # the client raises several transport and HTTP errors
            raise self.translate(exc) from None
        if served and self.model not in served:
            raise UserError(
                f"model {self.model!r} is not served by {self.base_url}; set ASSISTANT_LLM_MODEL "
                f"to one of: {', '.join(served)}"
            )
        self._checked = True

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        """The reply's text, piece by piece."""
        self.check()
        try:
            chunks: Any = self._client.chat.completions.create(
                model=self.model,
                messages=cast(Any, messages),
                max_tokens=max_tokens,
                temperature=0,
                stream=True,
            )
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        except Exception as exc:
            raise self.translate(exc) from None

    def yes_no(self, messages: list[dict[str, str]]) -> float:
        """The reply's first token read as a verdict: ``log P(yes) - log P(no)`` over the top 20
        tokens (case and spaces ignored; a side absent from them counts as probability 1e-9)."""
        self.check()
        try:
            reply: Any = self._client.chat.completions.create(
                model=self.model,
                messages=cast(Any, messages),
                max_tokens=1,
                temperature=0,
                logprobs=True,
                top_logprobs=20,
            )
        except Exception as exc:
            raise self.translate(exc) from None
        lp = reply.choices[0].logprobs if reply.choices else None
        if lp is None or not lp.content:
            raise UserError(
                f"the LLM server at {self.base_url} returns no token log-probabilities, which "
                "the judge needs; use a server that does (llama.cpp, vLLM, OpenAI), or set "
                "ASSISTANT_LLM_JUDGE=off"
            )
        yes = no = 0.0
        for t in lp.content[0].top_logprobs or []:
            word = t.token.strip().lower()
            if word == "yes":
                yes += math.exp(t.logprob)
            elif word == "no":
                no += math.exp(t.logprob)
        return math.log(yes + 1e-9) - math.log(no + 1e-9)

    def translate(self, exc: Exception) -> Exception:
        o = self._openai
        where = self.base_url
        if isinstance(exc, o.AuthenticationError | o.PermissionDeniedError):
            return UserError(
                f"the LLM server at {where} rejected the API key; set ASSISTANT_LLM_API_KEY"
            )
        if isinstance(exc, o.NotFoundError):
            return UserError(
                f"the LLM server at {where} has no model {self.model!r} or no chat endpoint; "
                "check ASSISTANT_LLM_MODEL and that ASSISTANT_LLM_BASE_URL ends in /v1"
            )
        if isinstance(exc, o.BadRequestError):
            text = str(exc).lower()
            if "context" in text or "too long" in text or "exceed" in text or "n_ctx" in text:
                return UserError(
                    f"the prompt is longer than the model's context at {where}; lower "
                    "ASSISTANT_TOP_K or ASSISTANT_CHUNK_TOKENS, or use a larger context "
                    "(ASSISTANT_LLM_CTX for a GGUF file)"
                )
            return DependencyError(f"the LLM server at {where} refused the request: {exc}")
        if isinstance(exc, o.APITimeoutError):
            return DependencyError(
                f"the LLM server at {where} did not answer in time; raise ASSISTANT_LLM_TIMEOUT "
                "or use a smaller model"
            )
        if isinstance(exc, o.APIConnectionError):
            return DependencyError(
                f"cannot reach the LLM server at {where}; start it, or set "
                "ASSISTANT_LLM_BASE_URL (or ASSISTANT_LLM_GGUF for a local model file)"
            )
        if isinstance(exc, o.APIStatusError):
            return DependencyError(
                f"the LLM server at {where} failed ({exc.status_code}); see its log"
            )
        return exc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalServer:
    """llama.cpp serving one GGUF file on 127.0.0.1, inside this process."""

    def __init__(
        self,
        gguf: Path,
        n_ctx: int = 4096,
        threads: int | None = None,
        alias: str | None = None,
        api_key: str | None = None,
        port: int | None = None,
    ):
        if not gguf.is_file():
            raise UserError(f"GGUF file {gguf} not found; set ASSISTANT_LLM_GGUF to a .gguf file")
        with gguf.open("rb") as f:
            if f.read(4) != b"GGUF":
                raise UserError(f"{gguf} is not a GGUF model file; set ASSISTANT_LLM_GGUF to one")
        try:
            import xllamacpp
        except ImportError:
            raise DependencyError(
                "running a GGUF file needs xllamacpp; install it with `pip install xllamacpp`"
            ) from None
        import os

        params: Any = xllamacpp.CommonParams()
        params.model.path = str(gguf)
        params.n_ctx = n_ctx
        n = threads or min(8, os.cpu_count() or 2)
        params.cpuparams.n_threads = n
        params.cpuparams_batch.n_threads = n
        params.verbosity = -1  # llama.cpp's own log is for its developers, not for our users
        params.hostnames = ["127.0.0.1"]
        params.port = port or free_port()
        self.alias = alias or gguf.stem
        params.model_alias = {self.alias}  # a set of names
        if api_key:
            params.api_keys = [api_key]
        self._server = xllamacpp.Server(params)
        self.base_url = str(self._server.listening_address).rstrip("/") + "/v1"

    def close(self) -> None:
        self._server = None
