-- 0011_story_ids: story ids from a sequence, reserved inside the write transaction, so two processes
-- never hand out one id (MAX(id)+1 read before writing did). Existing stores keep their ids: the sequence
-- starts after the highest id ever used, merged-away ones (story_aliases) included.
CREATE TABLE story_id_seq (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    next INTEGER NOT NULL                  -- the next id to hand out
);
INSERT INTO story_id_seq (one, next)
SELECT 1, MAX(COALESCE((SELECT MAX(id) FROM stories), 0), COALESCE((SELECT MAX(old_id) FROM story_aliases), 0)) + 1;

-- The embedding cache found by text: a text identical after normalisation is never embedded twice.
CREATE INDEX embeddings_hash ON embeddings(model, text_hash);
