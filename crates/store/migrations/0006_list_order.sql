-- Case lists in their display order straight from an index, so that a page costs the same
-- whatever the size of the caller's scope (no sort of all of a reviewer's or window's cases).
-- The reviewer's list: by deadline, cases without one last (the expression the query uses).
CREATE INDEX cases_authority_order ON cases (competent_authority, (deadline IS NULL), deadline, filed_ms, id);
-- The window's and the applicant's lists: newest first.
CREATE INDEX cases_window_order ON cases (receiving_window, filed_ms DESC, id);
DROP INDEX cases_applicant;
CREATE INDEX cases_applicant ON cases (applicant_user, filed_ms DESC, id);
