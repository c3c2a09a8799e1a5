-- 0019_feeds: feed tokens (a feed reader cannot log in: its URL carries a revocable secret, kept here only as
-- its SHA-256) and the read state of each user's alert inbox in the web app (issue 19 §3, §4).
-- Times are Unix seconds (UTC).

CREATE TABLE feed_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,  -- NULL: made with `svodka feeds add`
    token_hash TEXT    NOT NULL UNIQUE,    -- SHA-256 hex of the secret in the URL
    kind       TEXT    NOT NULL,           -- digest, stories, watchlist
    scope      TEXT    NOT NULL,           -- JSON: the job, watchlist or story filters (svodka.monitor.feeds)
    name       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    last_used  INTEGER,
    revoked_at INTEGER
);
CREATE INDEX feed_tokens_user ON feed_tokens(user_id);

-- An alert is read by a user up to a revision: a later revision (the story grew) is unread again.
CREATE TABLE alert_reads (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    read_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, alert_id)
);
