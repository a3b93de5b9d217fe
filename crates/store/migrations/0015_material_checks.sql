-- What the receiving window confirmed of each material of a case (issue #23): received,
-- and the original seen where the catalogue asks. One row per case and material, the
-- latest mark; each change is also an audit event.
CREATE TABLE material_checks (
    case_id TEXT NOT NULL,
    material BIGINT NOT NULL,
    received BIGINT NOT NULL,
    original_seen BIGINT NOT NULL,
    checked_by TEXT NOT NULL,
    checked_ms BIGINT NOT NULL,
    PRIMARY KEY (case_id, material)
);
