-- The questions the bot could not answer, stored once per normalised text, and every time they were asked.
BEGIN;

CREATE TABLE questions (
    id                INTEGER PRIMARY KEY,
    normalized        TEXT    NOT NULL,
    kind              TEXT    NOT NULL DEFAULT 'unanswered' CHECK (kind IN ('unanswered', 'downvoted')),
    text              TEXT    NOT NULL,
    ask_count         INTEGER NOT NULL DEFAULT 0 CHECK (ask_count >= 0),
    first_asked_at    TEXT    NOT NULL,
    last_asked_at     TEXT    NOT NULL,
    best_score        REAL,
    best_entry_id     TEXT,
    rejected_entry_id TEXT,
    status            TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'dismissed')),
    answer_entry_id   TEXT,
    dismiss_reason    TEXT,
    closed_at         TEXT,
    UNIQUE (normalized, kind)
);
CREATE INDEX questions_status_last ON questions (status, last_asked_at);

CREATE TABLE question_asks (
    id          INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    asked_at    TEXT    NOT NULL,
    origin      TEXT    NOT NULL,
    guild_id    INTEGER,
    channel_id  INTEGER,
    message_id  INTEGER,
    jump_url    TEXT
);
CREATE INDEX question_asks_question ON question_asks (question_id);
CREATE INDEX question_asks_time ON question_asks (asked_at);

-- One row per question asked (no text: only what /stats needs).
CREATE TABLE asks (
    id       INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,
    origin   TEXT NOT NULL,
    status   TEXT NOT NULL CHECK (status IN ('answered', 'suggest', 'unknown')),
    entry_id TEXT
);
CREATE INDEX asks_time ON asks (asked_at);

PRAGMA user_version = 1;
COMMIT;
