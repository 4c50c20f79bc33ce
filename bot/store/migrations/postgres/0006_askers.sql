-- PostgreSQL dialect of ../0006_askers.sql: the asker's user id per place, the unsure mark, the told markers.
BEGIN;

ALTER TABLE question_asks ADD COLUMN asker_id BIGINT;
ALTER TABLE questions ADD COLUMN unsure INTEGER NOT NULL DEFAULT 0;

CREATE TABLE told (
    question_id BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    asker_id    BIGINT NOT NULL,
    outcome     TEXT   NOT NULL CHECK (outcome IN ('sending', 'told', 'failed')),
    told_at     TEXT   NOT NULL,
    PRIMARY KEY (question_id, asker_id)
);
CREATE INDEX question_asks_asker ON question_asks (asker_id, asked_at);
CREATE INDEX told_time ON told (told_at);

INSERT INTO faqbot_schema (version, name) VALUES (6, 'askers');
COMMIT;
