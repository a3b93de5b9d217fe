-- Joint filings (issue #27 points 2 and 4): one filing decided by several authorities, each part
-- a case of its own. `kind` is 'multi_site' (a matter's parts, each in the city a field names)
-- or 'bundle' (several matters filed once); `code` the matter's or the bundle's. `deadline` and
-- `promised_deadline` are the whole's (CST dates); `outcome` ('approved', 'refused', 'withdrawn')
-- is set once, in the transaction of the part's action that decides it, with that part and its
-- reason. `bundles` holds the bundle catalogue shipped in data/bundles.json.
CREATE TABLE bundles (code TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE joint_filings (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    applicant_user TEXT,
    applicant_name TEXT NOT NULL,
    receiving_city TEXT NOT NULL,
    filed_ms BIGINT NOT NULL,
    filed_on TEXT NOT NULL,
    deadline TEXT NOT NULL,
    promised_deadline TEXT NOT NULL,
    outcome TEXT,
    outcome_case TEXT,
    outcome_reason TEXT,
    decided_ms BIGINT
);
CREATE INDEX joint_filings_user ON joint_filings (applicant_user, filed_ms);
CREATE TABLE joint_parts (
    case_id TEXT PRIMARY KEY,
    joint_id TEXT NOT NULL,
    part_key TEXT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX joint_parts_joint ON joint_parts (joint_id, seq);
