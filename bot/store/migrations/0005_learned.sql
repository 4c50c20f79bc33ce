-- Learned phrasings: questions editors resolved to an entry, used by the retriever as more of that entry's questions.
-- guild_id is the server whose editors taught it (0: taught from the command line, applies everywhere); taught_by is
-- the teacher's HMAC hash as votes keep it (NULL from the command line). One phrasing per server names one entry.
BEGIN;

CREATE TABLE learned (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL DEFAULT 0,
    entry_id    TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    normalized  TEXT    NOT NULL,
    taught_by   TEXT,
    taught_at   TEXT    NOT NULL,
    question_id INTEGER,
    UNIQUE (guild_id, normalized)
);
CREATE INDEX learned_entry ON learned (entry_id);

PRAGMA user_version = 5;
COMMIT;
