"""Posts as both backends store them: the stored row ↔ :class:`~svodka.model.StoredPost`, a post's row
parameters, the SQL both dialects write alike, and the keyset walk of :meth:`PostRepo.iter`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import orjson

from svodka.links import telegram_post_url
from svodka.model import PLATFORM_TELEGRAM, Post, PostVersion, StoredPost, from_ts, utc

# The columns of a post's row (:func:`post_row`), in order: the staging table's and the insert's.
STAGE_COLUMNS = (
    "channel_id, message_id, date, text, entities, links, views, forwards, reactions, fwd_platform, "
    "fwd_ext_id, fwd_handle, fwd_name, fwd_message_id, reply_to, media, author, url, edited, content_hash, "
    "raw"
)
N_STAGE = STAGE_COLUMNS.count(",") + 1
# A stored post with its channel, as :func:`stored_post` reads it.
SELECT_POST = (
    "SELECT p.id, p.channel_id, COALESCE(c.title, c.handle, c.ext_id), p.message_id, p.date, "
    "p.text, p.url, p.views, p.forwards, p.fwd_platform, p.fwd_ext_id, p.fwd_handle, p.fwd_name, "
    "p.fwd_message_id, p.reply_to, "
    "p.media, p.links, p.edited, p.deleted_at, "
    "1 + (SELECT COUNT(*) FROM post_versions v WHERE v.post_id = p.id), c.platform, c.handle, c.ext_id, "
    "p.reactions, p.author "
    "FROM posts p JOIN channels c ON c.id = p.channel_id"
)
# An incoming (staged ``s``) copy changes the stored post ``p``: other text or entities, and not older than
# the stored edit.
CHANGED = (
    "p.content_hash != s.content_hash AND (s.edited IS NULL OR p.edited IS NULL OR s.edited >= p.edited) "
    "AND NOT (s.edited IS NULL AND p.edited IS NOT NULL)"
)
# The stored text of every staged post that changed is kept as its next version.
KEEP_VERSIONS = (
    "INSERT INTO post_versions (post_id, version, text, entities, edited, seen_at) "
    "SELECT p.id, 1 + (SELECT COUNT(*) FROM post_versions v WHERE v.post_id = p.id), "
    "p.text, p.entities, p.edited, p.last_seen "
    "FROM stage s JOIN posts p ON p.channel_id = s.channel_id AND p.message_id = s.message_id "
    f"WHERE {CHANGED}"
)
SELECT_VERSIONS = "SELECT post_id, version, text, edited, seen_at FROM post_versions"
GET_MANY_CHUNK = 500  # ids a statement of PostRepo.get_many reads


def content_hash(text: str, entities: bytes | None) -> int:
    """A stable 63-bit hash of what a reader sees: a change means the post was edited."""
    h = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8)
    if entities:
        h.update(entities)
    return int.from_bytes(h.digest(), "big") >> 1


def _as_is(value: bytes) -> bytes:
    return value


def post_row(p: Post, channel_id: int, json_column: Callable[[bytes], Any] = _as_is) -> tuple[Any, ...]:
    """The parameters of ``p``'s row (:data:`STAGE_COLUMNS`); ``json_column`` turns the JSON of its entities
    and links into what the backend's column holds (bytes as they are, or text)."""
    entities = orjson.dumps([[e.type, e.text, e.url] for e in p.entities]) if p.entities else None
    fwd = p.forward
    return (
        channel_id,
        p.message_id,
        int(utc(p.date).timestamp()),
        p.text,
        json_column(entities) if entities else None,
        json_column(orjson.dumps(list(p.links))) if p.links else None,
        p.views,
        p.forwards,
        p.reactions,
        fwd.platform if fwd else None,
        fwd.ext_id if fwd else None,
        fwd.handle if fwd else None,
        fwd.name if fwd else None,
        fwd.message_id if fwd else None,
        p.reply_to,
        p.media,
        p.author,
        p.url,
        int(utc(p.edited).timestamp()) if p.edited else None,
        content_hash(p.text, entities),
        orjson.dumps(p.raw, option=orjson.OPT_NON_STR_KEYS) if p.raw is not None else None,
    )


def stored_post(r: Sequence[Any]) -> StoredPost:
    """A row of :data:`SELECT_POST` as its record (a Telegram post without a URL gets its t.me link)."""
    platform, handle, ext_id = r[20], r[21], r[22]
    url = r[6]
    if url is None and platform == PLATFORM_TELEGRAM:
        url = telegram_post_url(handle, ext_id, r[3])
    return StoredPost(
        id=r[0],
        channel_id=r[1],
        channel=r[2],
        message_id=r[3],
        date=from_ts(r[4]),  # type: ignore[arg-type]
        text=r[5],
        url=url,
        views=r[7],
        forwards=r[8],
        fwd_platform=r[9],
        fwd_ext_id=r[10],
        fwd_handle=r[11],
        fwd_name=r[12],
        fwd_message_id=r[13],
        reply_to=r[14],
        media=r[15],
        links=tuple(orjson.loads(r[16])) if r[16] else (),
        edited=from_ts(r[17]),
        deleted_at=from_ts(r[18]),
        versions=r[19],
        reactions=r[23],
        author=r[24],
    )


def post_version(r: Sequence[Any]) -> PostVersion:
    """A row of :data:`SELECT_VERSIONS` as its record."""
    return PostVersion(r[0], r[1], r[2], from_ts(r[3]), from_ts(r[4]))  # type: ignore[arg-type]


def walk(page: Callable[[int], Sequence[Sequence[Any]]], after_id: int) -> Iterator[StoredPost]:
    """Every post of the pages ``page(last id)`` gives (rows of :data:`SELECT_POST` by id, after the last
    id), until one is empty."""
    last = after_id
    while True:
        rows = page(last)
        if not rows:
            return
        for r in rows:
            yield stored_post(r)
        last = rows[-1][0]
