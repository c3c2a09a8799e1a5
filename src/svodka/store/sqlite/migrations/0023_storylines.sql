-- 0023_storylines: stories that continue over days (svodka.pipeline.storylines). Every story of the story
-- level (story_of_development.story_id, or a development in none) that the stage saw has a row: its
-- storyline (the oldest story's id; a late link merges two and keeps the older) and the summary it is
-- compared by, so a later batch compares its new stories with those of the days before without reading
-- their posts again.
CREATE TABLE storyline_of_story (
    story_id     INTEGER PRIMARY KEY,
    storyline_id INTEGER NOT NULL,
    first_ts     REAL    NOT NULL,          -- its first and last post (unix seconds)
    last_ts      REAL    NOT NULL,
    posts        INTEGER NOT NULL,
    centroid     BLOB,                      -- float32, L2-normalised mean of its posts' vectors
    names        TEXT    NOT NULL,          -- JSON array of name stems
    links        TEXT    NOT NULL,          -- JSON array of link targets and "#hashtag"s
    channels     TEXT    NOT NULL,          -- JSON array of channel ids
    updated_at   INTEGER NOT NULL
);
CREATE INDEX storyline_of_story_line ON storyline_of_story(storyline_id);
CREATE INDEX storyline_of_story_last ON storyline_of_story(last_ts);

-- Why two stories are in one storyline: the signals that joined them, for the reader.
CREATE TABLE storyline_links (
    a          INTEGER NOT NULL,            -- the smaller story id
    b          INTEGER NOT NULL,
    score      REAL    NOT NULL,            -- rescaled centroid similarity
    signals    TEXT    NOT NULL,            -- e.g. "centroid+names: Алеппо, Хама · 1.2 d apart"
    created_at INTEGER NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX storyline_links_b ON storyline_links(b);
