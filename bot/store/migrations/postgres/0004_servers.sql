-- PostgreSQL dialect of ../0004_servers.sql: every record knows its server (0: DMs and the command line; NULL, in
-- asks and votes only: a record from before whose server cannot be told). PostgreSQL alters the tables in place.
BEGIN;

ALTER TABLE feedback ADD COLUMN guild_id BIGINT;
ALTER TABLE asks ADD COLUMN guild_id BIGINT;

UPDATE answer_posts SET guild_id = 0 WHERE guild_id IS NULL;
UPDATE question_asks SET guild_id = 0 WHERE guild_id IS NULL;
ALTER TABLE question_asks ALTER COLUMN guild_id SET DEFAULT 0;
ALTER TABLE question_asks ALTER COLUMN guild_id SET NOT NULL;

-- Each question's server: the one of its latest place (the DM scope when it has none).
ALTER TABLE questions ADD COLUMN guild_id BIGINT NOT NULL DEFAULT 0;
UPDATE questions q SET guild_id = coalesce(
    (SELECT a.guild_id FROM question_asks a WHERE a.question_id = q.id ORDER BY a.asked_at DESC, a.id DESC LIMIT 1), 0
);
ALTER TABLE questions DROP CONSTRAINT questions_normalized_kind_key;

-- A question also asked in other servers is split: one question per other server, holding that server's places.
CREATE TEMP TABLE question_split ON COMMIT DROP AS
SELECT s.question_id, s.guild_id, s.asks, s.first_at, s.last_at,
       (SELECT coalesce(max(id), 0) FROM questions) + row_number() OVER (ORDER BY s.question_id, s.guild_id) AS new_id
FROM (
    SELECT a.question_id, a.guild_id, count(*) AS asks, min(a.asked_at) AS first_at, max(a.asked_at) AS last_at
    FROM question_asks a JOIN questions q ON q.id = a.question_id
    WHERE a.guild_id <> q.guild_id
    GROUP BY a.question_id, a.guild_id
) s;

UPDATE questions q SET
    ask_count = greatest(1, q.ask_count - s.moved),
    last_asked_at = coalesce(
        (SELECT max(a.asked_at) FROM question_asks a WHERE a.question_id = q.id AND a.guild_id = q.guild_id),
        q.last_asked_at
    )
FROM (SELECT question_id, sum(asks) AS moved FROM question_split GROUP BY question_id) s
WHERE s.question_id = q.id;

INSERT INTO questions (id, guild_id, normalized, kind, text, ask_count, first_asked_at, last_asked_at, best_score,
                       best_entry_id, rejected_entry_id, status, answer_entry_id, dismiss_reason, closed_at)
SELECT s.new_id, s.guild_id, q.normalized, q.kind, q.text, s.asks, s.first_at, s.last_at,
       q.best_score, q.best_entry_id, q.rejected_entry_id, q.status, q.answer_entry_id, q.dismiss_reason, q.closed_at
FROM question_split s JOIN questions q ON q.id = s.question_id;

UPDATE question_asks a SET question_id = s.new_id
FROM question_split s WHERE s.question_id = a.question_id AND s.guild_id = a.guild_id;

SELECT setval(pg_get_serial_sequence('questions', 'id'), greatest((SELECT max(id) FROM questions), 1),
              (SELECT max(id) FROM questions) IS NOT NULL);

ALTER TABLE questions ADD CONSTRAINT questions_guild_normalized_kind_key UNIQUE (guild_id, normalized, kind);
CREATE INDEX questions_guild_status_last ON questions (guild_id, status, last_asked_at);

-- Votes: the server of the answer they were cast on.
UPDATE feedback f SET guild_id = p.guild_id FROM answer_posts p WHERE p.message_id = f.message_id;
CREATE INDEX feedback_guild_time ON feedback (guild_id, voted_at);

-- Asks: the command line's are the DM scope's; a Discord ask takes the server of the place or answer recorded in the
-- same second (when exactly one server matches), or the only server this database has ever seen.
UPDATE asks SET guild_id = 0 WHERE origin = 'cli';
CREATE TEMP TABLE seen_at ON COMMIT DROP AS
SELECT asked_at AS at, guild_id FROM question_asks WHERE origin = 'discord'
UNION
SELECT posted_at, guild_id FROM answer_posts;
UPDATE asks SET guild_id = (SELECT min(s.guild_id) FROM seen_at s WHERE s.at = asks.asked_at)
WHERE guild_id IS NULL AND (SELECT count(DISTINCT s.guild_id) FROM seen_at s WHERE s.at = asks.asked_at) = 1;
UPDATE asks SET guild_id = (SELECT min(guild_id) FROM seen_at WHERE guild_id <> 0)
WHERE guild_id IS NULL AND (SELECT count(DISTINCT guild_id) FROM seen_at WHERE guild_id <> 0) = 1;
CREATE INDEX asks_guild_time ON asks (guild_id, asked_at);

INSERT INTO faqbot_schema (version, name) VALUES (4, 'servers');
COMMIT;
