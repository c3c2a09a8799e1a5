-- 0009_questions_incremental: duplicate groups with their counts and (sub)topic, normalised-text keys.
CREATE TABLE question_groups (
    group_id TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    topic_id INTEGER,
    subtopic_id INTEGER
);
CREATE TABLE question_norms (
    norm_key BIGINT PRIMARY KEY,
    group_id TEXT NOT NULL
);
