-- Every record knows its server: queued questions, places, asks, answer posts and votes carry a guild id.
-- 0 is the scope of questions asked outside any server (DMs and the command line); NULL (asks and votes only) is
-- a record from before this migration whose server cannot be told from what was stored: only the all-servers view
-- of the command line counts it.
BEGIN;

ALTER TABLE feedback ADD COLUMN guild_id INTEGER;
ALTER TABLE asks ADD COLUMN guild_id INTEGER;

UPDATE answer_posts SET guild_id = 0 WHERE guild_id IS NULL;

-- Each question's server: the one of its latest place (the DM scope when it has none).
CREATE TEMP TABLE question_home AS
SELECT q.id AS question_id,
       coalesce((SELECT coalesce(a.guild_id, 0) FROM question_asks a WHERE a.question_id = q.id
                 ORDER BY a.asked_at DESC, a.id DESC LIMIT 1), 0) AS guild_id
FROM questions q;

-- A question also asked in other servers is split: one question per other server, holding that server's places.
CREATE TEMP TABLE question_split AS
SELECT a.question_id AS question_id, coalesce(a.guild_id, 0) AS guild_id, count(*) AS asks,
       min(a.asked_at) AS first_at, max(a.asked_at) AS last_at,
       (SELECT coalesce(max(id), 0) FROM questions) + row_number() OVER (ORDER BY a.question_id, coalesce(a.guild_id, 0))
           AS new_id
FROM question_asks a JOIN question_home h ON h.question_id = a.question_id
WHERE coalesce(a.guild_id, 0) <> h.guild_id
GROUP BY a.question_id, coalesce(a.guild_id, 0);

CREATE TABLE questions_new (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL DEFAULT 0,
    normalized        TEXT    NOT NULL,
    kind              TEXT    NOT NULL DEFAULT 'unanswered' CHECK (kind IN ('unanswered', 'downvoted')),
    text              TEXT    NOT NULL,
    ask_count         INTEGER NOT NULL DEFAULT 0 CHECK (ask_count >= 0),
    first_asked_at    TEXT    NOT NULL,
    last_asked_at     TEXT    NOT NULL,
    best_score        REAL,
    best_entry_id     TEXT,
    rejected_entry_id TEXT,
    status            TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'dismissed')),
    answer_entry_id   TEXT,
    dismiss_reason    TEXT,
    closed_at         TEXT,
    UNIQUE (guild_id, normalized, kind)
);

INSERT INTO questions_new (id, guild_id, normalized, kind, text, ask_count, first_asked_at, last_asked_at, best_score,
                           best_entry_id, rejected_entry_id, status, answer_entry_id, dismiss_reason, closed_at)
SELECT q.id, h.guild_id, q.normalized, q.kind, q.text,
       max(1, q.ask_count - coalesce((SELECT sum(s.asks) FROM question_split s WHERE s.question_id = q.id), 0)),
       q.first_asked_at,
       coalesce((SELECT max(a.asked_at) FROM question_asks a
                 WHERE a.question_id = q.id AND coalesce(a.guild_id, 0) = h.guild_id), q.last_asked_at),
       q.best_score, q.best_entry_id, q.rejected_entry_id, q.status, q.answer_entry_id, q.dismiss_reason, q.closed_at
FROM questions q JOIN question_home h ON h.question_id = q.id;

INSERT INTO questions_new (id, guild_id, normalized, kind, text, ask_count, first_asked_at, last_asked_at, best_score,
                           best_entry_id, rejected_entry_id, status, answer_entry_id, dismiss_reason, closed_at)
SELECT s.new_id, s.guild_id, q.normalized, q.kind, q.text, s.asks, s.first_at, s.last_at,
       q.best_score, q.best_entry_id, q.rejected_entry_id, q.status, q.answer_entry_id, q.dismiss_reason, q.closed_at
FROM question_split s JOIN questions q ON q.id = s.question_id;

-- Places reference questions_new while both tables exist; renaming it to `questions` rewrites that reference.
CREATE TABLE question_asks_new (
    id          INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES questions_new (id) ON DELETE CASCADE,
    guild_id    INTEGER NOT NULL DEFAULT 0,
    asked_at    TEXT    NOT NULL,
    origin      TEXT    NOT NULL,
    channel_id  INTEGER,
    message_id  INTEGER,
    jump_url    TEXT
);

INSERT INTO question_asks_new (id, question_id, guild_id, asked_at, origin, channel_id, message_id, jump_url)
SELECT a.id,
       coalesce((SELECT s.new_id FROM question_split s
                 WHERE s.question_id = a.question_id AND s.guild_id = coalesce(a.guild_id, 0)), a.question_id),
       coalesce(a.guild_id, 0), a.asked_at, a.origin, a.channel_id, a.message_id, a.jump_url
FROM question_asks a;

DROP TABLE question_asks;
DROP TABLE questions;
ALTER TABLE questions_new RENAME TO questions;
ALTER TABLE question_asks_new RENAME TO question_asks;
CREATE INDEX questions_guild_status_last ON questions (guild_id, status, last_asked_at);
CREATE INDEX question_asks_question ON question_asks (question_id);
CREATE INDEX question_asks_time ON question_asks (asked_at);

-- Votes: the server of the answer they were cast on.
UPDATE feedback SET guild_id = (SELECT p.guild_id FROM answer_posts p WHERE p.message_id = feedback.message_id);
CREATE INDEX feedback_guild_time ON feedback (guild_id, voted_at);

-- Asks: the command line's are the DM scope's; a Discord ask takes the server of the place or answer recorded in the
-- same second (when exactly one server matches), or the only server this database has ever seen.
UPDATE asks SET guild_id = 0 WHERE origin = 'cli';
CREATE TEMP TABLE seen_at AS
SELECT asked_at AS at, coalesce(guild_id, 0) AS guild_id FROM question_asks WHERE origin = 'discord'
UNION
SELECT posted_at, guild_id FROM answer_posts;
UPDATE asks SET guild_id = (SELECT min(s.guild_id) FROM seen_at s WHERE s.at = asks.asked_at)
WHERE guild_id IS NULL AND (SELECT count(DISTINCT s.guild_id) FROM seen_at s WHERE s.at = asks.asked_at) = 1;
UPDATE asks SET guild_id = (SELECT min(guild_id) FROM seen_at WHERE guild_id <> 0)
WHERE guild_id IS NULL AND (SELECT count(DISTINCT guild_id) FROM seen_at WHERE guild_id <> 0) = 1;
CREATE INDEX asks_guild_time ON asks (guild_id, asked_at);

DROP TABLE question_home;
DROP TABLE question_split;
DROP TABLE seen_at;

PRAGMA user_version = 4;
COMMIT;
