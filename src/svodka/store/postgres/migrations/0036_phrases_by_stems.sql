-- 0036_phrases_by_stems: the GIN index of the words as written (0028_phrase_index) goes. It was most of the
-- indexing's cost (more distinct keys than the stems', every stop word among them: ≈ 75 µs a post of ≈ 440
-- characters against ≈ 40 µs for the stems' GIN) and a phrase needs no index of its own: its candidates are
-- the posts with all of its stems, found by the stems' GIN index (post_search_tsv), and only those are checked
-- exactly with <-> on their stored words (svodka.store.postgres.fulltext.post_match). The column stays, as
-- 0028 left it: its vectors are still filled and read, only never looked up through an index.
DROP INDEX IF EXISTS post_search_words;
