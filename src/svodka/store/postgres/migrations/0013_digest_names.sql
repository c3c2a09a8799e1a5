-- 0013_digest_names: a digest's name, shown in the lists (the empty name for digests saved before).
ALTER TABLE digests ADD COLUMN name TEXT NOT NULL DEFAULT '';
