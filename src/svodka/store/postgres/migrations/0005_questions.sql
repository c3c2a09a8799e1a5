-- 0005_questions: imported questions, their duplicate group and (sub)topic, the topics, the triage model.
-- seq keeps the import order (SQLite's rowid).
CREATE TABLE questions (
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    qid TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    ts BIGINT,
    region TEXT,
    channel TEXT,
    group_id TEXT,
    topic_id INTEGER,
    subtopic_id INTEGER,
    imported_at BIGINT NOT NULL
);
CREATE INDEX questions_untriaged ON questions (topic_id) WHERE topic_id IS NULL;
CREATE TABLE question_topics (
    tid INTEGER PRIMARY KEY,
    parent INTEGER,
    label TEXT NOT NULL,
    keywords TEXT NOT NULL,
    size INTEGER NOT NULL,
    representatives TEXT NOT NULL
);
CREATE TABLE question_model (
    key TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
