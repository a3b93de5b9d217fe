-- Expired sessions are purged by expiry.
CREATE INDEX sessions_expires ON sessions (expires_ms);
