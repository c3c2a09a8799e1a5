"""Synthesise N questions (default 1,000,000) from the real citizen appeals, with realistic duplication.

Popularity is Zipf-like (a few questions asked tens of thousands of times, a long tail asked once), and
repeats vary as people vary them: case, punctuation, greetings, a typo, a word added. Regions and times
are drawn from the real rows. The output is derived from data with no open licence: it is written
outside the project (default /tmp) and must not be committed.

    .venv/bin/python benchmarks/make_synthetic_questions.py [--n 1000000] [--out /tmp/questions_1m.jsonl]
    [--seed 7] [--start 0]   (a later batch: another seed, ids from --start)
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "shared" / "data" / "citizen_appeals_dev" / "appeals.jsonl"
GREETINGS = ("Здравствуйте! ", "Добрый день. ", "Прошу помочь: ", "", "", "")
TAILS = (" Спасибо.", " Срочно!", "?", "!!", " помогите", "", "", "")


def vary(text: str, rng: random.Random) -> str:
    t = text
    r = rng.random()
    if r < 0.2:
        t = t.lower()
    elif r < 0.25:
        t = t.upper()
    if rng.random() < 0.3 and len(t) > 10:
        i = rng.randrange(1, len(t) - 1)
        t = t[:i] + t[i + 1] + t[i] + t[i + 2 :]  # a transposition typo
    return rng.choice(GREETINGS) + t.strip() + rng.choice(TAILS)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--out", default="/tmp/questions_1m.jsonl")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", type=int, default=0, help="First id number (a later batch: ids after it).")
    a = ap.parse_args()
    rows = [json.loads(line) for line in SRC.open(encoding="utf-8")]
    random.Random(7).shuffle(rows)  # the popularity ranking: the same for every batch of one broadcast
    rng = random.Random(a.seed)
    # Zipf weights over the real rows: rank 1 gets ~4% of all questions, the tail is asked once or twice.
    weights = [1.0 / (r + 1) ** 1.05 for r in range(len(rows))]
    # A big run has every real row at least once; a later, small batch is drawn by popularity alone.
    every = list(range(len(rows))) if a.n >= len(rows) else []
    picks = rng.choices(range(len(rows)), weights=weights, k=a.n - len(every))
    order = every + picks
    rng.shuffle(order)
    start = datetime(2025, 12, 19, 12, 0)
    channels = ("phone", "sms", "web", "telegram", "vk")
    with open(a.out, "w", encoding="utf-8") as f:
        for i, j in enumerate(order):
            src = rows[j]
            seen = i > 0 and rng.random() < 0.85
            text = vary(src["text"], rng) if seen else src["text"]
            when = start + timedelta(seconds=int(4 * 3600 * (a.start + i) / (a.start + a.n)))
            rec = {
                "id": f"q{a.start + i}",
                "text": text,
                "date": when.isoformat(),
                "district": src["district"],
                "channel": rng.choice(channels),
                "reason": src["reason"],
            }
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{a.out}: {a.n} questions from {len(rows)} real ones")


if __name__ == "__main__":
    main()
