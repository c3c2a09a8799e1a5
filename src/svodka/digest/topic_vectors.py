"""The stories' mean post vectors for their topic (:mod:`svodka.pipeline.topic_model`'s heads): the centroids
``svodka process`` cached for the store's embedder, named by that embedder's vector cache, so a head only
ever reads the vectors of the embedder it was trained on. Nothing is read where no head ships for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from svodka.digest.fold import MODEL_KEYS, StoreCentroids
from svodka.model import Story
from svodka.pipeline.topic_model import StoryVector, load_heads

if TYPE_CHECKING:
    from svodka.store.base import Store


def story_vectors(store: Store, embedder: str, stories: Sequence[Story]) -> dict[int, StoryVector]:
    """Story id -> its mean original-post vector of ``embedder`` (a ``pipeline.embedder`` value), for the
    stories with cached vectors; empty where the package has no head for that embedder."""
    model = MODEL_KEYS.get(embedder, embedder)
    if model not in load_heads():
        return {}
    return {sid: StoryVector(model, v) for sid, v in StoreCentroids(store, embedder).of(stories).items()}
