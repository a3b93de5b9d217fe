-- Materials (issue #23): the files handed in with a case, a row each. The bytes are
-- content-addressed by SHA-256: in a folder beside the SQLite file, or in material_blobs
-- (PostgreSQL, and SQLite without a file).
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    material BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_role TEXT NOT NULL,
    added_ms BIGINT NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id, material, added_ms);
CREATE INDEX attachments_sha ON attachments (sha256);

CREATE TABLE material_blobs (
    sha256 TEXT PRIMARY KEY,
--@sqlite
    bytes BLOB NOT NULL
--@end
--@postgres
    bytes BYTEA NOT NULL
--@end
);
