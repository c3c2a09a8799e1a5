-- Full-text indexing leaves the write path: a trigger per inserted row made indexing half the cost of an
-- import. Posts are now indexed in bulk after a batch of writes, and before any search, by
-- svodka.store.sqlite.fulltext.index_pending; fts_state.indexed_upto is the highest post id indexed.
-- Edits and deletions touch the index only for posts it already holds (an FTS5 'delete' of a row that
-- was never indexed would corrupt it).
DROP TRIGGER posts_fts_insert;
DROP TRIGGER posts_fts_delete;
DROP TRIGGER posts_fts_update;

CREATE TABLE fts_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_upto INTEGER NOT NULL
);
INSERT INTO fts_state VALUES (1, COALESCE((SELECT MAX(id) FROM posts), 0));

CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts
WHEN old.id <= (SELECT indexed_upto FROM fts_state) BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF text ON posts
WHEN old.id <= (SELECT indexed_upto FROM fts_state) BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO posts_fts(rowid, text) VALUES (new.id, new.text);
END;
