-- 0013_digest_names: a digest's name (the job's, or what its filters and period say: «Экономика · 1 декабря»),
-- shown in the lists. Digests saved before get the empty name (the lists show their number).

ALTER TABLE digests ADD COLUMN name TEXT NOT NULL DEFAULT '';
