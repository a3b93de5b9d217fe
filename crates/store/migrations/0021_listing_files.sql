-- Documents of a technology achievement listing (issue #25): patent certificates, technical
-- descriptions. The bytes are stored like a case's materials, content-addressed by SHA-256;
-- each file's hash is also in the listing's audit chain (`listing:<id>`).
CREATE TABLE listing_files (
    id TEXT PRIMARY KEY,
    listing_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_ms BIGINT NOT NULL
);
CREATE INDEX listing_files_listing ON listing_files (listing_id, added_ms);
-- A winner's registration details for the technology-contract case, held from the winner's
-- confirmation until the sale is confirmed by both sides and the case is filed (then cleared).
ALTER TABLE lots ADD COLUMN contract_form TEXT;
