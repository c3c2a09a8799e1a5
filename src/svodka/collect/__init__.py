"""Live collection: scheduling, backoff, rate limits, circuit breakers and saved positions.

``run_cycle`` collects each source once (`svodka collect`); ``watch`` keeps collecting on a schedule
(`svodka watch`), handing over to a :class:`Followup` (the scheduled digests) after a catch-up round.
Each source kind has one module: :mod:`.web` (t.me/s), :mod:`.feeds` (RSS/Atom), :mod:`.mtproto` (Telethon),
each with the ``SOURCE`` that :mod:`svodka.collect.registry` lists; packages add more (entry points
``svodka.sources``).

The names are imported on first use: reading the registry (:mod:`svodka.collect.registry`, what names a
channel) imports neither the HTTP client nor the runner (the CLI's start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from svodka.lazy import exports

if TYPE_CHECKING:
    from svodka.collect.config import CollectConfig, config_from
    from svodka.collect.context import Context, Link
    from svodka.collect.jobs import Job, NotCollected, Outcome, Plan, job_for, plan_for
    from svodka.collect.runner import (
        Followup,
        jobs_for,
        named_channels,
        plan,
        run_cycle,
        run_job,
        watch,
        watch_jobs,
    )

_HOME = {
    **dict.fromkeys(("CollectConfig", "config_from"), "config"),
    **dict.fromkeys(("Context", "Link"), "context"),
    **dict.fromkeys(("Job", "NotCollected", "Outcome", "Plan", "job_for", "plan_for"), "jobs"),
    **dict.fromkeys(
        ("Followup", "jobs_for", "named_channels", "plan", "run_cycle", "run_job", "watch", "watch_jobs"),
        "runner",
    ),
}

__all__ = [
    "CollectConfig",
    "Context",
    "Followup",
    "Job",
    "Link",
    "NotCollected",
    "Outcome",
    "Plan",
    "config_from",
    "job_for",
    "jobs_for",
    "named_channels",
    "plan",
    "plan_for",
    "run_cycle",
    "run_job",
    "watch",
    "watch_jobs",
]


__getattr__ = exports(__name__, _HOME)
