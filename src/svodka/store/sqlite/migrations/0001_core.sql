-- 0001_core: channels, posts with every edit kept, soft deletions, collection state, full-text search.
-- Times are Unix seconds (UTC).

CREATE TABLE channels (
    id          INTEGER PRIMARY KEY,
    platform    TEXT    NOT NULL DEFAULT 'telegram',
    handle      TEXT,                      -- lower-case username, or the feed URL
    tg_id       INTEGER,                   -- bare positive Telegram id
    title       TEXT,
    tier        INTEGER NOT NULL DEFAULT 0,
    subscribers INTEGER,
    active      INTEGER NOT NULL DEFAULT 1,
    added_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX channels_handle ON channels(platform, handle) WHERE handle IS NOT NULL;
CREATE UNIQUE INDEX channels_tg_id ON channels(platform, tg_id) WHERE tg_id IS NOT NULL;

CREATE TABLE channel_groups (
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    grp        TEXT    NOT NULL,
    PRIMARY KEY (channel_id, grp)
) WITHOUT ROWID;
CREATE INDEX channel_groups_grp ON channel_groups(grp);

CREATE TABLE posts (
    id             INTEGER PRIMARY KEY,
    channel_id     INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    message_id     INTEGER NOT NULL,
    date           INTEGER NOT NULL,
    text           TEXT    NOT NULL DEFAULT '',
    entities       TEXT,                   -- JSON array of {type, text, url}
    links          TEXT,                   -- JSON array of URLs
    views          INTEGER,
    forwards       INTEGER,
    reactions      INTEGER,
    fwd_tg_id      INTEGER,                -- forwarded from: origin channel id …
    fwd_handle     TEXT,                   -- … or its username …
    fwd_name       TEXT,                   -- … or only its display name
    fwd_message_id INTEGER,
    reply_to       INTEGER,
    media          TEXT,
    author         TEXT,
    url            TEXT,
    edited         INTEGER,
    content_hash   INTEGER NOT NULL,       -- of text + entities: a change is an edit
    raw            BLOB,                   -- the source record, JSON
    first_seen     INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    deleted_at     INTEGER,                -- soft deletion: the post stays readable
    UNIQUE (channel_id, message_id)
);
CREATE INDEX posts_date ON posts(date);
CREATE INDEX posts_forward ON posts(fwd_tg_id, fwd_message_id) WHERE fwd_tg_id IS NOT NULL;

-- Earlier texts of edited posts; the current text is in posts.
CREATE TABLE post_versions (
    post_id  INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    version  INTEGER NOT NULL,
    text     TEXT    NOT NULL,
    entities TEXT,
    edited   INTEGER,
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (post_id, version)
) WITHOUT ROWID;

-- Every time a post was seen gone from its source (it may come back).
CREATE TABLE deletions (
    post_id     INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    detected_at INTEGER NOT NULL,
    source      TEXT    NOT NULL,
    PRIMARY KEY (post_id, detected_at)
) WITHOUT ROWID;

CREATE TABLE source_state (
    key             TEXT PRIMARY KEY,
    channel_id      INTEGER REFERENCES channels(id) ON DELETE CASCADE,
    position        INTEGER,
    oldest          INTEGER,
    last_success    INTEGER,
    last_error      TEXT,
    last_error_at   INTEGER,
    failures        INTEGER NOT NULL DEFAULT 0,
    next_attempt    INTEGER,
    posts_collected INTEGER NOT NULL DEFAULT 0,
    extra           TEXT    NOT NULL DEFAULT '{}'
);

-- Full text: unicode61 folds case and diacritics (ё→е) in every script; queries are stemmed
-- (Snowball, ru + en) and run as prefix queries, so "выборы" finds "выборах".
CREATE VIRTUAL TABLE posts_fts USING fts5(
    text, content='posts', content_rowid='id', tokenize="unicode61 remove_diacritics 2"
);
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO posts_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF text ON posts BEGIN
    INSERT INTO posts_fts(posts_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO posts_fts(rowid, text) VALUES (new.id, new.text);
END;
