-- Technology achievement auctions (issue #25). Records travel as JSON documents beside the
-- columns that queries filter on; the application (and corridor-domain's auction rules) own
-- their shapes. Every bid, commitment, reveal and settlement step is also an audit event in
-- the lot's chain (`lot:<id>`).
CREATE TABLE listings (
    id TEXT PRIMARY KEY,
    owner_uscc TEXT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX listings_status ON listings (status, created_ms);
CREATE TABLE auction_sessions (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    starts_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE TABLE lots (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    ord BIGINT NOT NULL,
    listing_id TEXT NOT NULL,
    seller_uscc TEXT NOT NULL,
    status TEXT NOT NULL,
    rules TEXT NOT NULL,
    state TEXT NOT NULL,
    close_ms BIGINT NOT NULL,
    -- The reserve and its nonce ("amount:nonce"): shown to nobody before settlement, when it
    -- is checked against the hash in the rules.
    reserve_secret TEXT NOT NULL,
    settlement TEXT,
    confirm_by_ms BIGINT,
    buyer_confirmed_ms BIGINT,
    seller_confirmed_ms BIGINT,
    contract_case TEXT,
    updated_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX lots_session_ord ON lots (session_id, ord);
CREATE INDEX lots_status ON lots (status, close_ms);
CREATE TABLE session_bidders (
    session_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    user_id TEXT NOT NULL,
    status TEXT NOT NULL,
    deposit BIGINT NOT NULL,
    applied_ms BIGINT NOT NULL,
    decided_by TEXT,
    decided_ms BIGINT,
    PRIMARY KEY (session_id, uscc)
);
-- Ascending: one row per accepted bid (amount set, no hash). Sealed: one row per commitment
-- (hash set; amount once revealed).
CREATE TABLE bids (
    lot_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    bidder TEXT NOT NULL,
    amount BIGINT,
    hash TEXT,
    at_ms BIGINT NOT NULL,
    revealed_ms BIGINT,
    PRIMARY KEY (lot_id, seq)
);
CREATE INDEX bids_bidder ON bids (lot_id, bidder);
