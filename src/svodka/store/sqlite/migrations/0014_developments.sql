-- 0014_developments: the story level above the clusters. A cluster (stories.id) is a *development*; the
-- developments of one developing event share a story, whose id is that of its oldest development
-- (svodka.pipeline.developing). Kept apart from stories so the development level stays as it was.
CREATE TABLE story_of_development (
    development_id INTEGER PRIMARY KEY,    -- stories.id
    story_id       INTEGER NOT NULL,       -- the story: its oldest development's id; merges keep the older
    updated_at     INTEGER NOT NULL
);
CREATE INDEX story_of_development_story ON story_of_development(story_id);

-- Why two developments are in one story: the signals that joined them, for the reader.
CREATE TABLE development_links (
    a          INTEGER NOT NULL,           -- the smaller development id
    b          INTEGER NOT NULL,
    score      REAL    NOT NULL,           -- rescaled centroid similarity
    signals    TEXT    NOT NULL,           -- e.g. "centroid+names: Алеппо, Хама"
    created_at INTEGER NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX development_links_b ON development_links(b);
