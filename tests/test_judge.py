"""The judge: an LLM's yes/no verdict re-ranks and gates the extractive answerer's best quotes.

The protocol runs on real passages of the seed corpus with a ChatClient subclass whose verdicts
are fixed in advance; the verdict itself comes from a real llama.cpp server (SmolLM2-135M)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant import Assistant, UserError
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.generative import LLMAnswerer
from assistant.answering.judge import EXAMPLES, Judge, JudgeWeights, messages
from assistant.config import Config
from assistant.llm import ChatClient, LocalServer

from .test_llm import ReplayClient, smollm2  # noqa: F401  (a fixture)

Q_R1 = "When did DeepSeek launch R1?"
WEIGHTS = JudgeWeights(top_k=3, rank_weight=1.0, gate_scale=1.0, gate_bias=0.0, threshold=0.5)


class VerdictClient(ChatClient):
    """A :class:`ChatClient` whose verdict on a passage is given in advance: ``says(passage)``."""

    def __init__(self, says: Callable[[str], float]):
        super().__init__("http://127.0.0.1:9/v1", "verdicts", None, 5.0)
        self.says = says
        self.asked: list[str] = []

    def yes_no(self, messages: list[dict[str, str]]) -> float:
        passage = messages[-1]["content"].split("\n", 1)[1].split("\n\nQuestion:")[0]
        self.asked.append(passage)
        return self.says(passage)


def judged(assistant: Assistant, says: Callable[[str], float]) -> tuple[Assistant, VerdictClient]:
    client = VerdictClient(says)
    answerer = ExtractiveAnswerer(judge=Judge(client, WEIGHTS))
    return Assistant(config=assistant.config, answerer=answerer), client


def ranked_texts(assistant: Assistant, question: str) -> list[str]:
    ranked, _gate = ExtractiveAnswerer().rank(
        question, assistant.retrieve(question), assistant.answer_context()
    )
    return [s.candidate.text for s in ranked]


def test_the_judge_reads_the_rankers_top_three(assistant: Assistant) -> None:
    bot, client = judged(assistant, lambda passage: 5.0)
    ans = bot.ask(Q_R1)
    assert client.asked == ranked_texts(assistant, Q_R1)[:3]
    plain = assistant.ask(Q_R1).citations[0]  # equal verdicts keep the ranker's choice
    first = ans.citations[0]
    assert (first.source, first.start, first.end, first.quote) == (
        plain.source,
        plain.start,
        plain.end,
        plain.quote,
    )


def test_a_no_from_the_judge_abstains(assistant: Assistant) -> None:
    bot, client = judged(assistant, lambda passage: -5.0)
    ans = bot.ask(Q_R1)
    assert ans.abstained and ans.citations == []
    assert len(client.asked) == 3
    # ... where the evidence scorer alone answers
    assert not assistant.ask(Q_R1).abstained


def test_the_judge_re_ranks(assistant: Assistant) -> None:
    second = ranked_texts(assistant, Q_R1)[1]
    bot, _client = judged(assistant, lambda passage: 8.0 if passage == second else -1.0)
    ans = bot.ask(Q_R1)
    assert not ans.abstained
    assert " ".join(second.split()).startswith(" ".join(ans.citations[0].quote.split()))
    texts = assistant.texts()
    assert all(texts[c.source][c.start : c.end] == c.quote for c in ans.citations)


def test_the_llm_answerer_abstains_without_generating_when_the_judge_says_no(
    assistant: Assistant,
) -> None:
    replay = ReplayClient()  # no reply: generating would fail
    extractive = ExtractiveAnswerer(judge=Judge(VerdictClient(lambda passage: -5.0), WEIGHTS))
    bot = Assistant(config=assistant.config, answerer=LLMAnswerer(replay, extractive=extractive))
    ans = bot.ask(Q_R1)
    assert ans.abstained
    assert ans.verification == {"kept": 0, "dropped": 0, "repaired": 0, "fallback": 1}
    assert replay.prompts == []


def test_the_llm_answerer_generates_when_the_judge_says_yes(assistant: Assistant) -> None:
    n = next(i for i, p in enumerate(assistant.retrieve(Q_R1), 1) if "January 20, 2025" in p.text)
    replay = ReplayClient(f"DeepSeek released its R1 model on January 20, 2025 [{n}].")
    extractive = ExtractiveAnswerer(judge=Judge(VerdictClient(lambda passage: 5.0), WEIGHTS))
    bot = Assistant(config=assistant.config, answerer=LLMAnswerer(replay, extractive=extractive))
    ans = bot.ask(Q_R1)
    assert ans.verification == {"kept": 1, "dropped": 0, "repaired": 0, "fallback": 0}
    assert "January 20, 2025" in ans.citations[0].quote
    assert len(replay.prompts) == 1


def test_the_prompt_names_the_place_and_asks_one_question() -> None:
    m = messages("Who wrote it?", "Ada wrote it.", "Notes › History")
    assert m[0]["role"] == "system" and "one word: yes" in m[0]["content"]
    assert m[-1] == {
        "role": "user",
        "content": "Passage (from Notes › History):\nAda wrote it.\n\nQuestion: Who wrote it?\n\n"
        "Does the passage state the answer to the question?",
    }
    # the worked examples come first, the same for every question, half of them answered "no"
    shots = m[1:-1]
    assert [t["role"] for t in shots] == ["user", "assistant"] * len(EXAMPLES)
    assert [t["content"] for t in shots[1::2]].count("no") == len(EXAMPLES) // 2
    assert messages("Who?", "Bo.", "X")[:-1] == m[:-1]


# -- configuration -------------------------------------------------------------------------
def test_the_judge_is_one_setting() -> None:
    assert Config.from_env({}).llm_judge is True
    assert Config.from_env({"ASSISTANT_LLM_JUDGE": "off"}).llm_judge is False
    assert Config.from_env({"ASSISTANT_LLM_JUDGE": "ON"}).llm_judge is True
    with pytest.raises(UserError, match=r"ASSISTANT_LLM_JUDGE='maybe' is not on or off; set it"):
        Config.from_env({"ASSISTANT_LLM_JUDGE": "maybe"})
    with pytest.raises(UserError, match="the judged answerer needs an endpoint"):
        Assistant(config=Config.from_env({"ASSISTANT_ANSWERER": "judged"}))
    with pytest.raises(UserError, match="the judged answerer needs the judge; unset"):
        Assistant(
            config=Config.from_env(
                {
                    "ASSISTANT_ANSWERER": "judged",
                    "ASSISTANT_LLM_JUDGE": "off",
                    "ASSISTANT_LLM_BASE_URL": "http://127.0.0.1:9/v1",
                    "ASSISTANT_LLM_MODEL": "m",
                }
            )
        )


# -- a real server --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(smollm2: Path) -> Iterator[LocalServer]:  # noqa: F811
    s = LocalServer(smollm2, n_ctx=2048, alias="smollm2")
    yield s
    s.close()


@pytest.mark.slow  # a real llama.cpp server
def test_a_real_verdict_is_a_finite_log_odds(server: LocalServer) -> None:
    c = ChatClient(server.base_url, "smollm2", None, 60.0)
    v = c.yes_no(messages("When did the bridge open?", "The bridge opened in 1932.", "Bridges"))
    assert math.isfinite(v) and -25 < v < 25
    # the same question, about the same verdict: temperature 0 (llama.cpp's prompt cache moves
    # the numbers in the second decimal)
    again = c.yes_no(messages("When did the bridge open?", "The bridge opened in 1932.", "Bridges"))
    assert again == pytest.approx(v, abs=0.2)


@pytest.mark.slow  # a real llama.cpp server
def test_the_judged_answerer_from_the_environment(
    smollm2: Path,  # noqa: F811
    assistant: Assistant,
) -> None:
    cfg = assistant.config.with_(answerer="judged", llm_gguf=smollm2, llm_ctx=2048)
    bot = Assistant(config=cfg)
    ans = bot.ask(Q_R1)
    assert bot.answerer.name == "judged"
    assert ans.verification is None  # quotes only: nothing generated
    texts = assistant.texts()
    assert all(texts[c.source][c.start : c.end] == c.quote for c in ans.citations)
    assert ans.abstained == (ans.citations == [])
