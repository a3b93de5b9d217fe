-- Revoked licences are few: only they are indexed, so the revocation list (and whether one
-- licence is revoked) is read without scanning every licence and its envelope.
CREATE INDEX licences_revoked ON licences (revoked_ms, id) WHERE revoked_ms IS NOT NULL;
