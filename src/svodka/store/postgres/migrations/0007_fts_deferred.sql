-- 0007_fts_deferred: full text in a table of its own, filled in bulk after a batch of writes and before any
-- search (svodka.store.postgres.fulltext.index_pending), not per inserted row; fts_state.indexed_upto is the
-- highest post id indexed. tsv: the post's text as PostgreSQL's `russian` configuration reads it (Snowball
-- stems; Latin words go to the English stemmer). Beside posts, not in it: indexing inserts here instead of
-- rewriting every post row (and every index on posts); an edit of an indexed post re-computes its row.
CREATE TABLE post_search (
    post_id BIGINT   PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    tsv     TSVECTOR NOT NULL
);
CREATE INDEX post_search_tsv ON post_search USING GIN (tsv);

CREATE TABLE fts_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_upto BIGINT NOT NULL
);
INSERT INTO fts_state VALUES (1, COALESCE((SELECT MAX(id) FROM posts), 0));
