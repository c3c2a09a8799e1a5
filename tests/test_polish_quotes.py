"""Quotes an editor would keep (issue 14 §2), the checks a hand read of a run of real digests asked for: no
post quoted on two cards of one digest."""

from __future__ import annotations

from svodka.pipeline import quotes
from svodka.pipeline.quotes import Quote, digest_problems


def test_a_post_quoted_on_two_cards_is_named() -> None:
    first = [Quote("Парламент Южной Кореи проголосовал за отмену военного положения.", 1)]
    second = [
        Quote("Президент Южной Кореи объявил военное положение.", 2),
        Quote("Парламент Южной Кореи проголосовал за отмену военного положения.", 1),
    ]
    assert digest_problems([first, second]) == [f"{quotes.OTHER_CARD}: {second[1].text}"]
    assert digest_problems([first, second[:1]]) == []
