--@sqlite
-- Corridor schema, SQLite flavour. Column types must agree with ../postgres (a test checks):
--@end
--@postgres
-- Corridor schema, PostgreSQL flavour. Column types must agree with ../sqlite (a test checks):
--@end
-- TEXT for text, dates (YYYY-MM-DD), ids and JSON documents; BIGINT for integers and
--@sqlite
-- timestamps (Unix milliseconds). No booleans, no SQLite-only behaviour.
--@end
--@postgres
-- timestamps (Unix milliseconds). No booleans, no sequences: portable to Citus, CockroachDB, YugabyteDB.
--@end
CREATE TABLE jurisdictions (code TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE authority_kinds (code TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE authorities (id TEXT PRIMARY KEY, city TEXT NOT NULL, kind TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE windows (id TEXT PRIMARY KEY, city TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE catalogue_versions (version BIGINT PRIMARY KEY, published_ms BIGINT NOT NULL, note TEXT NOT NULL, digest TEXT NOT NULL, matter_count BIGINT NOT NULL);
CREATE TABLE matters (code TEXT NOT NULL, version BIGINT NOT NULL, authority_kind TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (code, version));
CREATE TABLE calendar_years (year BIGINT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL, role TEXT NOT NULL,
  city TEXT, window_id TEXT, authority_id TEXT, display_name TEXT NOT NULL, created_ms BIGINT NOT NULL);
CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL);
CREATE TABLE receipt_counters (city TEXT NOT NULL, day TEXT NOT NULL, next BIGINT NOT NULL, PRIMARY KEY (city, day));
CREATE TABLE cases (
  id TEXT PRIMARY KEY, receipt_no TEXT NOT NULL UNIQUE, matter_code TEXT NOT NULL, catalogue_version BIGINT NOT NULL,
  mode TEXT NOT NULL, status TEXT NOT NULL,
  applicant_user TEXT, applicant_name TEXT NOT NULL, applicant_id_no TEXT, applicant_uscc TEXT, applicant_phone TEXT,
  receiving_city TEXT NOT NULL, receiving_window TEXT, competent_city TEXT NOT NULL, competent_authority TEXT NOT NULL,
  form TEXT NOT NULL, filed_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL, filed_on TEXT NOT NULL,
  statutory_days BIGINT NOT NULL, accepted_on TEXT, paused_days BIGINT NOT NULL, paused_since TEXT,
  deadline TEXT, decided_on TEXT, decision_days BIGINT, reason TEXT);
CREATE INDEX cases_authority_queue ON cases (competent_authority, status, deadline);
CREATE INDEX cases_window_queue ON cases (receiving_window, status, filed_ms);
CREATE INDEX cases_applicant ON cases (applicant_user, filed_ms);
CREATE INDEX cases_filed ON cases (filed_ms);
CREATE INDEX cases_status ON cases (status);
CREATE TABLE audit_events (
  id TEXT NOT NULL, stream TEXT NOT NULL, seq BIGINT NOT NULL, at_ms BIGINT NOT NULL, actor TEXT NOT NULL,
  role TEXT NOT NULL, action TEXT NOT NULL, before_doc TEXT NOT NULL, after_doc TEXT NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (stream, seq));
CREATE TABLE audit_heads (stream TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL);
