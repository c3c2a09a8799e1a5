"""Offline topic of a story: a transparent word-prefix lexicon for Russian and English.

Topics: politics, economy, society, incidents, war and security, technology, science, sport, culture,
other. A word counts for a topic when it, or its lemma (simplemma, offline), starts with one of the topic's
prefixes (an entry ending in ``=`` must be the whole lemma); the longest entry wins, and entries of
:data:`_NEUTRAL` only stop a shorter one («газета» is not «газ»). :data:`_WEIGHTS` makes some words count
more (what a story is about: «балет», «ПВО», «инфляция») or less (what many topics mention: «закон», «суд»,
«рубль»). Each post votes with its shares of topics, weighted: an original 1, a copy 0.25, times the
channel's weight if one is given; the headline votes once more. Below ``min_score`` words in all it is
"other". :attr:`TopicGuess.words` says which words decided. Where the lexicon finds a topic, the topic is the
shipped model's (:mod:`svodka.pipeline.topic_model`, trained on the team's hand labels), which reads the
lexicon's shares beside the story's lemmas, times a head over the story's vector (the e5 centroid, or without
one the story's word vector, :func:`words_vector`); :func:`lexicon_guess` is the lexicon alone. Accuracy on
the hand-labelled days, one of them held out: ``benchmarks/bench_topics.py``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import simplemma

from svodka.model import Story
from svodka.pipeline.topic_model import (
    StoryVector,
    TopicModel,
    combined,
    head_for,
    head_probabilities,
    load_model,
    probabilities,
    term_counts,
    tfidf,
    word_vector,
)
from svodka.pipeline.topic_names import TOPICS

_LEXICON: dict[str, str] = {
    "politics": """
        выборах референдум коалиц канцлер госсекретар визит иноагент правозащит нелегитимн легитимн
        конвенц соглашен договор асад шольц туск макрон орбан эрдоган нетаньяху лидер марш солидарн
        президент премьер правительств министр парламент депутат сенатор госдум дума выбор оппозиц
        партии партия протест митинг санкци дипломат посол посольств переговор саммит кремл песков
        лавров захаров мид госдеп конгресс республиканц демократ трамп байден путин зеленск кобахидзе
        зурабишвил евросоюз нато оон брикс законопроект закон подписал указ полномоч политик власт режим
        переворот отставк inaugur election president minister parliament senator congress sanction
        diplomat embassy summit kremlin opposition protest vote voter law bill treaty
    """,
    "economy": """
        млрд миллиард продаж товар магазин потребител спрос поставк энергосистем электроэнерг энергетик
        осаго страхов маркировк игорн казино ваканси безработ кадров экономист аналитик стоимост
        экономик рубл доллар евро курс валют инфляц ставк цб центробанк банк кредит ипотек бюджет налог
        пошлин тариф нефт газ опек бирж акци облигац инвест рынок рынк цены цена подорож зарплат пенси
        маткапитал бизнес компани выручк прибыл убыт экспорт импорт ввп дефицит керосин топлив бензин
        маркетплейс wildberries ozon сбербанк втб economy inflation rate bank market stock shares oil
        gas tariff budget tax price prices trade gdp investor company revenue
    """,
    "society": """
        осадк температур градус ветер дожд гололед метел пожил минздрав пенсионн молодеж подрост инвалид
        животн собак кошк курен алкогол табак вейп газосодерж жилье общество школ учител студент вуз
        образован больниц врач здоровь пациент семь дети ребенк ребён родител пенсионер жител жкх
        отоплен коммунал транспорт метро= метрополитен автобус погод снег мороз тепл аномальн прогноз
        синоптик церков рпц религи праздник новогодн мигрант лгбт турклуб запрет граждан социальн волонтер
        school teacher hospital doctor health children family weather snow migrant church holiday
        residents
    """,
    "incidents": """
        сбил пешеход водител автомобил машин пострадавш нож ножом порезал избил насили изнасил
        прокуратур судим обыск полицейск омон упал падени выпал сгорел горит обрушен утонул пропал пожар
        горел загорел возгоран дтп авари столкнов взрыв обруш погиб пострада ранен тело труп смерт умер
        скончал убийств убил нападен драк стрельб стрелял задержан арест полици мвд следств ск суд
        приговор обвин уголовн мошенн краж похит наркот рейд облав силовик спасател мчс эвакуац затоп
        наводнен землетрясен fire crash accident explosion killed dead died injured police arrested
        court sentenced murder shooting robbery flood earthquake rescue
    """,
    "war and security": """
        всу заэс цахал позици бригад отряд батальон полк морпех миномет расчет fpv шахед орешник taurus
        atacms himars перехват подполь эшелон позывн боец бойц штурмовик окоп боев бои войн военн армия
        армии всу сво фронт наступлен обстрел удар ракет беспилотн бпла дрон пво сбит атак штурм боевик
        террор теракт взорв минобороны генштаб солдат наемник пленн мобилизац оружи танк артиллер
        авиаудар вкс хтш алеппо идлиб хама сирийск хезболл хамас израил ковер ядерн испытан war
        military army troops missile drone attack strike shelling terror weapon nuclear soldier rebels
        invasion ceasefire
    """,
    "technology": """
        python питон golang javascript java rust linux github git api разработ программист кодинг код
        django flask backend frontend алгоритм сервер облачн базы бд sql нейрон гаджет вредонос технолог
        смартфон телефон айфон iphone android приложен мессенджер телеграм telegram whatsapp youtube
        ютуб интернет сайт сеть блокир vpn роскомнадзор кибер хакер утечк персональн данных искусствен
        нейросет chatgpt openai программ софт компьютер процессор чип видеокарт apple google microsoft
        яндекс робот электромоб tesla software app apps internet cyber hacker data leak ai chip computer
        online platform
    """,
    "science": """
        учен исследован наук научн открыт космос космическ ракетоносит мкс луна марс планет звезд
        галактик телескоп астроном астероид физик химик биолог генет днк вирус вакцин эволюц палеонтолог
        археолог динозавр климат кратер вулкан геолог science scientist research study space nasa planet
        galaxy telescope asteroid physics biology genome vaccine climate fossil
    """,
    "sport": """
        спорт футбол хоккей теннис баскетбол волейбол бокс ufc мма олимпи чемпионат матч турнир лига рпл
        кхл нхл сборн тренер игрок клуб гол голы забил победил победа медал спортсмен fifa uefa sport
        football soccer hockey tennis match league tournament olympic champion coach player goal
    """,
    "culture": """
        аниме мультфильм премьера премьеры премьеру собор тикток tiktok гонорар игр игра игры игру
        патч трейлер steam playstation xbox культур кино фильм сериал актер актрис режиссер театр музе
        выставк концерт музык певец певиц песн альбом рэпер артист звезд шоу телевед книг писател
        литератур художник искусств фестивал премия оскар грэмми блогер cinema film movie series actor
        actress theatre museum concert music singer album book writer artist festival award oscar
    """,
}

_MORE: dict[str, str] = {  # words of general knowledge the first lexicon lacked (none from 2024-12-02)
    "politics": """
        госсекретар фидан аракчи блинкен сибиг вучич лукашенк токаев моди цзиньпин володин мишустин рютте
        боррел каллас стармер мелони фицо санду пашинян алиев нежелательн экстремист поручил поручени
    """,
    "economy": "цб= банк инфляц центробанк поставк экспорт компани авиасообщен отмыван",
    "society": """
        кот= котик кошк собак питом животн сатан секта храм церков религи погод синоптик похолодан
        потеплен праздник движени проезд пробк населени рождаем демограф енот ученик
    """,
    "incidents": "утонул затонул госпитализ взятк коррупц хищени растрат блэкаут обесточ",
    "war and security": """
        военнослужащ войск спецоперац теракт террорист оборонительн противопехотн подрыв диверси отравляющ
        учение=
    """,
    "sport": "фехтован шахмат биатлон лыжн фигурист",
    "culture": "балет театр спектакл опера= оркестр концерт мультсериал реставр",
}
_NEUTRAL = "европ газет газон газел кодекс марафон маршрут игрушк теплоход судн суток сутк"
_WEIGHT_TABLE: tuple[tuple[float, str], ...] = (  # words that count more or less than 1
    # what a story is about
    (2.0, "визит переговор саммит санкци дипломат посол посольств выборах выбор кремл мид"),
    (2.0, "пво бпла беспилотн всу обстрел минобороны фронт теракт спецоперац войск ядерн"),
    (2.0, "инфляц цб= центробанк ввп нефт"),
    (2.0, "балет театр спектакл музе фильм концерт"),
    (2.0, "погод синоптик храм сатан"),
    (1.5, "дтп пожар погиб утонул мошенн убил убийств скончал умер авари"),
    # what many topics mention
    (0.5, "закон законопроект подписал указ власт президент"),
    (0.5, "суд полици мвд задержан силовик обвин"),
    (0.5, "рубл стоимост цена цены млрд миллиард компани продаж доллар"),
    (0.7, "атак удар сбит ракет"),
    # places say where, not what
    (0.5, "алеппо идлиб хама сирийск израил асад"),
    # the internet as where something was seen («в сети», «на сайте», «по данным»)
    (0.5, "сеть сайт данных"),
)
_WEIGHTS: dict[str, float] = {w: weight for weight, words in _WEIGHT_TABLE for w in words.split()}
# A law, or a president's instruction, is filed under what it regulates: in a text that speaks of one,
# politics words count this much.
_LAW_WORDS = frozenset({"закон", "законопроект", "поручил", "поручени"})
_LAW_POLITICS = 0.3
_COPY_WEIGHT = 0.25
_SHORT = 3  # entries this short match whole words only

# A hyphenated compound is one word, for its first part that matches («премьер-министр», «naked-science»).
_TOKEN = re.compile(r"[a-zа-яё]+(?:-[a-zа-яё]+)*", re.IGNORECASE)
# Telegram links, handles and channel plugs name the channel, not the story («t.me/banksta», «@kibertopor»);
# a web link's path stays, it often names the section («naked-science.ru/article/biology/…»).
# A link's text that points to Telegram is a channel's name too («Полный отчёт в [Топор. Экономика](t.me/…)»).
_NOT_WORDS = re.compile(
    r"\[[^\]]*\]\((?:https?://)?t\.me/[^)]*\)|t\.me/\S+|@\w+|\[[^\]]*(?:подпис|прислать)[^\]]*\]",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _entries() -> dict[str, str]:
    """Every lexicon entry (a prefix, or a whole lemma ending in "=") -> its topic ("" for neutral)."""
    out: dict[str, str] = {}
    for lexicon in (_LEXICON, _MORE):
        for topic, words in lexicon.items():
            for w in words.split():
                out.setdefault(w.lower().replace("ё", "е"), topic)
    for w in _NEUTRAL.split():
        out.setdefault(w, "")
    return out


@lru_cache(maxsize=65536)
def _lemma(token: str) -> str:
    lang = "en" if token.isascii() else "ru"
    return str(simplemma.lemmatize(token, lang=lang)).lower().replace("ё", "е")


@lru_cache(maxsize=65536)
def _match(token: str) -> tuple[str, str] | None:
    """(entry, topic) for one lower-case token: an entry that must be the whole lemma or word, else the
    longest prefix of the word or its lemma, else a short entry («сво», «мид») that is the whole word."""
    entries = _entries()
    words = (token, _lemma(token))
    best: tuple[str, str] | None = None
    for word in words:
        if word + "=" in entries:
            best = (word + "=", entries[word + "="])
            break
        for k in range(len(word), _SHORT, -1):
            topic = entries.get(word[:k])
            if topic is not None:
                if best is None or k > len(best[0]):
                    best = (word[:k], topic)
                break
    if best is None:
        best = next(((w, entries[w]) for w in words if len(w) <= _SHORT and w in entries), None)
    return best if best and best[1] else None


class _Hit(NamedTuple):
    topic: str
    weight: float
    weak: bool  # weighted below 1 in _WEIGHTS: a word many topics use


def _text_hits(text: str) -> dict[str, _Hit]:
    """Each distinct word of ``text`` that points at a topic, with its weight."""
    hits: dict[str, _Hit] = {}
    law = False
    for tok in _TOKEN.findall(_NOT_WORDS.sub(" ", text).lower().replace("ё", "е")):
        if tok in hits:
            continue
        m = next(filter(None, map(_match, tok.split("-"))), None)
        if m:
            weight = _WEIGHTS.get(m[0], 1.0)
            hits[tok] = _Hit(m[1], weight, weight < 1)
            law = law or m[0] in _LAW_WORDS
    if law:
        hits = {
            w: h._replace(weight=h.weight * _LAW_POLITICS) if h.topic == "politics" else h
            for w, h in hits.items()
        }
    return hits


def topic_scores(texts: Iterable[str]) -> dict[str, float]:
    """How much the words of ``texts`` point at each topic (each word once per text, with its weight)."""
    scores: dict[str, float] = defaultdict(float)
    for text in texts:
        for hit in _text_hits(text).values():
            scores[hit.topic] += hit.weight
    return scores


def lemmas(text: str) -> list[str]:
    """The words of ``text`` as the lexicon and the model read them: channel plugs out, lower case, ё→е,
    each word's lemma."""
    return [_lemma(tok) for tok in _TOKEN.findall(_NOT_WORDS.sub(" ", text).lower().replace("ё", "е"))]


