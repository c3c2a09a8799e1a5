"""Watchlists: a named query, optional filters, the rules that raise alerts and the targets they go to.

Written as ``[[watchlists]]`` tables in svodka.toml, or stored by `svodka watchlists add` (as the same keys,
in JSON)::

    [[watchlists]]
    name = "peskov"
    query = 'Песков OR "пресс-секретарь президента" -футбол'
    groups = ["news"]                 # channel groups (any of)
    channels = ["@rian_ru"]           # channels by @handle, name or title (any of)
    languages = ["ru"]
    topics = ["politics"]             # the story's topic (svodka.pipeline.story_topics)
    rules = ["post", "sources>=3", "spike", "tier<=2", "edits"]
    targets = ["desk-mail", "hook"]   # names of [[alerts.targets]]
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from svodka.errors import ConfigError, QueryError
from svodka.query import Node, parse_query

RULE_KINDS = ("post", "sources", "spike", "tier", "edits")
_DEFAULTS = {"sources": 3, "tier": 2, "spike": 3}  # N sources; tier T or better; spike: channels in the hour
_RULE = re.compile(r"^\s*(post|sources|spike|tier|edits)\s*(?:(?:>=|<=|=|:)?\s*(\d+))?\s*$")
_KEYS = {"name", "query", "groups", "channels", "languages", "topics", "rules", "targets"}
_NAME = re.compile(r"^[\w.-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Rule:
    """``post``: a new post matches; ``sources``: a matching story reaches ``value`` independent sources;
    ``spike``: a matching story's channels in the last hour are at least ``value`` and well above its own
    earlier rate; ``tier``: a channel of tier ``value`` or better (1 … value) confirms a matching story;
    ``edits``: a watched channel edits or deletes a post."""

    kind: str
    value: int = 0

    @property
    def text(self) -> str:
        op = {"sources": ">=", "tier": "<=", "spike": ">="}.get(self.kind)
        return f"{self.kind}{op}{self.value}" if op else self.kind


def parse_rule(text: str) -> Rule:
    m = _RULE.match(str(text))
    if m is None:
        raise ConfigError(f"not a watchlist rule: {text!r} (one of post, sources>=N, spike, tier<=T, edits)")
    kind = m.group(1)
    value = int(m.group(2)) if m.group(2) else _DEFAULTS.get(kind, 0)
    if kind in _DEFAULTS and value < 1:
        raise ConfigError(f"watchlist rule {text!r}: the number must be at least 1")
    return Rule(kind, value)


@dataclass(frozen=True, slots=True)
class Watchlist:
    name: str
    query: str = ""  # empty: every post of the channels the filters name (for `edits`)
    groups: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = (Rule("post"),)
    targets: tuple[str, ...] = ()
    origin: str = "store"  # "store", or the config file it was read from
    tree: Node | None = field(default=None, compare=False)  # the parsed query (None when empty)

    def spec(self) -> str:
        """The JSON the store keeps."""
        return json.dumps(
            {
                "query": self.query,
                "groups": list(self.groups),
                "channels": list(self.channels),
                "languages": list(self.languages),
                "topics": list(self.topics),
                "rules": [r.text for r in self.rules],
                "targets": list(self.targets),
            },
            ensure_ascii=False,
        )

    def describe(self) -> str:
        parts = [f"query {self.query!r}" if self.query else "every post"]
        for label, values in (
            ("groups", self.groups),
            ("channels", self.channels),
            ("languages", self.languages),
            ("topics", self.topics),
        ):
            if values:
                parts.append(f"{label} {','.join(values)}")
        parts.append("rules " + ",".join(r.text for r in self.rules))
        parts.append("to " + (",".join(self.targets) or "(no target)"))
        return "; ".join(parts)


def _strings(where: str, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v] if key != "channels" else [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings, not {value!r}")
    return tuple(v.strip() for v in value if v.strip())


def watchlist(spec: Mapping[str, object], origin: str = "store") -> Watchlist:
    """A watchlist from its keys (a [[watchlists]] table, or the stored JSON with its name); ConfigError
    or QueryError (one line) on anything wrong."""
    name = str(spec.get("name", "")).strip()
    where = f"watchlist {name!r}" if name else "a watchlist"
    if not _NAME.match(name):
        raise ConfigError(f"{where}: a name of 1-64 letters, digits, '.', '_' or '-' is needed")
    unknown = set(spec) - _KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(_KEYS))})"
        )
    query = str(spec.get("query", "") or "").strip()
    try:
        tree = parse_query(query) if query else None
    except QueryError as e:
        raise QueryError(f"{where}: {e}") from None
    lists = {
        k: _strings(where, k, spec.get(k, ()))
        for k in ("groups", "channels", "languages", "topics", "targets")
    }
    rules = tuple(parse_rule(r) for r in _strings(where, "rules", spec.get("rules", ("post",))))
    if not rules:
        raise ConfigError(f"{where}: no rules (post, sources>=N, spike, tier<=T, edits)")
    if tree is None and not (lists["groups"] or lists["channels"]):
        raise ConfigError(f"{where}: give a query, or the channels or groups it watches")
    if tree is None and any(r.kind != "edits" for r in rules):
        raise ConfigError(f"{where}: only the edits rule works without a query")
    return Watchlist(
        name=name,
        query=query,
        groups=lists["groups"],
        channels=lists["channels"],
        languages=tuple(x.lower() for x in lists["languages"]),
        topics=tuple(x.lower() for x in lists["topics"]),
        rules=rules,
        targets=lists["targets"],
        origin=origin,
        tree=tree,
    )


def from_stored(name: str, spec_json: str) -> Watchlist:
    try:
        spec = json.loads(spec_json)
    except ValueError:
        raise ConfigError(f"watchlist {name!r}: its stored spec is not JSON") from None
    return watchlist({**spec, "name": name})
