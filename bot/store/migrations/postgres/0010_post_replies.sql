-- PostgreSQL dialect of ../0010_post_replies.sql: which member's message a posted answer replies to.
BEGIN;

ALTER TABLE answer_posts ADD COLUMN reply_to BIGINT;
CREATE INDEX answer_posts_reply ON answer_posts (guild_id, reply_to) WHERE reply_to IS NOT NULL;

INSERT INTO faqbot_schema (version, name) VALUES (10, 'post_replies');
COMMIT;
