-- 0008_digest_jobs: the digests `svodka watch` builds on a schedule ([[digest.jobs]] in the config), so a
-- restart neither repeats nor skips one. `pending` is the slot being built and delivered (JSON: slot,
-- period, digest id, targets already done, next retry); it is cleared once every target has it.

CREATE TABLE digest_jobs (
    name           TEXT PRIMARY KEY,        -- the job's name in the config
    schedule       TEXT    NOT NULL,        -- the schedule next_due was computed from
    next_due       INTEGER,                 -- the next slot (unix seconds, UTC)
    last_run       INTEGER,                 -- when a digest was last delivered to every target
    last_until     INTEGER,                 -- end of the period of the last digest built ("since last")
    last_digest_id INTEGER,                 -- digests.id of that digest (not a key: digests may be pruned)
    last_error     TEXT,
    last_error_at  INTEGER,
    failures       INTEGER NOT NULL DEFAULT 0,
    pending        TEXT
);
