-- 0014_developments: the story level above the clusters (see the SQLite twin for the comments).
CREATE TABLE story_of_development (
    development_id BIGINT PRIMARY KEY,
    story_id       BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX story_of_development_story ON story_of_development(story_id);

CREATE TABLE development_links (
    a          BIGINT NOT NULL,
    b          BIGINT NOT NULL,
    score      DOUBLE PRECISION NOT NULL,
    signals    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX development_links_b ON development_links(b);
