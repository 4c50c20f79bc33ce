-- Proposed phrasings: a member picked a "did you mean" suggestion for a queued question. It does not teach: the
-- editors confirm it (which resolves the question to that entry and teaches, as a resolve does) or reject it.
-- picks counts the members who picked that entry for that question; proposed_by is the first one's HMAC hash, as
-- votes keep it. status: 'open', 'confirmed' or 'rejected'. A proposal goes with its question (purge, delete).
BEGIN;

CREATE TABLE proposals (
    id             INTEGER PRIMARY KEY,
    question_id    INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    entry_id       TEXT    NOT NULL,
    picks          INTEGER NOT NULL DEFAULT 1,
    proposed_by    TEXT,
    proposed_at    TEXT    NOT NULL,
    last_picked_at TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'rejected')),
    closed_at      TEXT,
    UNIQUE (question_id, entry_id)
);

PRAGMA user_version = 7;
COMMIT;
