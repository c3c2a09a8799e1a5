"""The alert run inside `svodka watch` (svodka.monitor.run does the work, imported on the first run: a
watch without watchlists starts as fast as before)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from svodka.errors import SvodkaError
from svodka.store.base import Store

log = logging.getLogger(__name__)


class AlertsInWatch:
    """The hook of `svodka watch`: after a collection run, an alert run in a thread of its own (at most one
    at a time, at most one per ``alerts.interval`` seconds), so slow delivery never holds collection up."""

    def __init__(self, store: Store, settings: Mapping[str, object]) -> None:
        self.store = store
        self.settings = settings
        self.interval = float(settings["alerts.interval"])  # type: ignore[arg-type]
        self._busy = threading.Lock()
        self._last = 0.0
        if self.interval > 0 and (settings["watchlists"] or settings["alerts.targets"]):
            from svodka.monitor.config import check_targets, load_watchlists, targets

            check_targets(load_watchlists(store, settings), targets(settings))  # a bad list stops watch early

    def _wanted(self) -> bool:
        """Whether there is anything to do: watchlists (in svodka.toml, or added meanwhile) or targets."""
        return bool(
            self.settings["watchlists"] or self.settings["alerts.targets"] or self.store.watchlists.list()
        )

    def __call__(self, *_: object) -> None:
        if self.interval <= 0 or time.monotonic() - self._last < self.interval or self._busy.locked():
            return
        self._last = time.monotonic()
        try:
            if not self._wanted():
                return
        except SvodkaError as e:  # e.g. the database locked for too long: next time
            log.warning("alerts: %s", e)
            return
        threading.Thread(target=self._run, name="svodka-alerts", daemon=True).start()

    def _run(self) -> None:
        if not self._busy.acquire(blocking=False):
            return
        try:
            from svodka.monitor.run import run_alerts  # the matcher, rules and delivery: only when needed

            r = run_alerts(self.store, self.settings)
            if r.recorded or r.sent.sent or r.sent.failed or r.sent.dead:
                log.warning(
                    "alerts: %d recorded, %d sent, %d failed, %d dead-lettered",
                    r.recorded,
                    r.sent.sent,
                    r.sent.failed,
                    r.sent.dead,
                )
        except SvodkaError as e:
            log.error("alerts: %s", e)
        finally:
            self._busy.release()
