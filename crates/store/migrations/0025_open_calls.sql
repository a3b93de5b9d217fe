-- Documents held by a listing or a proposal (issue #26): one table for every holder, named by
-- the holder's audit stream (`listing:<id>`, `proposal:<id>`). The bytes are stored like a
-- case's materials, content-addressed by SHA-256. A listing's documents move here.
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_ms BIGINT NOT NULL
);
INSERT INTO documents (id, holder, file_name, kind, size, sha256, added_by, added_ms)
    SELECT id, 'listing:' || listing_id, file_name, kind, size, sha256, added_by, added_ms
    FROM listing_files;
DROP TABLE listing_files;
CREATE INDEX documents_holder ON documents (holder, added_ms);

-- Open calls for technical needs (issue #26): the joint office opens a call with its scope
-- (clusters, kinds of need) and dates; any confirmed enterprise posts needs into it, which the
-- office reviews before they are open to every enterprise and institute.
CREATE TABLE calls (
    id TEXT PRIMARY KEY,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    scope_zh TEXT NOT NULL,
    scope_en TEXT NOT NULL,
    clusters TEXT NOT NULL,
    kinds TEXT NOT NULL,
    opens TEXT NOT NULL,
    closes TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
-- A need posted into a call, and the office's review of it (`pending`, `approved`, `refused`).
CREATE TABLE call_needs (
    need_id TEXT PRIMARY KEY,
    call_id TEXT NOT NULL,
    review TEXT NOT NULL,
    note TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_ms BIGINT
);
CREATE INDEX call_needs_call ON call_needs (call_id, review);
-- A firm's answer to an open need: one a firm and need; its documents are in `documents`.
CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    need_id TEXT NOT NULL,
    uscc TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    UNIQUE (need_id, uscc)
);
CREATE INDEX proposals_uscc ON proposals (uscc, created_ms);
