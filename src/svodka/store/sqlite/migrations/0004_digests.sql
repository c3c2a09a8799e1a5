-- 0004_digests: digests as they were sent, so the next digest of the same kind shows a story again only
-- with new developments ("update"). Story ids are not foreign keys: stories may merge or be rebuilt.

CREATE TABLE digests (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL,           -- hash of the filters and size (DigestQuery.kind)
    since      INTEGER NOT NULL,
    until      INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    filters    TEXT    NOT NULL,           -- JSON: topic, group, lang, top, tz
    body       TEXT    NOT NULL            -- JSON document of the digest (docs/digest-schema.md)
);
CREATE INDEX digests_kind ON digests(kind, until);

CREATE TABLE digest_items (
    digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
    story_id  INTEGER NOT NULL,
    rank      INTEGER NOT NULL,
    posts     INTEGER NOT NULL,            -- the story's posts when it was shown
    last_date INTEGER NOT NULL,            -- its latest post then: later posts make it an update
    is_update INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (digest_id, story_id)
) WITHOUT ROWID;
CREATE INDEX digest_items_story ON digest_items(story_id);
