-- A natural person's applicant account is bound to its verified resident ID number.
ALTER TABLE users ADD COLUMN resident_id TEXT;

-- Authorisations between persons: the grantor lets the agent file in the grantor's name
-- (for one matter, or any when matter_code is NULL) until valid_until_ms, unless revoked.
CREATE TABLE authorisations (
    id TEXT PRIMARY KEY,
    grantor_id_no TEXT NOT NULL,
    agent_id_no TEXT NOT NULL,
    matter_code TEXT,
    valid_from_ms BIGINT NOT NULL,
    valid_until_ms BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);
CREATE INDEX authorisations_pair ON authorisations (grantor_id_no, agent_id_no);
CREATE INDEX authorisations_agent ON authorisations (agent_id_no);

-- Whom a window clerk saw when filing or receiving a case: the person named in it, or an
-- agent under an authorisation.
CREATE TABLE identity_checks (
    case_id TEXT NOT NULL,
    action TEXT NOT NULL,
    presenter_id_no TEXT NOT NULL,
    authorisation_id TEXT,
    checked_by TEXT NOT NULL,
    window_id TEXT,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (case_id, action)
);
