-- 0003_pipeline: what the pipeline learns about each post, cached embeddings, stories with stable ids.

-- One row per analysed post: normalised text, language, ad verdict, the post it copies.
CREATE TABLE post_analysis (
    post_id        INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    language       TEXT,
    is_ad          INTEGER NOT NULL DEFAULT 0,
    ad_reason      TEXT,
    norm_text      TEXT    NOT NULL,
    text_hash      INTEGER NOT NULL,       -- of the normalised words: equal means an exact copy
    origin_post_id INTEGER,                -- earliest post this one copies (forward or near-duplicate)
    analysed_at    INTEGER NOT NULL
);
CREATE INDEX post_analysis_origin ON post_analysis(origin_post_id) WHERE origin_post_id IS NOT NULL;
CREATE INDEX post_analysis_hash ON post_analysis(text_hash);

-- Embedding cache: a model name per row, so switching models never mixes vectors.
CREATE TABLE embeddings (
    post_id   INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    model     TEXT    NOT NULL,
    text_hash INTEGER NOT NULL,            -- of the text embedded: an edit invalidates the row
    vector    BLOB    NOT NULL,            -- float16
    PRIMARY KEY (post_id, model)
) WITHOUT ROWID;

CREATE TABLE stories (
    id         INTEGER PRIMARY KEY,        -- stable: new posts join, merges keep the older id
    first_date INTEGER NOT NULL,
    last_date  INTEGER NOT NULL,
    n_posts    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL            -- when a post last joined
);
CREATE INDEX stories_last ON stories(last_date);
CREATE INDEX stories_first ON stories(first_date);

CREATE TABLE story_posts (
    post_id    INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    story_id   INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    similarity REAL    NOT NULL DEFAULT 1.0,
    added_at   INTEGER NOT NULL
);
CREATE INDEX story_posts_story ON story_posts(story_id);

-- A merged story's old id keeps resolving to the story that absorbed it.
CREATE TABLE story_aliases (
    old_id    INTEGER PRIMARY KEY,
    story_id  INTEGER NOT NULL,
    merged_at INTEGER NOT NULL
);

-- Watermarks and counters of the pipeline (key: "watermark" = highest post id processed).
CREATE TABLE pipeline_state (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
