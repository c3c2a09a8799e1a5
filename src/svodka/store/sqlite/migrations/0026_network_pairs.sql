-- 0026_network_pairs: the networks' evidence per channel pair, kept so that an update recomputes only the
-- pairs a batch touched (svodka.pipeline.networks.update_networks). network_touched_* hold what the batches
-- since the last update changed: a pair whose shared texts changed, a channel's promo link whose posts
-- changed (every pair of the channels keeping that link is touched). network_pair_options: the options the
-- pairs were counted with (other options: everything is counted again).
CREATE TABLE network_pairs (
    channel_a      INTEGER NOT NULL,   -- channel_a < channel_b
    channel_b      INTEGER NOT NULL,
    texts          INTEGER NOT NULL,
    forwards       INTEGER NOT NULL,
    median_delay_s REAL,
    links          TEXT    NOT NULL DEFAULT '[]',   -- JSON array of the shared promo links
    examples       TEXT    NOT NULL DEFAULT '[]',   -- JSON array of example post ids
    PRIMARY KEY (channel_a, channel_b)
);

CREATE TABLE network_touched_pairs (
    channel_a INTEGER NOT NULL,
    channel_b INTEGER NOT NULL,
    PRIMARY KEY (channel_a, channel_b)
);

CREATE TABLE network_touched_links (
    channel_id INTEGER NOT NULL,
    link       TEXT    NOT NULL,
    PRIMARY KEY (channel_id, link)
);

CREATE TABLE network_pair_options (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    options TEXT    NOT NULL
);

CREATE INDEX network_texts_pair ON network_texts(channel_id, origin_channel_id);
CREATE INDEX network_links_link ON network_links(link);
