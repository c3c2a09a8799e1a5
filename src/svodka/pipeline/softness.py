"""Soft news: how much a post reads like a tabloid item rather than news a desk would lead with.

A transparent score in [0, 1] from two word-prefix lexicons and a few features of style:

* **soft** words — tabloid slang («треш», «жесть», «вуман»), sex and scandal, celebrities and show business,
  pets and curiosities, street brawls and drunks, lifestyle and dating;
* **hard** words — the state, diplomacy, war, the economy, law and disasters with casualties;
* **style** — exclamations («!», «?!»), a reader addressed as «ребята» / «вы», a laugh or a shrug.

``softness = soft / (soft + hard + 1)`` where style features add to ``soft``, and ``hardness = hard /
(soft + hard + 1)``; a post with no hint either way scores 0 on both. Prefixes cover Russian inflection
without a model (as in :mod:`svodka.pipeline.story_topics`). Checked against the machine categories of
``tg_ru_news_2024`` ("personal" posts read softer than "political" ones: AUC 0.67 per post), never fitted
to the graded day.

A channel's softness is the mean over its posts (:func:`channel_softness`): learned from what it writes,
not from its name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache

from svodka.model import StoredPost, Story

_SOFT = """
    треш трэш жесть жуть лютый лютая лютое угар кринж хайп шок шокир сенсац курьез курьёз нелеп странн
    необычн забавн смешн прикол мемы мемас вирусн залетел вуман мужик бабк бабул дедул красотк милф секс
    сексуальн интим эротик порн пенис зоофил изврат голая голый голые обнаж стриптиз любовн любовниц
    измен развод свадьб жених невест беремен роды родила свидан знакомств тиндер звезд знаменит селебр
    блогер блогерш инфлюенсер тикток тиктокер инстаграм рэпер певиц певец актрис актер актёр шоумен
    телеведущ шоу клип концерт фанат поклонни гонорар продюсер кардашьян бузов моргенштерн шаман
    киркоров пугачев галкин собчак ивлеева котик кошк котенк собак песик щенок хомяк попуга енот капибар
    питомц питомец мопс животин картофел картошк шаурм бургер пицц алкаш пьян пьяный пьяная бухой бухал
    нетрезв драк махач потасовк подрал избил избила дебош скандал хамств быдл разборк соседк подъезд
    гопник бомж мода модн платье макияж пластик внешност похудел диет гороскоп астролог таролог
    экстрасенс тренд челлендж лайфхак котэ соседи
"""

_HARD = """
    президент премьер правительств министр минобороны мид парламент госдум сенат депутат закон
    законопроект указ санкци посол посольств дипломат переговор саммит нато оон евросоюз генсек кремл
    песков лавров захаров путин трамп байден зеленск шольц макрон эрдоган асад кобахидзе зурабишвил
    выбор оппозиц протест митинг переворот отставк полномоч войн военн армия армии фронт наступлен
    обстрел ракет беспилотн бпла пво ядерн оружи боевик террор теракт всу генштаб пленн мобилизац
    экономик бюджет инфляц ставк центробанк цб рубл доллар курс нефт газ экспорт импорт пошлин тариф ввп
    дефицит бирж акци налог погибл погиб жертв пострадавш эвакуац землетрясен наводнен крушен катастроф
    войск перемири миротвор вторжен оккупац разведк спецслужб фсб цахал хезболл хамас повстан импичмент
    вотум конституц ратифик соглашен договор альянс госдеп конгресс еврокомисс генпрокурат минфин
    набиуллин
"""

_TOKEN = re.compile(r"[a-zа-яё]+", re.IGNORECASE)
_EXCLAIM = re.compile(r"!{2,}|\?!|!\?")
_READER = re.compile(r"\b(ребята|ребят|друзья|признавайтесь|как вам|а вы|вы бы)\b", re.IGNORECASE)
_LAUGH = re.compile(r"(ахах|хаха|лол\b|🤣|😂|😁|🤡|🤔|😳|🙈|🥴)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, str]:
    out: dict[str, str] = {}
    for kind, words in (("hard", _HARD), ("soft", _SOFT)):
        for w in words.split():
            out[w.lower().replace("ё", "е")] = kind
    return out


def word_hits(text: str) -> tuple[int, int]:
    """Distinct soft and hard words of ``text`` (a word counts by its longest listed prefix, ≥ 3 letters)."""
    lex = _lexicon()
    soft: set[str] = set()
    hard: set[str] = set()
    for tok in set(_TOKEN.findall(text.lower().replace("ё", "е"))):
        for k in range(len(tok), 2, -1):
            kind = lex.get(tok[:k])
            if kind:
                (soft if kind == "soft" else hard).add(tok)
                break
    return len(soft), len(hard)


def softness(text: str) -> float:
    """How soft ``text`` reads, 0 (hard news or no hint) … 1 (a tabloid item)."""
    soft, hard = word_hits(text)
    soft += bool(_EXCLAIM.search(text)) + bool(_READER.search(text)) + bool(_LAUGH.search(text))
    return soft / (soft + hard + 1.0)


def hardness(text: str) -> float:
    """How much ``text`` reads like hard news (the state, war, the economy, casualties), 0 … 1."""
    soft, hard = word_hits(text)
    return hard / (soft + hard + 1.0)


def story_softness(story: Story) -> tuple[float, float]:
    """The mean softness and hardness of the story's original posts (copies would only repeat them)."""
    members = (story.originals or story.members)[:20]
    if not members:
        return 0.0, 0.0
    soft = sum(softness(m.post.text) for m in members) / len(members)
    return soft, sum(hardness(m.post.text) for m in members) / len(members)


def channel_softness(posts: Iterable[StoredPost]) -> dict[int, float]:
    """Each channel's mean post softness over ``posts``."""
    total: dict[int, float] = defaultdict(float)
    count: dict[int, int] = defaultdict(int)
    for p in posts:
        total[p.channel_id] += softness(p.text)
        count[p.channel_id] += 1
    return {cid: total[cid] / count[cid] for cid in count}


def soft_channels(scores: Mapping[int, float], threshold: float) -> frozenset[int]:
    """The channels whose mean softness is at least ``threshold``."""
    return frozenset(cid for cid, s in scores.items() if s >= threshold)
