-- 0028_phrase_index: phrases matched in the index. post_search.words holds each post's words as written (the
-- simple configuration: lower case, ё read as е, stop words kept, at their positions) under a GIN index of its
-- own, so a quoted phrase is a <-> tsquery on it (svodka.store.postgres.fulltext). It was a regex over every
-- post with the phrase's stems: for «в Москве» («в» is a stop word) all 3,055 of 22,099 posts with «москв».
-- Both vectors split hyphens now (tsv read «COVID-19» as «covid» and «-19»). Every post is indexed again, lazily: the index is emptied and fts_state starts over, so the next command that
-- writes or searches fills both vectors, in chunks of one transaction each (svodka.store.postgres.fulltext.
-- index_pending; a killed run goes on from the last chunk committed).
TRUNCATE post_search;
UPDATE fts_state SET indexed_upto = 0;
ALTER TABLE post_search ADD COLUMN words TSVECTOR NOT NULL;
-- Both vectors stay in the row, compressed (lz4 where the server has it): a phrase reads a found row's words
-- for their positions, and every match's tsv is read to rank it — from the TOAST table that was most of the time.
ALTER TABLE post_search ALTER COLUMN tsv SET STORAGE MAIN, ALTER COLUMN words SET STORAGE MAIN;
DO $$ BEGIN EXECUTE 'ALTER TABLE post_search ALTER COLUMN tsv SET COMPRESSION lz4, ALTER COLUMN words SET COMPRESSION lz4'; EXCEPTION WHEN feature_not_supported OR syntax_error THEN NULL; END $$;
CREATE INDEX post_search_words ON post_search USING GIN (words);
