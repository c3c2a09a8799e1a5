"""Each pipeline stage on real posts of stories_dev (CC BY 4.0) and hand-written edge cases."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, shared
from svodka.pipeline.ads import classify_ad
from svodka.pipeline.copies import CopyItem, CopySettings, find_origins
from svodka.pipeline.features import extract
from svodka.pipeline.language import detect_language
from svodka.pipeline.normalize import normalize, text_hash


@pytest.fixture(scope="module")
def day() -> list[dict]:  # type: ignore[type-arg]
    path = shared("stories_dev", "posts_2024-11-30.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def kinds() -> dict[str, str]:
    path = shared("stories_dev", "stories_2024-11-30.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {r["key"]: r["kind"] for r in rows}


def test_normalize_strips_markup_links_emoji_and_footer_keeps_lead(day: list[dict]) -> None:  # type: ignore[type-arg]
    with_footer = [r["text"] for r in day if "Подписаться" in r["text"] and len(r["text"]) > 200]
    assert with_footer
    for text in with_footer:
        norm = normalize(text)
        assert "Подписаться" not in norm
        assert "](" not in norm and "**" not in norm and "http" not in norm
        first_words = normalize(text.split("\n", 1)[0]).split()[:3]
        assert norm.split()[:3] == first_words  # the lead survives


def test_normalize_edge_cases() -> None:
    text = (
        "⚡️**Срочно:** взрыв в [порту](https://x.org/a) Одессы 🔥🔥🔥\n\n[Читать нас без VPN](https://t.me/x)"
    )
    assert normalize(text) == "Срочно: взрыв в порту Одессы"
    assert normalize("") == ""
    assert text_hash("Взрыв в порту!") == text_hash("взрыв  в порту")


def test_language_ru_uk_be_en() -> None:
    assert detect_language("Правительство продлило ограничение на экспорт бензина до конца января") == "ru"
    assert detect_language("Уряд України ухвалив рішення про підвищення мінімальної заробітної плати") == "uk"
    assert (
        detect_language("Урад Беларусі прыняў пастанову аб павышэнні мінімальнай заработнай платы ў краіне")
        == "be"
    )
    assert (
        detect_language("The government extended the ban on gasoline exports until the end of January")
        == "en"
    )
    assert detect_language("Ок 👍") == "und"


def test_language_of_the_day_is_mostly_russian(day: list[dict]) -> None:  # type: ignore[type-arg]
    langs = [detect_language(normalize(r["text"])) for r in day[:120]]
    assert langs.count("ru") > 0.9 * len([x for x in langs if x != "und"])


def test_ads_flag_labels_and_promos_not_news(day: list[dict], kinds: dict[str, str]) -> None:  # type: ignore[type-arg]
    assert classify_ad(
        "Скидки на ноутбуки до 50%. Реклама. ООО «Ромашка», ИНН 7700000000, erid: 2VtzqwXyZ", "x"
    ).is_ad
    assert classify_ad("#реклама Лучший сервис", "Лучший сервис").reason == "label"
    assert classify_ad("", "", media="poll").reason == "poll"
    flagged = news_flagged = 0
    for r in day:
        verdict = classify_ad(r["text"], normalize(r["text"]))
        key = f"{r['sender_id']}:{r['message_id']}"
        flagged += verdict.is_ad
        news_flagged += verdict.is_ad and kinds[key] == "news"
    assert flagged >= 5  # the day's labelled ads, promos and greetings
    assert news_flagged <= 0.2 * flagged  # and hardly any news


def _item(i: int, channel: int, minutes: float, text: str, forward: int | None = None) -> CopyItem:
    norm = normalize(text)
    return CopyItem(i, channel, 1_700_000_000 + minutes * 60, norm, text_hash(norm), forward)


def test_copies_exact_near_and_forward_point_to_earliest(day: list[dict]) -> None:  # type: ignore[type-arg]
    base = next(r["text"] for r in day if len(r["text"]) > 400)
    near = base.replace(".", "!", 1) + "\n\nПодробнее на сайте."
    other = next(r["text"] for r in day if len(r["text"]) > 400 and r["text"][:50] != base[:50])
    items = [
        _item(1, 10, 0, base),
        _item(2, 11, 5, base),  # exact copy
        _item(3, 12, 9, near),  # near-duplicate of a copy: points to the earliest
        _item(4, 13, 12, other),
        _item(5, 14, 15, "Короткий текст", forward=4),  # forward metadata wins over text
    ]
    origins = find_origins(items)
    assert origins == {2: 1, 3: 1, 5: 4}


def test_copies_respect_the_time_window(day: list[dict]) -> None:  # type: ignore[type-arg]
    base = next(r["text"] for r in day if len(r["text"]) > 400)
    items = [_item(1, 10, 0, base), _item(2, 11, 60 * 72, base)]
    assert find_origins(items, CopySettings(window_hours=48)) == {}


def test_features_stems_numbers_links() -> None:
    f = extract(
        "Вчера в Тбилиси задержали 107 человек. Протесты у парламента Грузии в 12 часов",
        ("https://www.bbc.com/x?a=1",),
    )
    assert {"тбилис", "107", "груз", "протест", "парламент"} <= f.words
    assert "12" not in f.words and "в" not in f.words  # short numbers and function words carry no event
    assert f.links == frozenset({"bbc.com/x"})


@pytest.mark.parametrize("spec", ["e5", "use"])
def test_embedders_are_cross_lingual(spec: str) -> None:
    from svodka.pipeline.embed import make_embedder

    emb = make_embedder(spec)
    v = emb.embed(
        [
            "Путин подписал закон об уголовной ответственности за утечки персональных данных",
            "Putin signed a law on criminal liability for leaks of personal data",
            "В Сочи прошёл сильный снегопад, закрыты дороги",
        ]
    )
    assert v.shape[0] == 3 and abs(float(v[0] @ v[0]) - 1.0) < 1e-3
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])


def test_embedder_names_are_checked_and_nothing_is_downloaded() -> None:
    from svodka.errors import ConfigError
    from svodka.pipeline.embed import make_embedder

    with pytest.raises(ConfigError):
        make_embedder("word2vec")
    # A sentence-transformers name that is not on disk fails offline (or the package is absent): a
    # ConfigError either way, never a download.
    with pytest.raises(ConfigError):
        make_embedder("st:/nonexistent/model-dir")


@pytest.mark.parametrize("spec", ["use", "e5"])
def test_built_in_unrelated_cosine_holds_on_another_day(spec: str) -> None:
    """The floors in UNRELATED_COSINE were measured on tg_ru_news_2024; the bundled sample (2024-12-02, a
    day not used to tune anything) must agree: the median cosine of its posts' pairs sits at the floor."""
    import numpy as np

    from svodka.pipeline.embed import UNRELATED_COSINE, make_embedder, unrelated_cosine

    sample = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"
    rows = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()]
    texts = [t for t in (normalize(r["text"]) for r in rows[::4]) if len(t) >= 20][:120]
    emb = make_embedder(spec)
    v = emb.embed(texts)
    pairs = v @ v.T
    median = float(np.median(pairs[np.triu_indices(len(texts), 1)]))
    assert abs(median - UNRELATED_COSINE[emb.name]) < 0.04
    assert unrelated_cosine(emb.name, v) == UNRELATED_COSINE[emb.name]  # a built-in model: the constant


def test_unrelated_cosine_of_another_model_is_estimated_from_the_posts() -> None:
    import numpy as np

    from svodka.pipeline.embed import unrelated_cosine

    rng = np.random.default_rng(1)
    shared_part = rng.normal(size=256)
    shared_part /= np.linalg.norm(shared_part)
    noise = rng.normal(size=(300, 256))
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    v = shared_part + noise  # any two rows: cosine ≈ 1/2 (the shared half over the whole norm²)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert abs(unrelated_cosine("st:my-model", v) - 0.5) < 0.03
    assert unrelated_cosine("st:my-model", v[:5]) == 0.3  # too few posts to tell: the old default
