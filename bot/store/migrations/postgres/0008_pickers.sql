-- PostgreSQL dialect of ../0008_pickers.sql: one row per member who picked a proposal, so picks count members.
BEGIN;

CREATE TABLE proposal_pickers (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_hash   TEXT   NOT NULL,
    picked_at   TEXT   NOT NULL,
    PRIMARY KEY (proposal_id, user_hash)
);

INSERT INTO proposal_pickers (proposal_id, user_hash, picked_at)
SELECT id, proposed_by, proposed_at FROM proposals WHERE proposed_by IS NOT NULL;

INSERT INTO faqbot_schema (version, name) VALUES (8, 'pickers');
COMMIT;
