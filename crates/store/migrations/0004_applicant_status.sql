-- An applicant's open cases are counted by status: without this index the count read every
-- one of the applicant's cases (40 ms for an applicant with 12,716 cases; 2 ms with it).
CREATE INDEX IF NOT EXISTS cases_applicant_status ON cases (applicant_user, status, filed_ms);
