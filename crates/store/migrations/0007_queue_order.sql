-- Queues (a scope's cases in one or a few states) sorted from the index alone: the queue
-- indexes carry the list order's columns and the id, so a page sorts index entries, not whole
-- cases, and a single-state queue newest first is read in index order. They replace the
-- queue indexes of 0001 and 0004, which stopped at filed_ms or deadline.
DROP INDEX cases_window_queue;
CREATE INDEX cases_window_queue ON cases (receiving_window, status, filed_ms DESC, id);
DROP INDEX cases_authority_queue;
CREATE INDEX cases_authority_queue ON cases (competent_authority, status, deadline, filed_ms, id);
DROP INDEX cases_applicant_status;
CREATE INDEX cases_applicant_status ON cases (applicant_user, status, filed_ms DESC, id);
