-- A partial answer is its own outcome: rebuild `asks` so its status may be 'partial'.
BEGIN;

CREATE TABLE asks_new (
    id       INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,
    origin   TEXT NOT NULL,
    status   TEXT NOT NULL CHECK (status IN ('answered', 'suggest', 'unknown', 'partial')),
    entry_id TEXT
);
INSERT INTO asks_new (id, asked_at, origin, status, entry_id) SELECT id, asked_at, origin, status, entry_id FROM asks;
DROP TABLE asks;
ALTER TABLE asks_new RENAME TO asks;
CREATE INDEX asks_time ON asks (asked_at);

PRAGMA user_version = 3;
COMMIT;
