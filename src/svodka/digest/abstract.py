"""An optional abstract by a local LLM behind an OpenAI-compatible URL (llama.cpp server, vLLM, Ollama).

Off by default (setting ``digest.llm_url`` empty). When on, the model sees the story's own posts and
nothing else, numbered ``[1]…[n]``, and is told to cite them by number; the answer is kept only if every
citation names one of those posts and it cites at least one. The extractive sentences and their links
stay in the digest either way.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import httpx

from svodka.errors import DeliveryError
from svodka.model import Story
from svodka.pipeline.summarize import Abstract, Summary, cite, clean_text

log = logging.getLogger(__name__)

_CITE = re.compile(r"\[(\d+)\]")

PROMPT = (
    "You summarise one news story for a digest. Use ONLY the numbered posts below; add no fact that they "
    "do not state. Write 2-3 sentences in the language of the posts, and after each sentence cite the "
    "posts it rests on as [n]. If the posts disagree, say so."
)


@dataclass(frozen=True, slots=True)
class LlmSettings:
    url: str  # base URL, e.g. http://127.0.0.1:8080 (…/v1/chat/completions is appended)
    model: str = "local"
    timeout: float = 60.0
    max_posts: int = 12
    max_chars: int = 1500  # per post


class OpenAICompatAbstractor:
    """An :class:`~svodka.digest.compose.Abstractor` over ``POST {url}/v1/chat/completions``."""

    def __init__(self, settings: LlmSettings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.timeout)

    def messages(self, story: Story) -> list[dict[str, str]]:
        posts = (story.originals or story.members)[: self.settings.max_posts]
        body = "\n\n".join(
            f"[{i}] {m.post.channel}, {m.post.date:%Y-%m-%d %H:%M} UTC:\n"
            + clean_text(m.post.text)[: self.settings.max_chars]
            for i, m in enumerate(posts, 1)
        )
        return [{"role": "system", "content": PROMPT}, {"role": "user", "content": body}]

    def abstract(self, story: Story, summary: Summary) -> Abstract | None:
        msgs = self.messages(story)
        posts = (story.originals or story.members)[: self.settings.max_posts]
        n_posts = len(posts)
        url = self.settings.url.rstrip("/")
        if not url.endswith("/v1"):
            url += "/v1"
        try:
            r = self.client.post(
                f"{url}/chat/completions",
                json={"model": self.settings.model, "messages": msgs, "temperature": 0.1, "max_tokens": 300},
            )
            r.raise_for_status()
            text = str(r.json()["choices"][0]["message"]["content"]).strip()
        except (httpx.HTTPError, KeyError, IndexError, ValueError, TypeError) as e:
            raise DeliveryError(f"LLM at {self.settings.url} gave no abstract: {e}") from None
        cites = [int(c) for c in _CITE.findall(text)]
        if not cites or any(c < 1 or c > n_posts for c in cites):
            log.warning(
                "story %s: LLM abstract dropped (citations %s do not name its %d posts)",
                story.id,
                cites,
                n_posts,
            )
            return None
        return Abstract(text, tuple(cite(clean_text(m.post.text)[:200], m) for m in posts))
