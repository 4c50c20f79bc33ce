-- The `partial` status: the knowledge has the question's topic but not the detail asked. SQLite cannot change a
-- CHECK constraint in place, so the asks table is rebuilt with its rows kept.
BEGIN;

CREATE TABLE asks_new (
    id       INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,
    origin   TEXT NOT NULL,
    status   TEXT NOT NULL CHECK (status IN ('answered', 'suggest', 'partial', 'unknown')),
    entry_id TEXT
);
INSERT INTO asks_new (id, asked_at, origin, status, entry_id) SELECT id, asked_at, origin, status, entry_id FROM asks;
DROP TABLE asks;
ALTER TABLE asks_new RENAME TO asks;
CREATE INDEX asks_time ON asks (asked_at);

PRAGMA user_version = 3;
COMMIT;
