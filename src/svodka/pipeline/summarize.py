"""Extractive, cited story summaries: a headline taken from the posts, then 2–4 key sentences.

Nothing here writes a word of its own: every sentence shown is a span of :func:`clean_text` of one post
(markdown markers, link syntax, bare URLs and emoji removed — nothing else), and carries that post's link.

* Headline: the lead (first sentence) of an original post that is closest to the story's centroid, with a
  penalty for clickbait (questions, exclamations, capitals, "срочно"/"шок", teasers with no facts) and a
  bonus for a channel of high tier; cleaned by :mod:`svodka.pipeline.headline` (no letter-spacing, no
  trailing "— МЧС.") and cut, where longer than 120 characters, only at a sentence or clause boundary.
  For an update, the lead of its newest development.
* Key sentences: Maximal Marginal Relevance over every post's sentences that pass
  :func:`svodka.pipeline.quotes.quote_problems` — relevance to the centroid minus redundancy with what was
  already chosen, with a bonus for a channel not yet cited; at most one sentence per post (the headline's
  post included), none that says the same as one already chosen (:func:`~svodka.pipeline.quotes.same_thing`)
  or little the headline does not (:func:`~svodka.pipeline.quotes.repeats`), and a figure that changes
  during the day (a rate, a price) carries its post's time: «… 113 ₽ (14:20)».
* A channel's plug for its own podcast or video episode (a member of kind ``PROGRAMME``, as the ads stage
  stored it: :func:`svodka.pipeline.ads.post_kind`) gives neither the headline nor a key sentence, unless the
  story has nothing else.
* Text units: razdel sentences and words (offline, Russian and English), stop-words lists, Snowball stems.

An optional abstract (a short paraphrase by a local LLM) comes from :mod:`svodka.digest.abstract`; the
extractive sentences and their citations stay either way.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from razdel import sentenize, tokenize
from stop_words import get_stop_words

from svodka.links import safe_url
from svodka.model import PROGRAMME, Story, StoryMember
from svodka.pipeline.headline import (
    MAX_CHARS,
    clean_headline,
    headline_problems,
    last_resort,
    post_speaker_headline,
    shorten,
)
from svodka.pipeline.quotes import is_volatile, quote_problems, repeats, same_thing
from svodka.stemming import snowball

_MD_LINK = re.compile(r"\[([^\]\n]*)\]\((?:[^)\s]+)\)")
_URL = re.compile(r"(?:https?://|t\.me/|www\.)\S+", re.IGNORECASE)
_MARKERS = re.compile(r"\*\*|__|~~|`+|\|\|")
# Emoji, pictographs, dingbats, variation selectors and zero-width joiners: decoration, not words.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\u2b00-\u2bff\ufe0f\u200d\u20e3]+"
)
_SPACES = re.compile(r"[ \t\u00a0]+")
_WORD = re.compile(r"\w", re.UNICODE)
_CYR = re.compile(r"[а-яё]", re.IGNORECASE)
# Channel furniture that is never news: calls to subscribe, boosts, "read us without VPN" footers.
_FOOTER = re.compile(
    r"подпис|читать нас|без vpn|наш канал|прислать новость|предложить новость|бусты?\b|"
    r"subscribe|follow us|join us|@\w+\s*$",
    re.IGNORECASE,
)
# Openings that lean on an earlier sentence ("Об этом сообщили…"): weak on their own in a summary.
_ANAPHORA = re.compile(
    r"^(об этом|при этом|также|кроме того|он|она|они|оно|его|ее|её|их|это|этот|эта|по (его|ее|её|их) словам|"
    r"ранее|тем временем|в свою очередь|this|it|he|she|they|also)\b",
    re.IGNORECASE,
)
_CLICKBAIT = re.compile(
    r"\bшок|срочно|вы не поверите|смотрите|видео\b|фото\b|кадры\b|подробности\b|"
    r"\bbreaking\b|you won'?t believe|watch\b",
    re.IGNORECASE,
)

MIN_WORDS, MAX_WORDS = 4, 60


@dataclass(frozen=True, slots=True)
class Cited:
    """A sentence taken from one post, with where to read it."""

    text: str
    post_id: int
    channel: str
    url: str | None
    date_iso: str
    # A second link to the same post, shown small beside ``url``: the ``t.me/c`` link when ``url`` is the
    # post's page in svodka's web app (:func:`svodka.links.public_post_url`); None otherwise.
    alt_url: str | None = None


@dataclass(frozen=True, slots=True)
class Abstract:
    """A paraphrase (by a local LLM) whose ``[n]`` marks cite ``refs[n - 1]``."""

    text: str
    refs: tuple[Cited, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    headline: Cited
    sentences: tuple[Cited, ...]
    abstract: Abstract | None = None  # only when an abstractor was asked and answered

    @property
    def cited(self) -> tuple[Cited, ...]:
        return (self.headline, *self.sentences)


@dataclass(frozen=True, slots=True)
class SummaryOptions:
    min_sentences: int = 2
    max_sentences: int = 4
    mmr_lambda: float = 0.6  # relevance vs novelty
    new_channel_bonus: float = 0.08
    anaphora_penalty: float = 0.2
    max_redundancy: float = 0.45  # cosine to a chosen sentence above which a candidate is a repeat
    min_gain: float = 0.05  # stop adding sentences (beyond the minimum) below this MMR score
    fresh_after: datetime | None = None  # for an update: posts after this are news to the reader …
    fresh_bonus: float = 0.15  # … and their sentences are preferred by this much
    tz: str = "UTC"  # the zone of the time a changing figure carries
    tier_bonus: float = 0.1  # headline: per tier above the lowest (tier 1 of 5: +0.4; 0 = unknown: +0.2)


def clean_text(text: str) -> str:
    """The post's text as a reader sees it: no markdown markers, link syntax, URLs or emoji."""
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _MARKERS.sub("", text)
    text = _EMOJI.sub(" ", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(_join_broken([line for line in lines if line]))


_OPEN_END = re.compile(r"[\w,(«\"-]$")


def _join_broken(lines: list[str]) -> list[str]:
    """A line that stops mid-phrase (no closing punctuation) and a next line that goes on in lower case
    are one sentence wrapped by hand: joined with a space, so nothing is cut at the break."""
    out: list[str] = []
    for line in lines:
        if out and _OPEN_END.search(out[-1]) and line[:1].islower():
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def sentences(text: str) -> list[str]:
    """Sentences of cleaned text: razdel per line (a line break ends a sentence in Telegram posts)."""
    out: list[str] = []
    for line in clean_text(text).split("\n"):
        for s in sentenize(line):
            t = s.text.strip(" -—–•·")
            if t and _WORD.search(t):
                out.append(t)
    return out


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    words = set(get_stop_words("ru")) | set(get_stop_words("en")) | set(get_stop_words("uk"))
    return frozenset(w.replace("ё", "е") for w in words)


def terms(text: str) -> list[str]:
    """Content-word stems and numbers of ``text`` (lower case, ё→е, stop words and punctuation dropped)."""
    stop = _stop()
    out = []
    for tok in tokenize(text.lower().replace("ё", "е")):
        w = tok.text
        if len(w) < 2 or w in stop:
            continue
        if not any(ch.isalpha() for ch in w):
            # Numbers carry the facts (676 тыс., 107 задержанных): they make two reports of one fact alike.
            if any(ch.isdigit() for ch in w):
                out.append(w)
            continue
        out.append(_stem(w))
    return out


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(snowball("ru" if _CYR.search(word) else "en").stemWord(word))


def _vector(words: Sequence[str], idf: dict[str, float]) -> dict[str, float]:
    tf = Counter(words)
    vec = {w: (1 + math.log(n)) * idf.get(w, 1.0) for w, n in tf.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {w: v / norm for w, v in vec.items()}


def _cos(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


@dataclass(frozen=True, slots=True)
class _Unit:
    text: str
    member: StoryMember
    position: int  # 0 = the post's lead
    vec: dict[str, float]


def web_url(url: str | None) -> str | None:
    """``url`` as :func:`svodka.links.safe_url` passes it: javascript:, data: file: are never links."""
    return safe_url(url)


def cite(text: str, m: StoryMember) -> Cited:
    return Cited(text, m.post.id, m.post.channel, web_url(m.post.url), m.post.date.isoformat())


def clickbait_penalty(sentence: str) -> float:
    """0 for a plain factual lead; up to ~1 for teasers, shouting and questions."""
    p = 0.0
    s = sentence.strip()
    if s.endswith("?"):
        p += 0.35
    if "!" in s:
        p += 0.15
    if s[:1] in "«\"'„":  # opens with a quote: a soundbite, not the lead
        p += 0.15
    if _CLICKBAIT.search(s):
        p += 0.3
    letters = [c for c in s if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.5:
        p += 0.3
    n = len(s.split())
    if n < 5:
        p += 0.25
    elif n > 35:
        p += 0.2
    return p


def _stamped(text: str, m: StoryMember, tz: str) -> str:
    """A changing figure with the time of its post («курс — 113 ₽ (14:20)»); other sentences as they are."""
    if not is_volatile(text):
        return text
    return f"{text} ({m.post.date.astimezone(ZoneInfo(tz)):%H:%M})"


def _headline_text(text: str) -> str | None:
    """The lead as a headline: cleaned and, where too long, cut at a clause; None when it cannot be one."""
    room = MAX_CHARS - len(" (00:00)") if is_volatile(text) else MAX_CHARS  # a changing figure's time
    cut = shorten(clean_headline(text), room)
    return cut if cut and not headline_problems(cut) else None


def summarize(
    story: Story, options: SummaryOptions | None = None, tiers: Mapping[int, int] | None = None
) -> Summary:
    """Headline and key sentences for ``story``; every one is a span of a member post's cleaned text.

    ``tiers`` (channel id → tier, 1 highest … 5 lowest, 0 unknown) favours a credible channel's lead as
    the headline."""
    opt = options or SummaryOptions()
    texts = [m for m in story.members if m.post.text.strip()]
    # A channel's plug for its own episode is coverage, never the story's words (unless it is all there is).
    members = [m for m in texts if m.kind != PROGRAMME] or texts or list(story.members)
    units_raw: list[tuple[str, StoryMember, int, list[str]]] = []
    for m in members:
        for i, s in enumerate(sentences(m.post.text)):
            n = len(s.split())
            if i > 0 and (n < MIN_WORDS or n > MAX_WORDS):
                continue
            if _FOOTER.search(s) and n < 12:
                continue
            units_raw.append((s, m, i, terms(s)))
    if not units_raw:  # posts of pictures only: the headline is empty, the link still leads to the post
        m = members[0]
        return Summary(cite(clean_text(m.post.text).split("\n")[0], m), ())
    df: Counter[str] = Counter()
    for _, _, _, ws in units_raw:
        df.update(set(ws))
    n_docs = len(units_raw)
    idf = {w: math.log((1 + n_docs) / (1 + c)) + 1.0 for w, c in df.items()}
    units = [_Unit(t, m, i, _vector(ws, idf)) for t, m, i, ws in units_raw]
    centroid: Counter[str] = Counter()
    for u in units:
        centroid.update(u.vec)
    cnorm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    cvec = {w: v / cnorm for w, v in centroid.items()}
    rel = [_cos(u.vec, cvec) for u in units]

    head, head_text = _pick_headline(units, rel, opt, tiers or {})
    chosen = [head]
    chosen_texts = [head_text]
    posts = {units[head].member.post.id}
    channels = {units[head].member.post.channel_id}
    # Candidates an editor would keep: informative alone, not the headline again, and of a changing figure
    # only its latest reading.
    ok = [
        k
        for k, u in enumerate(units)
        if k != head and not quote_problems(u.text) and not repeats(head_text, u.text)
    ]
    ok = [
        k
        for k in ok
        if not is_volatile(units[k].text)
        or not any(
            j != k
            and is_volatile(units[j].text)
            and units[j].member.post.date > units[k].member.post.date
            and same_thing(units[j].text, units[k].text)
            for j in ok
        )
    ]
    picked: list[int] = []
    while len(picked) < opt.max_sentences:
        best, best_score = -1, -math.inf
        for k in ok:
            u = units[k]
            if u.member.post.id in posts or any(same_thing(u.text, t) for t in chosen_texts):
                continue
            redundancy = max(_cos(u.vec, units[c].vec) for c in chosen)
            if redundancy > opt.max_redundancy:  # a near-copy of what is already said
                continue
            score = opt.mmr_lambda * rel[k] - (1 - opt.mmr_lambda) * redundancy
            if _ANAPHORA.match(u.text):
                score -= opt.anaphora_penalty
            if u.member.post.channel_id not in channels:
                score += opt.new_channel_bonus
            if opt.fresh_after is not None and u.member.post.date > opt.fresh_after:
                score += opt.fresh_bonus
            if score > best_score:
                best, best_score = k, score
        if best < 0 or (len(picked) >= opt.min_sentences and best_score < opt.min_gain):
            break
        chosen.append(best)
        picked.append(best)
        chosen_texts.append(units[best].text)
        posts.add(units[best].member.post.id)
        channels.add(units[best].member.post.channel_id)
    # Read in time order, as the story unfolded.
    picked.sort(key=lambda k: (units[k].member.post.date, units[k].position))
    return Summary(
        cite(_stamped(head_text, units[head].member, opt.tz), units[head].member),
        tuple(cite(_stamped(units[k].text, units[k].member, opt.tz), units[k].member) for k in picked),
    )


def _pick_headline(
    units: Sequence[_Unit], rel: Sequence[float], opt: SummaryOptions, tiers: Mapping[int, int]
) -> tuple[int, str]:
    """The most representative lead of an original post (of the newest development, for an update) that
    makes a clean headline, clickbait penalised and a credible channel favoured; its index and text."""
    pools = []
    if opt.fresh_after is not None:
        fresh = opt.fresh_after
        pools.append([k for k, u in enumerate(units) if u.position == 0 and u.member.post.date > fresh])
    pools += [
        [k for k, u in enumerate(units) if u.position == 0 and not u.member.is_copy],
        [k for k, u in enumerate(units) if u.position == 0],
    ]

    def score(k: int) -> tuple[float, int]:
        tier = tiers.get(units[k].member.post.channel_id, 0)
        credible = opt.tier_bonus * ((5 - tier) if tier else 2)
        return (rel[k] - 0.5 * clickbait_penalty(units[k].text) + credible, -k)

    for pool in pools:
        clean = [(k, t) for k in pool if (t := _headline_text(units[k].text))]
        if clean:
            return max(clean, key=lambda kt: score(kt[0]))
        # No lead makes one as it stands: a lead that reports speech, as «speaker: claim» cut to fit.
        said = _speaker_headlines(units, pool)
        if said:
            return max(said, key=lambda kt: score(kt[0]))
    # No lead makes a clean headline (a teaser «…так падает:», no boundary to cut at): the lead whose last
    # resort (a teaser's colon dropped) has the fewest problems, then the best. A later sentence is no
    # candidate: on the ten days, those that made a clean one needed their post («Ни о чем другом …»).
    pool = next((p for p in pools if p), list(range(len(units))))
    resort = {k: last_resort(units[k].text) for k in pool}
    k = max(pool, key=lambda k: (-len(headline_problems(resort[k])), score(k)))
    return k, resort[k]


def _speaker_headlines(units: Sequence[_Unit], pool: Sequence[int]) -> list[tuple[int, str]]:
    """Headlines that keep who said it (:func:`~svodka.pipeline.headline.post_speaker_headline`) from the
    posts of the leads of ``pool``; each with the index of the unit its claim is from."""
    out: list[tuple[int, str]] = []
    for k in pool:
        own = [j for j, u in enumerate(units) if u.member is units[k].member]  # the lead comes first
        if said := post_speaker_headline([units[j].text for j in own]):
            out.append((own[said[0]], said[1]))
    return out
