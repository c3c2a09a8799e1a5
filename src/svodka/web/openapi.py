"""The OpenAPI 3.1 document of ``/api/`` (served at ``/api/openapi.json``; checked by schemathesis)."""

from __future__ import annotations

import re
from typing import Any

from svodka import __version__
from svodka.errors import InputError
from svodka.pipeline.story_topics import TOPICS
from svodka.store.base import STORY_SORTS
from svodka.web.views import SEARCH_LANGUAGES

_N = {"type": "null"}


def _opt(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, _N]}


STR = {"type": "string"}
WORD = {"type": "string", "minLength": 1}  # a query parameter: never empty (leave it out instead)
INT = {"type": "integer"}
NUM = {"type": "number"}
TIME = {"type": "string", "format": "date-time"}
OBJ = {"type": "object"}

POST = {
    "type": "object",
    "required": ["id", "channel_id", "channel", "message_id", "date", "text"],
    "properties": {
        "id": INT,
        "channel_id": INT,
        "channel": STR,
        "message_id": INT,
        "date": TIME,
        "text": STR,
        "url": _opt(STR),
        "views": _opt(INT),
        "forwards": _opt(INT),
        "forwarded_from": _opt(
            {
                "type": "object",
                "properties": {
                    "platform": _opt(STR),
                    "ext_id": _opt(STR),
                    "tg_id": _opt(INT),
                    "handle": _opt(STR),
                    "name": _opt(STR),
                    "message_id": _opt(INT),
                },
            }
        ),
        "edited": _opt(TIME),
        "deleted_at": _opt(TIME),
        "versions": INT,
    },
}
CHANNEL_STATS = {
    "type": "object",
    "properties": {
        "posts": INT,
        "first": _opt(TIME),
        "last": _opt(TIME),
        "posts_per_day": NUM,
        "median_views": _opt(NUM),
        "forwarded": INT,
        "share_original": _opt(NUM),
        "share_copied": _opt(NUM),
        "copied_by_posts": INT,
        "copied_by_channels": INT,
        "near_copies": INT,  # re-published without a forward (found by `svodka process`)
        "corroboration_rate": _opt(NUM),
    },
}
CHANNEL = {
    "type": "object",
    "required": ["id", "name", "platform", "tier", "groups", "active"],
    "properties": {
        "id": INT,
        "name": STR,
        "platform": STR,
        "handle": _opt(STR),
        "ext_id": _opt(STR),
        "tg_id": _opt(INT),
        "title": _opt(STR),
        "tier": {"type": "integer", "minimum": 0, "maximum": 5},
        "groups": {"type": "array", "items": STR},
        "subscribers": _opt(INT),
        "active": {"type": "boolean"},
        "stats": CHANNEL_STATS,
    },
}
_STORY_CARD = {
    "id": INT,
    "headline": STR,
    "first_date": TIME,
    "last_date": TIME,
    "posts": INT,
    "channels": INT,
    "independent": INT,
    "copied": INT,
}
STORY_CARD = {
    "type": "object",
    "required": ["id", "headline", "posts", "channels", "independent", "copied"],
    "properties": _STORY_CARD,
}
TRENDING_CARD = {  # svodka.web.views.trending_page: a card and how fast it grows
    "type": "object",
    "required": STORY_CARD["required"],
    "properties": {
        **_STORY_CARD,
        "recent": INT,  # posts in the window
        "before": INT,  # posts in the window before it
        "recent_channels": INT,
        "growth": NUM,
    },
}
DIFFERENCE = {  # svodka.pipeline.differences: how a story's sources differ, each quote verbatim
    "type": "object",
    "required": ["kind", "subject", "line", "sources", "of", "quotes"],
    "properties": {
        "kind": {"enum": ["conflict", "figure", "claim", "name"]},
        "subject": STR,
        "line": STR,
        "sources": INT,
        "of": INT,
        "quotes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "post_id": INT,
                    "channel_id": INT,
                    "channel": STR,
                    "url": _opt(STR),
                    "alt_url": _opt(STR),  # None here: the web app links the post's page itself
                    "sentence": STR,
                    "what": STR,
                },
            },
        },
    },
}
COORDINATED = _opt(  # svodka.pipeline.coordination.coordinated_dict: a seeding campaign and its evidence
    {
        "type": "object",
        "required": ["line", "channels", "outlets", "window", "markers", "links", "only"],
        "properties": {
            "line": STR,
            "channels": {"type": "array", "items": STR},
            "outlets": INT,
            "window": {
                "type": "object",
                "required": ["first", "last", "minutes"],
                "properties": {"first": TIME, "last": TIME, "minutes": INT},
            },
            "markers": {"type": "array", "items": STR},
            "links": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["post_id", "channel", "date", "url"],
                    "properties": {"post_id": INT, "channel": STR, "date": TIME, "url": _opt(STR)},
                },
            },
            "only": {"type": "boolean"},
        },
    }
)
STORY_ROW = {
    "type": "object",
    "required": ["id", "headline", "posts", "channels", "independent", "first", "hourly"],
    "properties": {
        "id": INT,
        "headline": STR,
        "first_date": TIME,
        "last_date": TIME,
        "posts": INT,
        "channels": INT,
        "independent": INT,
        "first": {
            "type": "object",
            "properties": {"post_id": INT, "channel_id": INT, "channel": STR, "date": _opt(TIME)},
        },
        "hourly": {"type": "array", "items": {"type": "object", "properties": {"hour": TIME, "posts": INT}}},
        "read": {"type": "boolean"},
        "grown_since_read": {"type": "boolean"},
        "not_news": {"type": "boolean"},  # with not_news=show: whether analysts marked it not news
        "coordinated": COORDINATED,
    },
}
THREAD_REPORT = {  # svodka.web.views._thread: a report with the copies folded under it
    "type": "object",
    "required": ["post", "copy", "copies"],
    "properties": {
        "post": POST,
        "language": _opt(STR),
        "copy": {"type": "boolean"},  # the report copies a post outside the story
        "copies": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["post", "kind"],
                "properties": {"post": POST, "kind": STR, "origin_id": _opt(INT), "delay_s": _opt(NUM)},
            },
        },
    },
}
STORYLINE_PART = _opt(  # svodka.web.storylines.part_of: the storyline a story is part of (None: in none)
    {
        "type": "object",
        "required": ["id", "headline", "stories", "days"],
        "properties": {"id": INT, "headline": STR, "stories": INT, "days": INT},
    }
)
STORY_CORRECTIONS = {  # svodka.web.corrections.story_corrections: what an analyst may correct, and the log
    "type": "object",
    "required": ["story_id", "posts", "developments", "log"],
    "properties": {
        "story_id": INT,
        "posts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": INT, "channel": STR, "date": TIME, "lead": STR},
            },
        },
        "developments": {"type": "array", "items": INT},
        "log": {"type": "array", "items": OBJ},
    },
}
_QUESTION_CARD: dict[str, Any] = {
    "id": INT,
    "title": STR,
    "label": STR,
    "keywords": {"type": "array", "items": STR},
    "count": INT,
    "trend": {"type": "array", "items": {"type": "object", "properties": {"day": STR, "questions": INT}}},
    "regions": {
        "type": "array",
        "items": {"type": "object", "properties": {"region": STR, "questions": INT}},
    },
    "representatives": {"type": "array", "items": STR},
}
QUESTION_TOPIC = {
    "type": "object",
    "required": ["id", "label", "count", "subtopics"],
    "properties": {
        **_QUESTION_CARD,
        "subtopics": {"type": "array", "items": {"type": "object", "properties": _QUESTION_CARD}},
    },
}
ERROR = {"type": "object", "required": ["error", "status"], "properties": {"error": STR, "status": INT}}
MARK = {
    "type": "object",
    "required": ["kind", "ref_id"],
    "properties": {
        "kind": {"enum": ["post", "story"]},
        "ref_id": INT,
        "note": STR,
        "created_at": TIME,
        "title": _opt(STR),  # the story's headline or the post's channel and first line; None once deleted
        "url": STR,
    },
}
READ_BODY = {
    "type": "object",
    "required": ["kind", "ids"],
    "properties": {
        "kind": {"enum": ["story", "digest"]},
        "ids": {
            "type": "array",
            "minItems": 1,
            "maxItems": 200,
            "items": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
        },
    },
}

