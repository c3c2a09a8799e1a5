"""Offline topic of a story: a transparent word-prefix lexicon for Russian and English.

Topics: politics, economy, society, incidents, war and security, technology, science, sport, culture,
other. A word counts for a topic when it starts with one of the topic's prefixes (prefixes cover Russian
inflection without a model); the story's topic is the one with the highest total over its posts, the
headline counting double; below ``min_score`` it is "other". Accuracy on a hand-labelled set is measured
by ``benchmarks/bench_digest.py`` (see benchmarks/README.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from svodka.model import Story

TOPICS = (
    "politics",
    "economy",
    "society",
    "incidents",
    "war and security",
    "technology",
    "science",
    "sport",
    "culture",
    "other",
)

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
        отоплен коммунал транспорт метро автобус погод снег мороз тепл аномальн прогноз синоптик церков
        рпц религи праздник новый год дед мороз мигрант лгбт турклуб запрет граждан социальн волонтер
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
        авиаудар вкс хтш алеппо идлиб хама сирийск хезболл хамас израил газа ковер ядерн испытан war
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
        аниме мультфильм премьера премьеры премьеру собор храм тикток tiktok гонорар игр игра игры игру
        патч трейлер steam playstation xbox культур кино фильм сериал актер актрис режиссер театр музе
        выставк концерт музык певец певиц песн альбом рэпер артист звезд шоу телевед книг писател
        литератур художник искусств фестивал премия оскар грэмми блогер cinema film movie series actor
        actress theatre museum concert music singer album book writer artist festival award oscar
    """,
}

_TOKEN = re.compile(r"[a-zа-яё]+", re.IGNORECASE)


@lru_cache(maxsize=1)
def _prefixes() -> dict[str, str]:
    out: dict[str, str] = {}
    for topic, words in _LEXICON.items():
        for w in words.split():
            out.setdefault(w.lower().replace("ё", "е"), topic)
    return out


def topic_scores(texts: Iterable[str]) -> Counter[str]:
    """How many words of ``texts`` point at each topic (once per text, by the longest matching prefix)."""
    prefixes = _prefixes()
    scores: Counter[str] = Counter()
    for text in texts:
        hits: set[tuple[str, str]] = set()
        for tok in _TOKEN.findall(text.lower().replace("ё", "е")):
            for k in range(len(tok), 2, -1):
                topic = prefixes.get(tok[:k])
                if topic:
                    hits.add((tok, topic))
                    break
        for _, topic in hits:
            scores[topic] += 1
    return scores


@dataclass(frozen=True, slots=True)
class TopicGuess:
    topic: str
    score: float
    scores: tuple[tuple[str, float], ...]  # every topic with a non-zero share, best first


def classify_texts(texts: Iterable[str], headline: str | None = None, min_score: float = 1.5) -> TopicGuess:
    scores = topic_scores(texts)
    if headline:
        for topic, n in topic_scores([headline]).items():
            scores[topic] += n  # the headline counts twice
    total = sum(scores.values())
    # Ties go to the topic listed first in TOPICS, so the answer never depends on hash order.
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], TOPICS.index(kv[0])))
    if not ranked or ranked[0][1] < min_score:
        return TopicGuess("other", 0.0, tuple((t, n / total) for t, n in ranked) if total else ())
    return TopicGuess(ranked[0][0], ranked[0][1] / total, tuple((t, round(n / total, 3)) for t, n in ranked))


def classify(story: Story, headline: str | None = None) -> TopicGuess:
    """The topic of ``story`` from its original posts (copies would only repeat the same words)."""
    members = story.originals or story.members
    return classify_texts((m.post.text for m in members[:20]), headline)
