-- E-licences: authority signing keys (private part encrypted under the master key) and
-- issued licences with their signed envelopes (base64url).
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY, authority_id TEXT NOT NULL, public_key TEXT NOT NULL, private_enc TEXT,
  not_before BIGINT NOT NULL, not_after BIGINT, revoked_at BIGINT, created_ms BIGINT NOT NULL);
CREATE INDEX signing_keys_authority ON signing_keys (authority_id, not_before);
CREATE TABLE licences (
  id TEXT PRIMARY KEY, number TEXT NOT NULL UNIQUE, case_id TEXT NOT NULL UNIQUE, authority_id TEXT NOT NULL,
  kid TEXT NOT NULL, licence_type TEXT NOT NULL, holder_user TEXT, issued_ms BIGINT NOT NULL,
  valid_until_ms BIGINT, envelope TEXT NOT NULL, revoked_ms BIGINT, revoke_reason TEXT);
CREATE INDEX licences_holder ON licences (holder_user, issued_ms);
CREATE INDEX licences_authority ON licences (authority_id, issued_ms);
