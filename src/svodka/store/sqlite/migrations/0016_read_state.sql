-- 0016_read_state: which stories and digests each user has read (and when: a story that grew since reads
-- as updated). Unread is the absence of a row.

CREATE TABLE read_state (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT    NOT NULL CHECK (kind IN ('story', 'digest')),
    ref_id  INTEGER NOT NULL,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, ref_id)
) WITHOUT ROWID;
