-- A head enterprise's partner reserve (issue #26): the firms it has authorised as partners,
-- each with the scope and the date of the authorisation (and, optionally, its end). Removing a
-- partner keeps the row, with the time it was removed.
CREATE TABLE partner_reserve (
    head_uscc TEXT NOT NULL,
    partner_uscc TEXT NOT NULL,
    scope TEXT NOT NULL,
    authorised_on TEXT NOT NULL,
    valid_until TEXT,
    added_by TEXT NOT NULL,
    added_ms BIGINT NOT NULL,
    removed_ms BIGINT,
    PRIMARY KEY (head_uscc, partner_uscc)
);
CREATE INDEX partner_reserve_partner ON partner_reserve (partner_uscc);
