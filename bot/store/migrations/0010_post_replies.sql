-- Which member's message a posted answer replies to: "Answer with FAQ" used again on a message the bot has answered
-- with that entry already posts no second answer (one under a message, one set of votes). NULL for posts recorded
-- before this migration; for /ask and /faq posts it is the post itself (an interaction has no member message).
BEGIN;

ALTER TABLE answer_posts ADD COLUMN reply_to INTEGER;
CREATE INDEX answer_posts_reply ON answer_posts (guild_id, reply_to) WHERE reply_to IS NOT NULL;

PRAGMA user_version = 10;
COMMIT;