def word_forms(text: str) -> list[str]:
    """The words of ``text`` as written, channel plugs out, lower case: what the word vectors are keyed by."""
    return _TOKEN.findall(_NOT_WORDS.sub(" ", text).lower())


def words_vector(posts: Iterable[tuple[str, float]]) -> StoryVector | None:
    """The story's words as one vector (:func:`svodka.pipeline.topic_model.word_vector`), a post's words
    counting its weight."""
    return word_vector(term_counts((word_forms(text), weight) for text, weight in posts))


@dataclass(frozen=True, slots=True)
class TopicGuess:
    topic: str
    score: float
    scores: tuple[tuple[str, float], ...]  # every topic with a non-zero share (or probability), best first
    words: tuple[tuple[str, float], ...] = ()  # the words that voted for ``topic``, by weight, best first
    votes: float = 0.0  # all posts' votes together (each post's topic shares sum to its weight)
    lexicon: tuple[tuple[str, float], ...] = ()  # the lexicon's shares where the model decided, best first

    def settled(self, extra: float) -> bool:
        """Whether ``extra`` more votes (another text of that weight) cannot change the topic: the lexicon's
        topic leads every other by more than that, its evidence is already enough and, where the model
        decided, it agrees with the lexicon at :data:`SETTLED_PROBABILITY` or more (on the 730 hand-labelled
        stories one more headline changed no topic so settled; benchmarks/bench_topics.py counts it)."""
        shares = self.lexicon or self.scores
        if self.topic == "other" or not shares or shares[0][0] != self.topic:
            return False
        if self.lexicon and self.score < SETTLED_PROBABILITY:
            return False
        second = shares[1][1] if len(shares) > 1 else 0.0
        return (shares[0][1] - second - 0.002) * self.votes > extra  # shares are rounded to 0.001


