-- 0036_phrase_pairs: post_search.words holds pair keys instead of the words alone: each word joined by § to the
-- next one, at the word's position ('в§москве':4; the last word of a run alone before §), from the same simple
-- parse (svodka.store.postgres.fulltext). A quoted phrase of two words is one GIN lookup with nothing to check:
-- «"в москве"» intersected the posting lists of «в» (3 of 4 posts) and «москве» and read every row holding both
-- for their positions. The words' GIN index (0028) indexes the keys; the capped marker stays as it was.
-- Every post is indexed again, lazily: the index is emptied and fts_state starts over, so the next command that
-- writes or searches fills both vectors, in chunks of one transaction each (index_pending; a killed run goes on
-- from the last chunk committed).
TRUNCATE post_search;
UPDATE fts_state SET indexed_upto = 0;
