-- Sources claimed by the collectors of one store (`svodka watch` / `svodka collect`, one machine or several):
-- one row per source, held by one collector until it expires (renewed while it collects). A collector that
-- dies leaves its row to expire. The log keeps each claim of the last day, for `svodka status` and tests.
CREATE TABLE source_claims (
    key TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE source_claim_log (
    token TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    holder TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    released_at REAL
);
CREATE INDEX source_claim_log_claimed ON source_claim_log (claimed_at);
