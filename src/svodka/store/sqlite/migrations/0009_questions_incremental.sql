-- Incremental question triage (issue 7): the duplicate groups with their counts and (sub)topic, and the
-- normalised-text keys of every stored question, so new questions find their exact duplicates and groups
-- without re-reading the store.
CREATE TABLE IF NOT EXISTS question_groups (
    group_id TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    topic_id INTEGER,
    subtopic_id INTEGER
);
CREATE TABLE IF NOT EXISTS question_norms (
    norm_key INTEGER PRIMARY KEY,
    group_id TEXT NOT NULL
);
