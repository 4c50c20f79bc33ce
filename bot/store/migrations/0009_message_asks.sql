-- One message is one question, however often it is judged: a mentor's "Answer with FAQ" on a message the bot has
-- already seen (in an answer channel, or through the same menu before) neither counts it again nor queues it again.
-- asks.message_id is the member's message (or, for /ask, the bot's public answer); NULL where there is none (the
-- command line, a reply Discord refused) and for asks recorded before this migration.
BEGIN;

ALTER TABLE asks ADD COLUMN message_id INTEGER;
CREATE UNIQUE INDEX asks_message ON asks (guild_id, message_id) WHERE message_id IS NOT NULL;

PRAGMA user_version = 9;
COMMIT;
