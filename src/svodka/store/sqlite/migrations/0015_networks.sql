-- 0015_networks: channels run as one network (svodka.pipeline.networks). The evidence is kept per post, so
-- processing a post again counts it once: a post repeating another channel's post (near-identical text or
-- forward) with its delay, and the promo links of each non-ad post. The networks found, with the user's
-- decisions: confirmed, declared by hand, dismissed; pairs the user split apart are never linked again.
CREATE TABLE network_texts (
    post_id           INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
    channel_id        INTEGER NOT NULL,
    origin_post_id    INTEGER NOT NULL,
    origin_channel_id INTEGER NOT NULL,
    delay_s           INTEGER NOT NULL,
    forward           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX network_texts_delay ON network_texts(delay_s);

CREATE TABLE network_links (
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL,
    link       TEXT    NOT NULL,
    PRIMARY KEY (post_id, link)
);
CREATE INDEX network_links_channel ON network_links(channel_id, link);

CREATE TABLE networks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    state      TEXT    NOT NULL CHECK (state IN ('proposed', 'confirmed', 'declared', 'dismissed')),
    evidence   TEXT    NOT NULL DEFAULT '[]',   -- JSON array of the linked pairs' evidence
    updated_at INTEGER NOT NULL
);

CREATE TABLE network_members (
    network_id INTEGER NOT NULL REFERENCES networks(id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    PRIMARY KEY (network_id, channel_id)
);
CREATE INDEX network_members_channel ON network_members(channel_id);

CREATE TABLE network_apart (
    channel_a INTEGER NOT NULL,   -- channel_a < channel_b
    channel_b INTEGER NOT NULL,
    PRIMARY KEY (channel_a, channel_b)
);
