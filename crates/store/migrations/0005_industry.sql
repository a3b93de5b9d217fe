-- Industry-chain matchmaking (issue #5): the enterprise registry, the outbox that feeds the
-- search index, enterprise accounts, needs and the match pipeline.
CREATE TABLE enterprises (
  uscc TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL, city TEXT NOT NULL,
  industry TEXT NOT NULL, cluster TEXT NOT NULL, head BIGINT NOT NULL, doc TEXT NOT NULL,
  updated_ms BIGINT NOT NULL);
CREATE INDEX enterprises_head ON enterprises (head, uscc);
-- Written in the same transaction as the enterprise row; the index writer applies and then
-- deletes it, so the index can lag the database but never miss a change.
--@sqlite
CREATE TABLE search_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, uscc TEXT NOT NULL);
--@end
--@postgres
CREATE TABLE search_outbox (seq BIGSERIAL PRIMARY KEY, uscc TEXT NOT NULL);
--@end
CREATE TABLE enterprise_accounts (user_id TEXT PRIMARY KEY, uscc TEXT NOT NULL);
CREATE INDEX enterprise_accounts_uscc ON enterprise_accounts (uscc);
CREATE TABLE needs (
  id TEXT PRIMARY KEY, owner_uscc TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
  deadline TEXT, doc TEXT NOT NULL, created_ms BIGINT NOT NULL, created_by TEXT NOT NULL,
  updated_ms BIGINT NOT NULL);
CREATE INDEX needs_owner ON needs (owner_uscc, created_ms);
CREATE INDEX needs_created ON needs (created_ms);
CREATE TABLE matches (
  need_id TEXT NOT NULL, uscc TEXT NOT NULL, stage TEXT NOT NULL, meetings BIGINT NOT NULL,
  score_milli BIGINT NOT NULL, suggested_on TEXT NOT NULL, contacted_on TEXT, qualified_on TEXT,
  declined_on TEXT, updated_ms BIGINT NOT NULL, PRIMARY KEY (need_id, uscc));
CREATE INDEX matches_uscc ON matches (uscc);
CREATE TABLE match_events (
  need_id TEXT NOT NULL, uscc TEXT NOT NULL, seq BIGINT NOT NULL, stage TEXT NOT NULL,
  on_date TEXT NOT NULL, at_ms BIGINT NOT NULL, actor TEXT NOT NULL, note TEXT NOT NULL,
  PRIMARY KEY (need_id, uscc, seq));
