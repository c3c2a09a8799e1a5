-- 0024_corrections: analysts' corrections of the stories (svodka.pipeline.corrections), each with who and
-- when, undoable: the state it overwrote is kept with it. Later pipeline runs read the active ones as
-- constraints (anchor_a, anchor_b: the two posts a must-link or cannot-link binds).
CREATE TABLE corrections (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,           -- merge, move, detach, split, not-news-story, not-news-post
    subject    INTEGER NOT NULL,           -- story, or post
    target     INTEGER,                    -- story, or development
    result     INTEGER,                    -- the story it made or kept
    anchor_a   INTEGER,
    anchor_b   INTEGER,
    restore    TEXT    NOT NULL,           -- JSON: {"posts": [[post, development]], "developments": [[d, story]]}
    user_name  TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    undone_at  INTEGER,
    undone_by  TEXT
);
CREATE INDEX corrections_active ON corrections(kind) WHERE undone_at IS NULL;
CREATE INDEX corrections_subject ON corrections(subject);
