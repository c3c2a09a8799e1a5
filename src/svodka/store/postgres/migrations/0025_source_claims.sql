-- Sources claimed by the collectors of one store (`svodka watch` / `svodka collect`, one machine or several):
-- one row per source, taken with SELECT … FOR UPDATE SKIP LOCKED and held until it expires (renewed while
-- the collector works; times are the server's clock, so the machines' clocks need not agree). A collector
-- that dies leaves its row to expire. The log keeps each claim of the last day.
CREATE TABLE source_claims (
    key TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE source_claim_log (
    token TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    holder TEXT NOT NULL,
    claimed_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    released_at DOUBLE PRECISION
);
CREATE INDEX source_claim_log_claimed ON source_claim_log (claimed_at);
