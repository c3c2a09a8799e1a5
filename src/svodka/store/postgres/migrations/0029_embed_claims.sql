-- Embedding work shared by several `svodka process` workers: a row per post a worker has claimed (the
-- candidate posts locked FOR NO KEY UPDATE SKIP LOCKED while it takes them, so two workers claiming at once
-- take different posts), for one model; held until it expires (renewed while the worker embeds; the
-- server's clock), done once its vectors are stored (in the same transaction). Rows at or below the
-- pipeline's watermark are forgotten by the next claim. The log keeps each claim of the last day.
CREATE TABLE embed_claims (
    model TEXT NOT NULL,
    post_id BIGINT NOT NULL,
    token TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    done BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (model, post_id)
);
CREATE INDEX embed_claims_token ON embed_claims (token);
CREATE TABLE embed_claim_log (
    token TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    holder TEXT NOT NULL,
    posts INTEGER NOT NULL,
    claimed_at DOUBLE PRECISION NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL,
    done_at DOUBLE PRECISION,
    released_at DOUBLE PRECISION,
    embedded INTEGER
);
CREATE INDEX embed_claim_log_claimed ON embed_claim_log (claimed_at);
