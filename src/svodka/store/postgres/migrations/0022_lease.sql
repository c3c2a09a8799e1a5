-- Named run leases. PostgreSQL guards them with session advisory locks (pg_try_advisory_lock), freed with
-- the holder's session; this table keeps who holds each one, for the message another process prints.
CREATE TABLE lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    pid BIGINT NOT NULL,
    host TEXT NOT NULL,
    token TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
