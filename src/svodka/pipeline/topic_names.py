"""The story topics' names, in the order :mod:`svodka.pipeline.story_topics` breaks ties by: what a
command's ``--topic`` choices and a filter's check need, without importing the classifier (its lexicon,
simplemma and the shipped model)."""

from __future__ import annotations

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
