"""Live collection: scheduling, backoff, rate limits, circuit breakers and saved positions.

``run_cycle`` collects each source once (`svodka collect`); ``watch`` keeps collecting on a schedule
(`svodka watch`), handing over to a :class:`Followup` (the scheduled digests) after a catch-up round.
Each source kind has one module: :mod:`.web` (t.me/s), :mod:`.feeds` (RSS/Atom), :mod:`.mtproto` (Telethon).
"""

from svodka.collect.config import CollectConfig, config_from
from svodka.collect.context import Context
from svodka.collect.jobs import Job, Outcome, job_for
from svodka.collect.runner import Followup, jobs_for, run_cycle, run_job, watch

__all__ = [
    "CollectConfig",
    "Context",
    "Followup",
    "Job",
    "Outcome",
    "config_from",
    "job_for",
    "jobs_for",
    "run_cycle",
    "run_job",
    "watch",
]
