-- PostgreSQL dialect of ../0009_message_asks.sql: one message is one question, however often it is judged.
BEGIN;

ALTER TABLE asks ADD COLUMN message_id BIGINT;
CREATE UNIQUE INDEX asks_message ON asks (guild_id, message_id) WHERE message_id IS NOT NULL;

INSERT INTO faqbot_schema (version, name) VALUES (9, 'message_asks');
COMMIT;
