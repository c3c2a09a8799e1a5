-- 0007_fts_deferred: posts.tsv is filled in bulk after a batch of writes and before any search
-- (svodka.store.postgres.fulltext.index_pending), not per inserted row; fts_state.indexed_upto is the
-- highest post id indexed. An edit of an indexed post re-computes its tsv in the same statement.
CREATE TABLE fts_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_upto BIGINT NOT NULL
);
INSERT INTO fts_state VALUES (1, COALESCE((SELECT MAX(id) FROM posts), 0));
