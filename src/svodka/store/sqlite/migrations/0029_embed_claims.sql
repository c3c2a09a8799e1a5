-- Embedding work shared by several `svodka process` workers: a row per post a worker has claimed (in a
-- BEGIN IMMEDIATE transaction), for one model; held until it expires (renewed while the worker embeds),
-- done once its vectors are stored (in the same transaction). Rows at or below the pipeline's watermark
-- are forgotten by the next claim. The log keeps each claim of the last day.
CREATE TABLE embed_claims (
    model TEXT NOT NULL,
    post_id INTEGER NOT NULL,
    token TEXT NOT NULL,
    expires_at REAL NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (model, post_id)
);
CREATE INDEX embed_claims_token ON embed_claims (token);
CREATE TABLE embed_claim_log (
    token TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    holder TEXT NOT NULL,
    posts INTEGER NOT NULL,
    claimed_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    done_at REAL,
    released_at REAL,
    embedded INTEGER
);
CREATE INDEX embed_claim_log_claimed ON embed_claim_log (claimed_at);
