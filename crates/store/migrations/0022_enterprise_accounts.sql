-- Enterprise accounts for real users (issue #26): a link from an account to an enterprise of
-- the registry is `confirmed` (made by an administrator, or confirmed by the joint office),
-- `pending` (self-registered, limited until the office confirms it) or `refused` (with the
-- office's note). Several accounts may act for one enterprise; an account acts for one.
ALTER TABLE enterprise_accounts ADD COLUMN status TEXT NOT NULL DEFAULT 'confirmed';
ALTER TABLE enterprise_accounts ADD COLUMN company_name TEXT;
ALTER TABLE enterprise_accounts ADD COLUMN contact_phone TEXT;
ALTER TABLE enterprise_accounts ADD COLUMN requested_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE enterprise_accounts ADD COLUMN decided_by TEXT;
ALTER TABLE enterprise_accounts ADD COLUMN decided_ms BIGINT;
ALTER TABLE enterprise_accounts ADD COLUMN note TEXT;
CREATE INDEX enterprise_accounts_status ON enterprise_accounts (status, requested_ms);