# What the built-in sources read (svodka.collect.registry.parse_channel): @name / name, a -100… id, a
# t.me link or feed URL (no spaces or control characters in it).
CHANNEL_PATTERN = r"^\s*(@?[A-Za-z][A-Za-z0-9_]{2,64}|-?[0-9]{5,18}|https?://[^\s\x00-\x1f\x7f-\x9f]+)\s*$"


def channel_name(value: object) -> str:
    """A channel to add, as the API's body or the HTML form gives it, checked against CHANNEL_PATTERN."""
    if not isinstance(value, str) or not re.fullmatch(CHANNEL_PATTERN, value):
        raise InputError("channel", "name the channel: @name, t.me/name, a -100… id or a feed URL")
    return value.strip()


MARK_BODY = {
    "type": "object",
    "required": ["kind", "ref_id"],
    "properties": {
        "kind": {"enum": ["post", "story"]},
        "ref_id": {"type": "integer", "minimum": 1},
        "note": STR,
    },
}


CORRECTION = {  # svodka.pipeline.corrections.as_dict
    "type": "object",
    "required": ["id", "kind", "subject", "user", "at", "active", "what"],
    "properties": {
        "id": INT,
        "kind": {"enum": ["merge", "move", "detach", "split", "not-news-story", "not-news-post"]},
        "subject": INT,
        "target": _opt(INT),
        "result": _opt(INT),
        "user": STR,
        "at": TIME,
        "active": {"type": "boolean"},
        "undone_at": _opt(TIME),
        "undone_by": _opt(STR),
        "anchors": _opt({"type": "array", "items": INT}),
        "what": STR,
    },
}
CORRECTED = {
    "type": "object",
    "required": ["correction", "story"],
    "properties": {"correction": CORRECTION, "story": _opt(INT)},  # story: the one it made or kept, now
}
_ID = {"type": "integer", "minimum": 1}
CORRECTION_BODIES = {  # svodka.web.api_corrections.BODIES
    "merge": ("Merge two stories into one (the older id stays)", {"story": _ID, "other": _ID}),
    "move": ("Move a post into another story", {"post": _ID, "story": _ID}),
    "detach": ("Take a post out into a story of its own", {"post": _ID}),
    "split": (
        "Split a story: this development and the later ones become a story",
        {"story": _ID, "development": _ID},
    ),
}


