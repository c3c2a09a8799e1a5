-- 0017_monitoring: watchlists, the alerts they raised and the outbox that delivers them (issue 19).
-- An alert is one per (watchlist, rule, subject); its growth is a new revision of the same alert. Every
-- revision is recorded with one delivery row per target before anything is sent; a delivery is marked sent
-- only after its target confirmed it, retried with backoff, and dead-lettered after too many failures.
-- Times are Unix seconds (UTC).

CREATE TABLE watchlists (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    spec       TEXT    NOT NULL,           -- JSON: query, filters, rules, targets (svodka.monitor.watchlist)
    owner_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    shared     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE alerts (
    id         INTEGER PRIMARY KEY,
    watchlist  TEXT    NOT NULL,
    rule       TEXT    NOT NULL,           -- post, sources, spike, tier, edit, delete
    subject    TEXT    NOT NULL,           -- 'story:42' or 'post:7'
    story_id   INTEGER,
    post_id    INTEGER,
    level      INTEGER NOT NULL,           -- how far it grew (sources, channels in the hour, versions)
    revision   INTEGER NOT NULL DEFAULT 1, -- 1, then one more per update
    payload    TEXT    NOT NULL,           -- JSON of the latest revision
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (watchlist, rule, subject)
);
CREATE INDEX alerts_updated ON alerts(updated_at);

CREATE TABLE alert_deliveries (
    id           INTEGER PRIMARY KEY,
    alert_id     INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    revision     INTEGER NOT NULL,
    target       TEXT    NOT NULL,
    payload      TEXT    NOT NULL,         -- what this revision says, frozen when recorded
    status       TEXT    NOT NULL DEFAULT 'pending',  -- pending, sent, dead
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER,
    UNIQUE (alert_id, revision, target)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(status, next_attempt);
CREATE INDEX alert_deliveries_sent ON alert_deliveries(target, sent_at);

-- Edits and deletions as the monitor reads them: one row per change, numbered in the order stored (a
-- version's own seen_at is when its old text was last seen, not when the edit was: no watermark).
CREATE TABLE monitor_changes (
    id      INTEGER PRIMARY KEY,
    post_id INTEGER NOT NULL,
    kind    TEXT    NOT NULL,              -- edit, delete
    at      INTEGER NOT NULL
);
CREATE TRIGGER monitor_edit AFTER INSERT ON post_versions BEGIN
    INSERT INTO monitor_changes (post_id, kind, at) VALUES (NEW.post_id, 'edit', CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER monitor_delete AFTER INSERT ON deletions BEGIN
    INSERT INTO monitor_changes (post_id, kind, at) VALUES (NEW.post_id, 'delete', NEW.detected_at);
END;

-- Watermarks of the monitor: the highest post id matched, the last edit and deletion seen, …
CREATE TABLE monitor_state (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
