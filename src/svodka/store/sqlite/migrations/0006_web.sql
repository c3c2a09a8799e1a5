-- 0006_web: local accounts of the web app, their sessions and API keys, login attempts (rate limit),
-- and the marks analysts put on posts and stories. Times are Unix seconds (UTC).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,        -- argon2id, PHC string
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    created_at    INTEGER NOT NULL,
    last_login    INTEGER
);

-- The cookie holds a random token; only its SHA-256 is stored, so a copy of the database opens no session.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,           -- per-session CSRF token, echoed by every form
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

-- API keys: "svk_<prefix>_<secret>"; the prefix finds the row, the SHA-256 of the whole key is compared.
CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    prefix     TEXT    NOT NULL UNIQUE,
    key_hash   TEXT    NOT NULL,
    name       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    last_used  INTEGER
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE login_attempts (
    id       INTEGER PRIMARY KEY,
    username TEXT    NOT NULL COLLATE NOCASE,
    client   TEXT    NOT NULL,             -- the client's address
    at       INTEGER NOT NULL,
    ok       INTEGER NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts(username, at);
CREATE INDEX login_attempts_client ON login_attempts(client, at);

CREATE TABLE marks (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('post', 'story')),
    ref_id     INTEGER NOT NULL,
    note       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, ref_id)
) WITHOUT ROWID;

-- Channel statistics: forwards pointing at a channel by its handle (the id form has posts_forward).
CREATE INDEX posts_forward_handle ON posts(fwd_handle) WHERE fwd_handle IS NOT NULL;

-- A channel's page: its latest posts and posts per day without sorting all of its posts (bench_web.py).
CREATE INDEX posts_channel_date ON posts(channel_id, date);
