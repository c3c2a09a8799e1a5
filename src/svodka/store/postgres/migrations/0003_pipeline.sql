-- 0003_pipeline: what the pipeline learns about each post, cached embeddings, stories with stable ids.

CREATE TABLE post_analysis (
    post_id        BIGINT  PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    language       TEXT,
    is_ad          BOOLEAN NOT NULL DEFAULT FALSE,
    ad_reason      TEXT,
    norm_text      TEXT    NOT NULL,
    text_hash      BIGINT  NOT NULL,
    origin_post_id BIGINT,
    analysed_at    BIGINT  NOT NULL
);
CREATE INDEX post_analysis_origin ON post_analysis(origin_post_id) WHERE origin_post_id IS NOT NULL;
CREATE INDEX post_analysis_hash ON post_analysis(text_hash);

-- Embedding cache; vector: the same float16 bytes the SQLite backend stores.
CREATE TABLE embeddings (
    post_id   BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    model     TEXT   NOT NULL,
    text_hash BIGINT NOT NULL,
    vector    BYTEA  NOT NULL,
    PRIMARY KEY (post_id, model)
);

CREATE TABLE stories (
    id         BIGINT PRIMARY KEY,
    first_date BIGINT NOT NULL,
    last_date  BIGINT NOT NULL,
    n_posts    INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX stories_last ON stories(last_date);
CREATE INDEX stories_first ON stories(first_date);

CREATE TABLE story_posts (
    post_id    BIGINT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    story_id   BIGINT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    similarity DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    added_at   BIGINT NOT NULL
);
CREATE INDEX story_posts_story ON story_posts(story_id);

CREATE TABLE story_aliases (
    old_id    BIGINT PRIMARY KEY,
    story_id  BIGINT NOT NULL,
    merged_at BIGINT NOT NULL
);

CREATE TABLE pipeline_state (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
