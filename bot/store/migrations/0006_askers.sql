-- Askers hear back: who asked each time (their Discord user id, to reply to or DM exactly that member), whether a
-- queued question got a "did you mean" or a partial answer (unsure) rather than "I don't know", and a marker per
-- (question, asker) so that a member is told at most once per question however many places they asked it in.
-- asker_id is NULL for places recorded before this migration, from the command line, and for 👎 votes.
-- told.outcome: 'sending' (claimed, being sent), 'told' (a notice or a mentor's reply reached them), 'failed' (the
-- message, channel or DM could not be reached). purge deletes markers with their question or by age.
BEGIN;

ALTER TABLE question_asks ADD COLUMN asker_id INTEGER;
ALTER TABLE questions ADD COLUMN unsure INTEGER NOT NULL DEFAULT 0;

CREATE TABLE told (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    asker_id    INTEGER NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('sending', 'told', 'failed')),
    told_at     TEXT    NOT NULL,
    PRIMARY KEY (question_id, asker_id)
);
CREATE INDEX question_asks_asker ON question_asks (asker_id, asked_at);
CREATE INDEX told_time ON told (told_at);

PRAGMA user_version = 6;
COMMIT;
