"""The watchlists and alert targets a run works with: svodka.toml's, then those stored (light to import:
`svodka watch` checks them at start without loading the matcher, the rules or the delivery)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from svodka.errors import ConfigError
from svodka.monitor.targets import Target, targets_from
from svodka.monitor.watchlist import Watchlist, from_stored, watchlist
from svodka.store.base import Store


def load_watchlists(store: Store, settings: Mapping[str, object]) -> list[Watchlist]:
    """The watchlists of svodka.toml, then those stored (a stored one may not reuse a configured name)."""
    configured = [watchlist(spec, origin="config") for spec in settings["watchlists"]]  # type: ignore[attr-defined]
    names = {w.name for w in configured}
    stored = [from_stored(s.name, s.spec) for s in store.watchlists.list() if s.name not in names]
    return configured + stored


def targets(settings: Mapping[str, object]) -> dict[str, Target]:
    return targets_from(settings["alerts.targets"], str(settings["alerts.webhook_secret"]))  # type: ignore[arg-type]


def check_targets(lists: Sequence[Watchlist], known: Mapping[str, Target]) -> None:
    for w in lists:
        missing = [t for t in w.targets if t not in known]
        if missing:
            raise ConfigError(
                f"watchlist {w.name!r}: no alert target named {', '.join(missing)} ([[alerts.targets]])"
            )