def _closed(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(props), "properties": props, "additionalProperties": False}


def _corrections() -> dict[str, Any]:
    """The paths of svodka.web.api_corrections (analyst role and above)."""

    def post(summary: str, body: dict[str, Any] | None, answer: int) -> dict[str, Any]:
        op: dict[str, Any] = {
            "summary": f"{summary} (analyst)",
            "description": "409: the store's state refuses it (the CLI's one-line error).",
            "responses": {
                str(answer): _json(CORRECTED, "Corrected" if answer == 201 else "Undone"),
                "409": _json(ERROR, "Refused: the stories as they stand do not allow it"),
                **_errors(400, 401, 403, 404, 413),
            },
        }
        if body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        return {"post": op}

    paths = {
        f"/api/corrections/{kind}": post(summary, _closed(props), 201)
        for kind, (summary, props) in CORRECTION_BODIES.items()
    }
    not_news = {"oneOf": [_closed({"story": _ID}), _closed({"post": _ID})]}
    paths["/api/corrections/not-news"] = post("Mark a story or a post not news", not_news, 201)
    paths["/api/corrections/{correction_id}/undo"] = {
        "post": {**post("Undo a correction: the pipeline's own placement back", None, 200)["post"]},
    }
    paths["/api/corrections/{correction_id}/undo"]["post"]["parameters"] = [_path("correction_id")]
    paths["/api/corrections"] = _get(
        "Analysts' corrections, newest first (analyst): all, or those of one story",
        [
            _q("story", _ID, "Only the corrections of this story (its developments and posts too)."),
            LIMIT,
            _q("offset", {"type": "integer", "minimum": 0, "maximum": 1000000}, "Skip this many."),
        ],
        {
            "type": "object",
            "properties": {
                "corrections": {"type": "array", "items": CORRECTION},
                "offset": INT,
                "next_offset": _opt(INT),
            },
        },
        400,
        404,
    )
    return paths


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    words = {
        400: "Bad parameters",
        401: "No login or API key",
        403: "Wrong role",
        404: "Not found",
        413: "Body larger than web.max_body_bytes",
        501: "Not built yet in this svodka",
    }
    return {str(c): _json(ERROR, words[c]) for c in codes}


