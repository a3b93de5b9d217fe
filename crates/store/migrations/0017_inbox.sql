-- Messages from other nodes (issue #24): one row per (sender, message id), written before the
-- message is applied; the receipt kept to answer a duplicate with. `envelope` is the signed
-- envelope as received (base64); `applied_ms` is null while an earlier message of the same
-- case from the same sender has not arrived.
CREATE TABLE inbox (
    sender TEXT NOT NULL,
    id TEXT NOT NULL,
    envelope_sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    case_id TEXT,
    case_seq BIGINT,
    envelope TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    applied_ms BIGINT,
    receipt TEXT NOT NULL,
    PRIMARY KEY (sender, id)
);
CREATE INDEX inbox_case ON inbox (sender, case_id, case_seq);

-- How far each sender's messages about each case have been applied (their sequence).
CREATE TABLE inbox_streams (
    sender TEXT NOT NULL,
    case_id TEXT NOT NULL,
    applied_seq BIGINT NOT NULL,
    PRIMARY KEY (sender, case_id)
);
