-- 0011_story_ids: story ids from a one-row sequence table, reserved inside the write transaction (a row
-- lock orders concurrent writers; a rolled-back reservation is handed out again).
CREATE TABLE story_id_seq (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    next BIGINT NOT NULL
);
INSERT INTO story_id_seq (one, next)
SELECT 1, GREATEST(COALESCE((SELECT MAX(id) FROM stories), 0), COALESCE((SELECT MAX(old_id) FROM story_aliases), 0)) + 1;
CREATE INDEX embeddings_hash ON embeddings(model, text_hash);
