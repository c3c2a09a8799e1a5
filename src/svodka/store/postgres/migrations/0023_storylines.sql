-- 0023_storylines: stories that continue over days (see the SQLite twin for the comments).
CREATE TABLE storyline_of_story (
    story_id     BIGINT PRIMARY KEY,
    storyline_id BIGINT NOT NULL,
    first_ts     DOUBLE PRECISION NOT NULL,
    last_ts      DOUBLE PRECISION NOT NULL,
    posts        INTEGER NOT NULL,
    centroid     BYTEA,
    names        TEXT   NOT NULL,
    links        TEXT   NOT NULL,
    channels     TEXT   NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX storyline_of_story_line ON storyline_of_story(storyline_id);
CREATE INDEX storyline_of_story_last ON storyline_of_story(last_ts);

CREATE TABLE storyline_links (
    a          BIGINT NOT NULL,
    b          BIGINT NOT NULL,
    score      DOUBLE PRECISION NOT NULL,
    signals    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX storyline_links_b ON storyline_links(b);
