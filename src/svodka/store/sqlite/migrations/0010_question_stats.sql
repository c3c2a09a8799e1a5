-- Per-topic counts for the /questions page: questions per UTC day and per region, for every topic and
-- subtopic id (they share one id space). Kept by QuestionRepo.assign at triage time, so the page reads a
-- few hundred rows instead of grouping every question (7 s per request at 1M questions).
CREATE TABLE IF NOT EXISTS question_topic_days (
    topic_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (topic_id, day)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS question_topic_regions (
    topic_id INTEGER NOT NULL,
    region TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (topic_id, region)
) WITHOUT ROWID;
-- A store triaged before this step: its counts, once.
INSERT INTO question_topic_days
    SELECT topic_id, date(ts, 'unixepoch'), count(*) FROM questions
    WHERE topic_id IS NOT NULL AND ts IS NOT NULL GROUP BY 1, 2;
INSERT INTO question_topic_days
    SELECT subtopic_id, date(ts, 'unixepoch'), count(*) FROM questions
    WHERE subtopic_id IS NOT NULL AND ts IS NOT NULL GROUP BY 1, 2
    ON CONFLICT (topic_id, day) DO UPDATE SET n = n + excluded.n;
INSERT INTO question_topic_regions
    SELECT topic_id, coalesce(region, '—'), count(*) FROM questions WHERE topic_id IS NOT NULL GROUP BY 1, 2;
INSERT INTO question_topic_regions
    SELECT subtopic_id, coalesce(region, '—'), count(*) FROM questions WHERE subtopic_id IS NOT NULL GROUP BY 1, 2
    ON CONFLICT (topic_id, region) DO UPDATE SET n = n + excluded.n;
