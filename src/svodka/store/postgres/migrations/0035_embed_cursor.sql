-- Embedding claims without a scan past the claimed posts (svodka.store.records.claims): the cursor is where
-- the last claim's scan of fresh posts stopped, per model (a claim scans from there, not from the pipeline's
-- watermark); the expired claims (a holder that died, or let go: a released claim now expires at once
-- rather than being deleted) are found through their own partial index.
CREATE TABLE embed_cursor (
    model TEXT PRIMARY KEY,
    post_id BIGINT NOT NULL
);
CREATE INDEX embed_claims_expiry ON embed_claims (model, expires_at) WHERE NOT done;