def _q(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


DAY = {"type": "string", "format": "date"}
AS_OF = _q(
    "as_of",
    {"anyOf": [DAY, TIME]},
    "Count the window back from this time (a day: its end; a time: UTC unless it has an offset); else from "
    "now, or from the newest stored post when nothing was posted in the window.",
)
LIMIT = _q("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Rows to return.")


def _get(summary: str, params: list[dict[str, Any]], schema: dict[str, Any], *errors: int) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": params,
            "responses": {"200": _json(schema), **_errors(401, 403, *errors)},
        }
    }


def _post_read(summary: str) -> dict[str, Any]:
    answer = {
        "type": "object",
        "properties": {"kind": STR, "ids": {"type": "array", "items": INT}, "changed": INT},
    }
    return {
        "post": {
            "summary": summary,
            "requestBody": {"required": True, "content": {"application/json": {"schema": READ_BODY}}},
            "responses": {"200": _json(answer), **_errors(400, 401, 403, 404, 413)},
        }
    }


def document() -> dict[str, Any]:
    """The OpenAPI document."""
    obj = lambda **props: {"type": "object", "properties": props}  # noqa: E731
    arr = lambda items: {"type": "array", "items": items}  # noqa: E731
    channel_body: dict[str, Any] = {
        "type": "object",
        "properties": {"tier": {"type": "integer", "minimum": 0, "maximum": 5}, "groups": arr(STR)},
    }
    paths: dict[str, Any] = {
        "/api/me": _get("The caller", [], obj(id=INT, username=STR, role=STR)),
        "/api/posts": _get(
            "Posts in arrival order, paged by after_id",
            [
                _q("channel", WORD, "Only this channel (handle, id or title)."),
                _q("since", DAY, "From this day (UTC)."),
                _q("until", DAY, "To this day (UTC), inclusive."),
                _q(
                    "after_id",
                    {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
                    "Posts after this id (the previous next_after_id).",
                ),
                _q("include_deleted", {"enum": ["true", "false"]}, "Include posts deleted at the source."),
                LIMIT,
            ],
            obj(posts=arr(POST), next_after_id=_opt(INT)),
            400,
            404,
        ),
        "/api/posts/{post_id}": _get(
            "One post, its versions, its origin and its copies",
            [_path("post_id")],
            obj(post=POST, origin=_opt(POST), copies=arr(POST), versions=arr(OBJ)),
            400,
            404,
        ),
        "/api/search": _get(
            "Full-text search over posts (and stories, once built)",
            [
                _q(
                    "q",
                    {"type": "string", "minLength": 1},
                    'Words (any inflection, all of them); "quoted phrase"; a OR b (also |); NOT x or -x; '
                    "prefix*; (brackets). 400 when it cannot be read (a lone NOT, OR without a side).",
                    True,
                ),
                _q("channel", WORD, "Only this channel."),
                _q("group", WORD, "Only channels of this group."),
                _q("since", DAY, "From this day."),
                _q("until", DAY, "To this day, inclusive."),
                _q(
                    "language",
                    {"enum": list(SEARCH_LANGUAGES)},
                    "Only posts in this language, as the pipeline told it (und: too short to tell).",
                ),
                _q(
                    "sort",
                    {"enum": ["relevance", "date"]},
                    "relevance (bm25, the default) or date (newest first).",
                ),
                _q("page", {"type": "integer", "minimum": 1, "maximum": 10000}, "Page, from 1."),
                LIMIT,
            ],
            obj(
                query=STR,
                filters=obj(
                    channel=_opt(STR), group=_opt(STR), since=_opt(TIME), until=_opt(TIME), language=_opt(STR)
                ),
                sort=STR,
                total=INT,
                page=INT,
                next_page=_opt(INT),
                ranked_among_newest=INT,
                stories=arr(STORY_CARD),
                hits=arr(obj(post=POST, snippet=STR, rank=NUM, same_text=arr(POST))),
            ),
            400,
            404,
        ),
        "/api/channels": {
            **_get(
                "Channels with their statistics",
                [_q("group", WORD, "Only this group.")],
                obj(group=_opt(STR), channels=arr(CHANNEL), groups=arr(STR)),
                400,
            ),
            "post": {
                "summary": "Add a channel (admin)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                **channel_body,
                                "required": ["channel"],
                                "properties": {
                                    **channel_body["properties"],
                                    "channel": {"type": "string", "pattern": CHANNEL_PATTERN},
                                },
                            }
                        }
                    },
                },
                "responses": {"201": _json(CHANNEL, "Added"), **_errors(400, 401, 403, 413)},
            },
        },
        "/api/channels/{channel_id}": {
            **_get(
                "A channel's statistics, copiers, sources and recent posts",
                [_path("channel_id")],
                obj(
                    channel=CHANNEL,
                    daily=arr(OBJ),
                    copied_by=arr(OBJ),
                    copies_from=arr(OBJ),
                    recent=arr(POST),
                ),
                400,
                404,
            ),
            "patch": {
                "summary": "Set tier and groups (admin)",
                "parameters": [_path("channel_id")],
                "requestBody": {"required": True, "content": {"application/json": {"schema": channel_body}}},
                "responses": {"200": _json(CHANNEL), **_errors(400, 401, 403, 404, 413)},
            },
            "delete": {
                "summary": "Stop following a channel (admin); its posts stay unless delete_posts=true",
                "description": "Without delete_posts=true the channel is kept with its posts, no longer "
                "followed: GET /api/channels/{channel_id} then answers 200 with `active: false` (and adding "
                "it again follows it again). With delete_posts=true the channel and its posts are deleted "
                "and GET answers 404. Either way the answer is the channel as it is now (`active: false`).",
                "parameters": [
                    _path("channel_id"),
                    _q("delete_posts", {"enum": ["true", "false"]}, "Delete its posts too."),
                ],
                "responses": {"200": _json(CHANNEL), **_errors(400, 401, 403, 404)},
            },
        },
        "/api/stories": _get(
            "The stories browser: stories by period, topic, group, language, size and sources; paged",
            [
                _q("day", DAY, "Stories active on this day (UTC)."),
                _q("since", DAY, "Active since this day."),
                _q("until", DAY, "Active until this day, inclusive."),
                _q(
                    "hours",
                    {"type": "integer", "minimum": 0, "maximum": 24 * 3660},
                    "Without day/since/until: active in this many hours before as_of (24; 0: any time).",
                ),
                AS_OF,
                _q("topic", {"enum": list(TOPICS)}, "Only stories of this topic (as the digest tells it)."),
                _q("group", WORD, "Only stories some channel of this group reported."),
                _q("not_group", WORD, "Only stories no channel of this group reported."),
                _q(
                    "language", {"enum": list(SEARCH_LANGUAGES)}, "Only stories with a post in this language."
                ),
                _q(
                    "min_posts",
                    {"type": "integer", "minimum": 1, "maximum": 10**6},
                    "At least this many posts (2).",
                ),
                _q(
                    "min_channels",
                    {"type": "integer", "minimum": 1, "maximum": 10**6},
                    "At least this many channels.",
                ),
                _q(
                    "min_independent",
                    {"type": "integer", "minimum": 0, "maximum": 10**6},
                    "At least this many independent sources (channels with a post that copies no other).",
                ),
                _q(
                    "sort",
                    {"enum": list(STORY_SORTS)},
                    "score: independent sources, then channels, posts; size: posts; first: first seen, "
                    "newest first; recent: last active.",
                ),
                _q("page", {"type": "integer", "minimum": 1, "maximum": 10000}, "Page, from 1."),
                LIMIT,
                _q(
                    "offset",
                    {"type": "integer", "minimum": 0, "maximum": 1000000},
                    "Skip this many (instead of page).",
                ),
                _q(
                    "not_news",
                    {"enum": ["show", "hide"]},
                    "show: the stories analysts marked not news too, each row saying so (hidden by default).",
                ),
            ],
            obj(
                stories=arr(STORY_ROW),
                total=INT,
                page=INT,
                next_page=_opt(INT),
                since=_opt(TIME),
                until=_opt(TIME),
                as_of=_opt(TIME),
                as_of_basis=_opt({"enum": ["live", "archive", "picked"]}),
                sort=STR,
                not_news={"enum": ["show", "hide"]},
            ),
            400,
            501,
        ),
        "/api/stories/trending": _get(
            "Stories growing fastest",
            [_q("hours", {"type": "integer", "minimum": 1, "maximum": 336}, "Window in hours."), AS_OF],
            obj(
                hours=NUM,
                as_of=TIME,
                as_of_basis={"enum": ["live", "archive", "picked"]},
                stories=arr(TRENDING_CARD),
            ),
            400,
            501,
        ),
        "/api/stories/{story_id}": _get(
            "A story: summary, timeline, provenance, channels (the story page's JSON, "
            "/stories/{story_id}?format=json, adds storyline and, for an analyst, corrections)",
            [_path("story_id")],
            obj(
                story=STORY_CARD,
                summary=arr(OBJ),
                developments=arr(OBJ),
                groups=arr(OBJ),  # coverage by channel group (pipeline.coverage.GroupCoverage)
                first=POST,
                independent=INT,  # original posts
                independent_sources=INT,  # the digest card's figure (a channel network is one source)
                independent_channels=INT,
                copied=INT,
                tz=STR,  # the display zone of the summary's times
                differences=arr(DIFFERENCE),
                coordinated=COORDINATED,
                thread=arr(THREAD_REPORT),  # one page of the reports, copies folded under them
                reports=INT,  # reports on every page
                page=INT,
                pages=INT,
                timeline=arr(OBJ),
                copies=arr(OBJ),
                channels=arr(OBJ),
                storyline=STORYLINE_PART,
                corrections=STORY_CORRECTIONS,
            ),
            400,
            404,
            501,
        ),
        "/api/storylines/{storyline_id}": _get(
            "A storyline (stories over days; its id or any of its stories' ids): per day its stories, their "
            "new developments, first reporter, channels; the links that joined them",
            [_path("storyline_id")],
            obj(storyline=OBJ, days=arr(OBJ), links=arr(OBJ), tz=STR),
            400,
            404,
            501,
        ),
        "/api/digests": _get(
            "Digests, newest first",
            [
                LIMIT,
                _q("offset", {"type": "integer", "minimum": 0, "maximum": 1000000}, "Skip this many."),
                _q("since", DAY, "Periods ending on or after this day."),
                _q("until", DAY, "Periods starting on or before this day."),
            ],
            obj(digests=arr(OBJ)),
            400,
            501,
        ),
        "/api/digests/{digest_id}": _get("One digest", [_path("digest_id")], obj(digest=OBJ), 400, 404, 501),
        "/api/health": _get(
            "Collection health per source (analyst)",
            [],
            obj(sources=arr(obj(key=STR, status=STR, failures=INT, backoff_s=INT)), failing=INT, posts=INT),
        ),
        "/api/questions/topics": _get(
            "Question triage: topics (largest first) with subtopics, trend, regions, representatives",
            [],
            obj(built={"type": "boolean"}, questions=INT, topics=arr(QUESTION_TOPIC)),
        ),
        "/api/read": _post_read("Mark stories or digests read by you (opening one marks it too)"),
        "/api/unread": _post_read("Mark stories or digests unread again"),
        "/api/marks": {
            **_get("Your marks (analyst)", [], obj(marks=arr(MARK))),
            "post": {
                "summary": "Mark a post or story (analyst)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": MARK_BODY}}},
                "responses": {"201": _json(MARK, "Marked"), **_errors(400, 401, 403, 404, 413, 501)},
            },
        },
        **_corrections(),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "svodka",
            "version": __version__,
            "description": "Posts, stories, digests and channels of a svodka store. Authenticate with "
            "`Authorization: Bearer <API key>` (create keys on /account) or a session cookie "
            "(then send X-CSRF-Token on writes). Each query parameter is given at most once and never "
            "empty (leave it out instead), or the answer is 400. A request body is read only after the "
            "caller is known, and at most `web.max_body_bytes` of it (1 MiB unless configured): 413 beyond.",
        },
        "components": {"securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}}},
        "security": [{"apiKey": []}],
        "paths": paths,
    }
