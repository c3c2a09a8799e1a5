-- 0021_copy_progress: how far `svodka store copy` has written each table into this store (the destination),
-- so a copy killed mid-way resumes after the last batch it committed. A batch and its progress row are one
-- transaction. source: the store copied from (its URL without a password); last_key: the JSON list of the
-- primary-key values of the last row written; done: 1 once the table is complete.
CREATE TABLE copy_progress (
    tbl      TEXT    PRIMARY KEY,
    source   TEXT    NOT NULL,
    last_key TEXT,
    rows     INTEGER NOT NULL DEFAULT 0,
    done     INTEGER NOT NULL DEFAULT 0
);
