"""Write a Telegram Desktop ``result.json`` (single-chat export) of N posts built from real posts.

The texts come from ``../shared/data/tg_ru_news_2024/posts.jsonl`` (cycled); ids, dates, forwards, edits,
reactions, replies, media and entity arrays vary deterministically, in the shapes Telegram Desktop writes
(``text`` as a string or an array of parts, ``text_entities``, ``forwarded_from_id: "channel<id>"`` …).
About 1 % are service messages. Written message by message, so N can be millions.

    .venv/bin/python benchmarks/make_synthetic_export.py /tmp/synthetic.json --posts 1000000
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "tg_ru_news_2024" / "posts.jsonl"
_URL = re.compile(r"https?://\S+")


def _message(i: int, text: str, rng: random.Random, start: int) -> dict[str, object]:
    date = start + i * 37 + rng.randrange(30)
    msg: dict[str, object] = {
        "id": i,
        "type": "message",
        "date": "2024-01-01T00:00:00",
        "date_unixtime": str(date),
        "from": "Синтетика",
        "from_id": "channel1999999999",
    }
    if i % 7 == 0:
        msg["edited_unixtime"] = str(date + 600)
        msg["edited"] = "2024-01-01T00:10:00"
    if i % 10 == 3:
        msg["forwarded_from"] = f"Источник {i % 50}"
        msg["forwarded_from_id"] = f"channel{1000000000 + i % 50}"
    if i % 5 == 0:
        msg["reactions"] = [{"type": "emoji", "count": i % 97 + 1, "emoji": "👍"}]
    if i % 20 == 1 and i > 1:
        msg["reply_to_message_id"] = i - 1
    if i % 4 == 2:
        msg["photo"] = "(File not included. Change data exporting settings to download.)"
        msg["width"], msg["height"] = 1280, 720
    url = _URL.search(text)
    if url and i % 2 == 0:  # the array form, with a link entity and a hashtag
        head, link, tail = text[: url.start()], url.group(0), text[url.end() :]
        parts: list[object] = [
            head,
            {"type": "link", "text": link},
            tail,
            " ",
            {"type": "hashtag", "text": "#новости"},
        ]
        msg["text"] = parts
        msg["text_entities"] = [
            {"type": "plain", "text": head},
            {"type": "link", "text": link},
            {"type": "plain", "text": tail + " "},
            {"type": "hashtag", "text": "#новости"},
        ]
    else:
        msg["text"] = text
        msg["text_entities"] = [{"type": "plain", "text": text}] if text else []
    return msg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    texts = [
        orjson.loads(line).get("text") or "" for line in SOURCE.read_bytes().splitlines() if line.strip()
    ]
    rng = random.Random(args.seed)
    start = 1_700_000_000
    with args.out.open("wb") as out:
        out.write(
            b'{\n "name": "\xd0\xa1\xd0\xb8\xd0\xbd\xd1\x82\xd0\xb5\xd1\x82\xd0\xb8\xd0\xba\xd0\xb0",'
            b'\n "type": "public_channel",\n "id": 1999999999,\n "messages": [\n'
        )
        written = 0
        i = 0
        while written < args.posts:
            i += 1
            if i % 100 == 0:
                item: dict[str, object] = {
                    "id": i,
                    "type": "service",
                    "date_unixtime": str(start + i * 37),
                    "action": "pin_message",
                    "message_id": i - 1,
                    "text": "",
                    "text_entities": [],
                }
            else:
                item = _message(i, texts[written % len(texts)], rng, start)
                written += 1
            out.write(b"  " + orjson.dumps(item) + (b",\n" if written < args.posts else b"\n"))
        out.write(b" ]\n}\n")
    print(f"{args.out}: {written} posts, {i - written} service messages, {args.out.stat().st_size >> 20} MiB")


if __name__ == "__main__":
    main()
