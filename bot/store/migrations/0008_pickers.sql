-- Who picked each proposal: one row per member (the HMAC hash votes keep), so a member who clicks the same "did
-- you mean" again is not counted again; proposals.picks counts these rows (a pick with no member id counts each
-- time). A proposal's first picker, kept in proposed_by since 0007, is copied in. Rows go with their proposal.
BEGIN;

CREATE TABLE proposal_pickers (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_hash   TEXT    NOT NULL,
    picked_at   TEXT    NOT NULL,
    PRIMARY KEY (proposal_id, user_hash)
);

INSERT INTO proposal_pickers (proposal_id, user_hash, picked_at)
SELECT id, proposed_by, proposed_at FROM proposals WHERE proposed_by IS NOT NULL;

PRAGMA user_version = 8;
COMMIT;
