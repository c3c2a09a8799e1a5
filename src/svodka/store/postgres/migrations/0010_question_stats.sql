-- 0010_question_stats: per-topic counts for the /questions page (questions per UTC day, per region).
CREATE TABLE question_topic_days (
    topic_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (topic_id, day)
);
CREATE TABLE question_topic_regions (
    topic_id INTEGER NOT NULL,
    region TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (topic_id, region)
);
