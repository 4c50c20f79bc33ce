-- Answers the bot posted, members' votes on them, and a per-database key for hashing user ids.
BEGIN;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Votes store an HMAC of the user id under this key, never the id itself.
INSERT INTO meta (key, value) VALUES ('user_hash_key', lower(hex(randomblob(32))));

CREATE TABLE answer_posts (
    message_id INTEGER PRIMARY KEY,
    question   TEXT    NOT NULL,
    entry_id   TEXT,
    guild_id   INTEGER,
    channel_id INTEGER,
    posted_at  TEXT    NOT NULL
);
CREATE INDEX answer_posts_time ON answer_posts (posted_at);

CREATE TABLE feedback (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL,
    entry_id   TEXT    NOT NULL,
    question   TEXT    NOT NULL,
    user_hash  TEXT    NOT NULL,
    vote       INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at   TEXT    NOT NULL,
    UNIQUE (message_id, user_hash)
);
CREATE INDEX feedback_entry ON feedback (entry_id, voted_at);

PRAGMA user_version = 2;
COMMIT;
