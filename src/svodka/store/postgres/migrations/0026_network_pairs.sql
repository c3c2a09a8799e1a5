-- 0026_network_pairs: the networks' evidence per channel pair, so that an update recomputes only the pairs
-- a batch touched; see the SQLite twin for the story.
CREATE TABLE network_pairs (
    channel_a      BIGINT  NOT NULL,   -- channel_a < channel_b
    channel_b      BIGINT  NOT NULL,
    texts          BIGINT  NOT NULL,
    forwards       BIGINT  NOT NULL,
    median_delay_s DOUBLE PRECISION,
    links          TEXT    NOT NULL DEFAULT '[]',   -- JSON array of the shared promo links
    examples       TEXT    NOT NULL DEFAULT '[]',   -- JSON array of example post ids
    PRIMARY KEY (channel_a, channel_b)
);

CREATE TABLE network_touched_pairs (
    channel_a BIGINT NOT NULL,
    channel_b BIGINT NOT NULL,
    PRIMARY KEY (channel_a, channel_b)
);

CREATE TABLE network_touched_links (
    channel_id BIGINT NOT NULL,
    link       TEXT    NOT NULL,
    PRIMARY KEY (channel_id, link)
);

CREATE TABLE network_pair_options (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    options TEXT    NOT NULL
);

CREATE INDEX network_texts_pair ON network_texts(channel_id, origin_channel_id);
CREATE INDEX network_links_link ON network_links(link);
