-- 0033_fts_yo: the full-text index folds ё to е, as the query does (svodka.query reads ё as е): unicode61's
-- remove_diacritics folds Latin letters only, so a post with «Ёлка» was found by neither «елка» nor «ёлка».
-- posts_fts keeps posts as its content (snippets show the text as written: ё and е are one letter each, so
-- the positions agree) and indexes the folded text: svodka.store.sqlite.fulltext.folded(), the expression
-- the triggers below write out, which must match it ('delete' needs the tokens that were indexed).
-- The delete trigger also keeps the mark (fts_state.indexed_upto) at or below the highest post id: SQLite
-- gives a new row the highest id + 1, so after the newest posts were deleted (their channel removed) the
-- next post took an id the mark had passed, and was never indexed.
-- Every post is indexed again, lazily: the index is emptied and the mark starts over, so the next command that
-- writes or searches fills it, in chunks of one transaction each (index_pending; a killed run goes on).
DROP TRIGGER posts_fts_delete;
DROP TRIGGER posts_fts_update;
INSERT INTO posts_fts(posts_fts) VALUES ('delete-all');
UPDATE fts_state SET indexed_upto = 0;

CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, text)
        SELECT 'delete', old.id, replace(replace(old.text, 'ё', 'е'), 'Ё', 'Е')
        WHERE old.id <= (SELECT indexed_upto FROM fts_state);
    UPDATE fts_state SET indexed_upto = (SELECT COALESCE(MAX(id), 0) FROM posts)
        WHERE indexed_upto > (SELECT COALESCE(MAX(id), 0) FROM posts);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF text ON posts
WHEN old.id <= (SELECT indexed_upto FROM fts_state) BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, text)
        VALUES ('delete', old.id, replace(replace(old.text, 'ё', 'е'), 'Ё', 'Е'));
    INSERT INTO posts_fts(rowid, text) VALUES (new.id, replace(replace(new.text, 'ё', 'е'), 'Ё', 'Е'));
END;
