-- Question triage (issue 7): imported questions, their duplicate group and (sub)topic, the topics, and
-- the fitted model that places new questions into existing topics (incremental triage).
CREATE TABLE IF NOT EXISTS questions (
    qid TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    ts INTEGER,
    region TEXT,
    channel TEXT,
    group_id TEXT,
    topic_id INTEGER,
    subtopic_id INTEGER,
    imported_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_untriaged ON questions (topic_id) WHERE topic_id IS NULL;
CREATE TABLE IF NOT EXISTS question_topics (
    tid INTEGER PRIMARY KEY,
    parent INTEGER,
    label TEXT NOT NULL,
    keywords TEXT NOT NULL,
    size INTEGER NOT NULL,
    representatives TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS question_model (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
