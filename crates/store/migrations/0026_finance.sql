-- The finance alliance (issue #26): its members (banks, funds, guarantee and leasing firms)
-- with their products as JSON; enterprises' financing needs; and each need's pipeline of
-- members, to `financed` with the amount. Every change is an event in `financing:<id>`.
CREATE TABLE finance_members (
    uscc TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    city TEXT NOT NULL,
    products TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_ms BIGINT NOT NULL
);
CREATE TABLE financing_needs (
    id TEXT PRIMARY KEY,
    uscc TEXT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    amount BIGINT NOT NULL,
    financed_amount BIGINT,
    financed_by TEXT,
    financed_on TEXT,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX financing_needs_uscc ON financing_needs (uscc, created_ms);
CREATE INDEX financing_needs_status ON financing_needs (status, created_ms);
CREATE TABLE finance_matches (
    need_id TEXT NOT NULL,
    member_uscc TEXT NOT NULL,
    stage TEXT NOT NULL,
    amount BIGINT,
    updated_by TEXT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (need_id, member_uscc)
);
CREATE INDEX finance_matches_member ON finance_matches (member_uscc, updated_ms);
