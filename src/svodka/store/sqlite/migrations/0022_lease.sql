-- Named run leases (svodka process places stories under one): the holder, renewed while it runs, and when
-- it expires if the holder dies without releasing it.
CREATE TABLE lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    token TEXT NOT NULL,
    expires_at REAL NOT NULL
);
