"""Offline topics: accuracy on eight hand-labelled days (stories_dev 2024-11-30, the bundled 2024-12-02, the
pipeline's stories of 2024-12-03, 12-04, 11-28, 11-26, 12-01 and 11-29), issue 14's cases, a story's topic
from all its posts, and plain cases in ru and en. These score the no-e5 path (no e5 vectors: the words'
model with the word-vector head; the e5 head's figures need `svodka process` on each day,
benchmarks/bench_topics.py; tests/test_topics_heads.py and tests/test_topics_word_head.py check the heads)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import ROOT, open_test_store, shared
from svodka.evaluate.gold import gold_stories, topic_labelled_stories
from svodka.model import StoredPost, Story, StoryMember
from svodka.pipeline.story_topics import TOPICS, classify, classify_texts, lexicon_guess
from svodka.pipeline.summarize import summarize
from svodka.store import open_store


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("ЦБ сохранил ключевую ставку, курс рубля к доллару снизился, инфляция замедлилась.", "economy"),
        ("ВСУ атаковали беспилотниками Белгородскую область, ПВО сбила 11 дронов.", "war and security"),
        ("«Спартак» обыграл ЦСКА в матче РПЛ, решающий гол забил нападающий в концовке.", "sport"),
        ("The Senate passed the bill and the president signed the law after the election.", "politics"),
        (
            "Scientists used the James Webb telescope to study a distant galaxy and planet formation.",
            "science",
        ),
        ("В Подмосковье произошло ДТП: погибли два человека, водитель задержан полицией.", "incidents"),
        ("Он сидит у окна и смотрит вдаль.", "other"),  # a cat is society now (issue 14)
    ],
)
def test_plain_cases(text: str, topic: str) -> None:
    assert classify_texts([text], headline=text).topic == topic


def test_accuracy_on_hand_labelled_stories(backend: str, tmp_path: Path) -> None:
    labels = json.loads((ROOT / "tests" / "data" / "topics_stories_dev.json").read_text())["labels"]
    assert set(labels.values()) <= set(TOPICS)
    store = open_test_store(backend, tmp_path, "t")
    gold = gold_stories(store, shared("stories_dev"))
    store.close()
    right = sum(
        classify(s, summarize(s).headline.text).topic == labels[gold.labels[s.id]] for s in gold.stories
    )
    # Measured by benchmarks/bench_topics.py (the lexicon was reviewed against this day): see FIGURE_DEV.
    assert right / len(gold.stories) >= FIGURE_DEV - 0.02


# In sample: the lexicon was reviewed against these days and the topic model (benchmarks/train_topics.py)
# trained on them, so these only say that the shipped model still loads and decides; what it is worth on a
# day it never saw is leave-one-day-out on these eight (train_topics.py, with the e5 head): 0.816 / 0.852 /
# 0.813 / 0.957 / 0.829 / 0.771 / 0.746 / 0.720 (0.799 in all), and each day labelled for topics alone was
# scored once when it was new (2024-12-01 0.683, 2024-11-29 0.690; benchmarks/README.md, "Topics").
FIGURE_DEV = 0.932
FIGURE_DAY = 0.918
FIGURE_GRADED = {
    "2024-12-03": 0.944,
    "2024-12-04": 0.957,
    "2024-11-28": 0.883,
    "2024-11-26": 0.890,
    "2024-12-01": 0.841,
    "2024-11-29": 0.780,
}


@pytest.mark.parametrize("day", sorted(FIGURE_GRADED))
def test_accuracy_on_the_graded_days(day: str, tmp_path: Path) -> None:
    """tests/data/importance_<day>.json: the pipeline's stories of the day, labelled with their grades (and
    topics_<day>.json, the days labelled for topics alone, each held out once when it was new, training days
    since)."""
    kind = "importance" if day in ("2024-12-03", "2024-12-04") else "topics"
    labels = ROOT / "tests" / "data" / f"{kind}_{day}.json"
    posts = tmp_path / "posts.jsonl"
    with posts.open("w", encoding="utf-8") as out:
        for line in shared("tg_ru_news_2024", "posts.jsonl").open(encoding="utf-8"):
            if json.loads(line)["date"].startswith(day):
                out.write(line)
    with open_store(tmp_path / "t.db") as store:
        rows = topic_labelled_stories(store, labels, posts)
    assert len(rows) == len(json.loads(labels.read_text())["stories"])
    right = sum(classify(story, summarize(story).headline.text).topic == topic for _l, story, topic in rows)
    assert right / len(rows) >= FIGURE_GRADED[day] - 0.02


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        # a link to a Telegram channel is the channel's name, not the story's («Топор. Экономика»)
        (
            "Вирус создали в лаборатории, опубликован отчёт. Полный отчёт в "
            "[Топор. Экономика](https://t.me/+FF1dCmQnyP05MTUy)",
            "science",
        ),
        ("Учения ОДКБ в 2025 году пройдут в Белоруссии и Казахстане.", "war and security"),  # not «учёные»
        # a president's instruction is filed under what it regulates, as a law is
        ("Путин поручил правительству создать национальный центр спорта и федерацию.", "sport"),
        # words many topics use say how, not what: alone they make no topic
        ("В Люберцах продают картофелину за 250 тысяч рублей.", "other"),
        ("Два топ-менеджера РЖД обвиняются в получении взяток на 105 миллионов рублей.", "incidents"),
        # «метров» are metres, not the metro (a society word): the whole word «метро» only
        ("Волна высотой пять метров обрушилась на набережную.", "incidents"),
    ],
)
def test_rules_of_the_lexicon(text: str, topic: str) -> None:
    assert classify_texts([text], headline=text).topic == topic


def test_pupils_are_not_scientists() -> None:
    """«ученики» is not «учёные»: the lexicon files the pupils' barricade under society, and the classifier
    (the words' model with the word head, as with the e5 head and an e5 vector) under incidents — never
    science."""
    text = "Ученики новосибирской школы забаррикадировали двери класса."
    assert lexicon_guess([(text, 1.0), (text, 1.0)]).topic == "society"
    assert classify_texts([text], headline=text).topic in {"society", "incidents"}


def test_accuracy_on_a_day_the_lexicon_was_not_tuned_on(backend: str, tmp_path: Path) -> None:
    """tests/data/topics_2024-12-02.json: stories of the bundled day, labelled before the lexicon changed."""
    doc = json.loads((ROOT / "tests" / "data" / "topics_2024-12-02.json").read_text())
    want = {s["story"]: s["topic"] for s in doc["stories"]}
    assert set(want.values()) <= set(TOPICS)
    store = open_test_store(backend, tmp_path, "t")
    rows = topic_labelled_stories(
        store,
        ROOT / "tests" / "data" / "topics_2024-12-02.json",
        ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl",
    )
    store.close()
    assert len(rows) == len(want)
    right = sum(classify(story, summarize(story).headline.text).topic == topic for _l, story, topic in rows)
    assert right / len(rows) >= FIGURE_DAY - 0.02


# The posts of tg_ru_news_2024 that the old lexicon filed under war and security, economy and politics
# (issue 14): (sender_id, message_id) -> the topics a desk would accept.
ISSUE_14_POSTS = {
    (-1001100158992, 74858): {"society", "politics"},  # «Храм Сатаны» признан нежелательной организацией
    (-1001003921752, 73710): {"society", "politics"},  # the same, BBC Russian
    (-1001003921752, 73350): {"culture"},  # Большой театр: билеты на «Щелкунчик» только онлайн
    (-1001003921752, 73337): {"culture"},
    (-1001101170442, 271518): {"society", "incidents"},  # кот Мир, подаренный Путиным, умер
}


def test_issue_14_posts() -> None:
    texts = {}
    for line in shared("tg_ru_news_2024", "posts.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        if (row["sender_id"], row["message_id"]) in ISSUE_14_POSTS:
            texts[row["sender_id"], row["message_id"]] = row["text"]
    assert texts.keys() == ISSUE_14_POSTS.keys()
    for key, text in texts.items():
        guess = classify_texts([text], headline=text.split("\n")[0])
        assert guess.topic in ISSUE_14_POSTS[key], (key, guess)


def _post(n: int, text: str) -> StoredPost:
    return StoredPost(n, n, f"c{n}", n, datetime(2024, 12, 2, 9, n, tzinfo=UTC), text, None)


def test_a_story_topic_comes_from_all_its_posts_and_says_which_words_decided() -> None:
    sport = "«Спартак» обыграл ЦСКА в матче РПЛ, гол забил нападающий."
    money = "ЦБ сохранил ключевую ставку, инфляция замедлилась, курс рубля вырос."
    # four posts against the headline and one post (three were enough before the model's classes weighed
    # alike: sport, a small class, counts for more per word since)
    posts = [_post(1, sport), _post(2, money), _post(3, money), _post(4, money), _post(5, money)]
    story = Story(1, tuple(StoryMember(p) for p in posts), posts[0].date, posts[-1].date)
    guess = classify(story, headline=sport)
    assert guess.topic == "economy"
    assert {"ставку", "инфляция"} <= {w for w, _ in guess.words}
    # copies repeat the same words: three copies of one post weigh less than one other original
    copies = tuple(StoryMember(p, origin_post_id=2) if p.id > 2 else StoryMember(p) for p in posts)
    assert classify(replace(story, members=copies), headline=sport).topic == "sport"
    # a channel weight (e.g. its credibility) moves the vote
    assert classify(story, headline=sport, channel_weights={1: 5.0}).topic == "sport"


def test_a_topic_is_settled_only_when_one_more_vote_cannot_change_it() -> None:
    war = "ВСУ атаковали беспилотниками Белгородскую область, ПВО сбила 11 дронов."
    one = classify_texts([war])
    assert one.topic == "war and security" and not one.settled(1.0)  # a headline could still outvote it
    three = classify_texts([war] * 3)
    assert three.settled(1.0) and classify_texts([war] * 3, headline="ЦБ повысил ключевую ставку").topic == (
        three.topic
    )
    assert not classify_texts(["Он сидит у окна."]).settled(1.0)  # "other" is never settled
