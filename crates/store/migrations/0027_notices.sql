-- Notices to applicants (issue #27): a row per change that tells the applicant something (case
-- received, correction asked, decided, licence ready, transferred), written in the same
-- transaction as the change, in the language the account chose. Shown on the applicant's pages;
-- where the account has an e-mail address the row is also the mail outbox: `mail_state`
-- 'pending' until the SMTP server accepts it ('sent'), retried with a capped back-off meanwhile.
CREATE TABLE user_contacts (
    user_id TEXT PRIMARY KEY,
    email TEXT,
    lang TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    lang TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    mail_to TEXT,
    mail_state TEXT,
    attempts BIGINT NOT NULL,
    next_ms BIGINT NOT NULL,
    sent_ms BIGINT,
    last_error TEXT
);
CREATE INDEX notices_user ON notices (user_id, created_ms);
CREATE INDEX notices_mail ON notices (mail_state, next_ms);
