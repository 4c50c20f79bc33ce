-- PostgreSQL dialect of ../0003_partial.sql: the `partial` status. PostgreSQL changes the CHECK constraint in place.
BEGIN;

ALTER TABLE asks DROP CONSTRAINT asks_status_check;
ALTER TABLE asks ADD CONSTRAINT asks_status_check CHECK (status IN ('answered', 'suggest', 'partial', 'unknown'));

INSERT INTO faqbot_schema (version, name) VALUES (3, 'partial');
COMMIT;
