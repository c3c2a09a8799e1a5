-- 0008_digest_jobs: the digests `svodka watch` builds on a schedule; times as Unix seconds (fractional).
CREATE TABLE digest_jobs (
    name           TEXT PRIMARY KEY,
    schedule       TEXT    NOT NULL,
    next_due       DOUBLE PRECISION,
    last_run       DOUBLE PRECISION,
    last_until     DOUBLE PRECISION,
    last_digest_id BIGINT,
    last_error     TEXT,
    last_error_at  DOUBLE PRECISION,
    failures       INTEGER NOT NULL DEFAULT 0,
    pending        TEXT
);