SETTLED_PROBABILITY = 0.9


class _Votes(NamedTuple):
    votes: dict[str, float]  # topic -> the posts' shares of it, times their weights
    full: set[str]  # the topics a full word (not only weak ones) points at
    evidence: float
    words: dict[str, dict[str, float]]  # topic -> word -> its weighted votes


def _lexicon_votes(posts: Iterable[tuple[str, float]]) -> _Votes:
    votes: dict[str, float] = defaultdict(float)
    full: set[str] = set()
    evidence = 0.0
    words: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for text, weight in posts:
        hits = _text_hits(text)
        total = sum(h.weight for h in hits.values())
        for word, (topic, w, weak) in hits.items():
            if not weak:
                full.add(topic)
            votes[topic] += weight * w / total
            evidence += w
            words[topic][word] += weight * w
    return _Votes(votes, full, evidence, words)


def _why(words: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple((w, round(n, 2)) for w, n in sorted(words.items(), key=lambda kv: -kv[1])[:8])


def lexicon_guess(posts: Iterable[tuple[str, float]], min_score: float = 1.5) -> TopicGuess:
    """The lexicon's topic of posts given as (text, weight): each post votes with its topic shares times its
    weight. A topic only weak words point at («рублей», «суд», «закон») cannot beat one that a full word
    points at: they say how, not what — and with no full word at all the story is "other" (a potato sold
    for 250 thousand roubles is not economy news)."""
    return _guess(_lexicon_votes(posts), min_score)


def _guess(v: _Votes, min_score: float) -> TopicGuess:
    total_votes = sum(v.votes.values())
    # Ties go to the topic listed first in TOPICS, so the answer never depends on hash order.
    ranked = sorted(v.votes.items(), key=lambda kv: (-kv[1], TOPICS.index(kv[0])))
    shares = tuple((t, round(n / total_votes, 3)) for t, n in ranked)
    winners = [(t, n) for t, n in ranked if t in v.full]  # weak words alone: how, not what
    if not winners or v.evidence < min_score:
        return TopicGuess("other", 0.0, shares, votes=total_votes)
    best = winners[0][0]
    return TopicGuess(best, winners[0][1] / total_votes, shares, _why(v.words[best]), total_votes)


def _features(
    posts: list[tuple[str, float]], model: TopicModel, min_score: float
) -> tuple[dict[str, float], TopicGuess, _Votes]:
    votes = _lexicon_votes(posts)
    row = tfidf(term_counts((lemmas(text), weight) for text, weight in posts), model.idf)
    return row, _guess(votes, min_score), votes


def classify_weighted(
    texts: Iterable[tuple[str, float]],
    headline: str | None = None,
    min_score: float = 1.5,
    vector: StoryVector | None = None,
) -> TopicGuess:
    """The topic of posts given as (text, weight), the headline voting once more: the shipped model
    (:mod:`svodka.pipeline.topic_model`) over their words and the lexicon's shares, times the head of the
    story's embedder over its mean post ``vector`` where one ships for that embedder; "other" is a class of
    the model (a model without it leaves "other" to the lexicon: no topic word, no topic — unless the model
    and the head are at least its ``gate_override`` sure), and a story of no word either knows is "other"; the
    lexicon alone where the package has no model."""
    posts = list(texts) + ([(headline, 1.0)] if headline else [])
    model = load_model()
    if model is None:
        return lexicon_guess(posts, min_score)
    row, lexicon, votes = _features(posts, model, min_score)
    if not row and not votes.evidence:  # no word either knows: the model does not make a topic of nothing
        return lexicon
    head = head_for(vector)
    embedded = head is not None
    if not embedded:  # no head for the story's embedder, or no vector: the head over the story's word vector
        vector = words_vector(posts)
        head = head_for(vector)
    # A model without "other" leaves it to the lexicon's gate, unless the words and the embedder's head
    # together are at least gate_override sure (measured with the e5 head only: the words alone, and the words
    # with the word head, say economy for a potato).
    gated = lexicon.topic == "other" and "other" not in model.topics
    if gated and (not embedded or model.gate_override > 1.0):
        return lexicon
    shares = dict(lexicon.scores)
    p = probabilities(model, row, [shares.get(t, 0.0) for t in TOPICS])
    if head is not None and vector is not None:
        p = combined(p, head_probabilities(head, vector.vector), head.mix)
    ranked = sorted(p.items(), key=lambda kv: (-kv[1], TOPICS.index(kv[0])))
    if gated and ranked[0][1] < model.gate_override:  # the gate holds unless the model is sure
        return lexicon
    best = ranked[0][0]
    why = _why(votes.words[best]) if best != "other" else ()
    scores = tuple((t, round(n, 3)) for t, n in ranked if round(n, 3) > 0)
    return TopicGuess(best, ranked[0][1], scores, why, lexicon.votes, lexicon.scores)


def classify_texts(texts: Iterable[str], headline: str | None = None, min_score: float = 1.5) -> TopicGuess:
    """The topic of texts of equal weight (and a headline that votes once more)."""
    return classify_weighted(((t, 1.0) for t in texts), headline, min_score)


def story_posts(
    story: Story, headline: str | None = None, channel_weights: Mapping[int, float] | None = None
) -> list[tuple[str, float]]:
    """The (text, weight) votes of ``story``: an original 1, a copy 0.25 (it repeats the same words), times
    ``channel_weights[channel_id]`` (e.g. credibility) where given; the headline once more."""
    weights = channel_weights or {}
    posts = [
        (m.post.text, (_COPY_WEIGHT if m.is_copy else 1.0) * weights.get(m.post.channel_id, 1.0))
        for m in story.members[:40]
    ]
    return posts + ([(headline, 1.0)] if headline else [])


def classify(
    story: Story,
    headline: str | None = None,
    channel_weights: Mapping[int, float] | None = None,
    vector: StoryVector | None = None,
) -> TopicGuess:
    """The topic of ``story`` from all its posts and the headline (:func:`story_posts`), and its mean post
    ``vector`` where the caller has it (:func:`classify_weighted`)."""
    return classify_weighted(story_posts(story, channel_weights=channel_weights), headline, vector=vector)
