-- Messages to other nodes (issue #24): written in the same transaction as the change they
-- report; delivered with retries until the recipient's signed receipt is kept; parked (for an
-- operator to replay) after the configured time. `envelope` and `receipt` are base64.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    case_id TEXT,
    case_seq BIGINT,
    envelope TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_ms BIGINT NOT NULL,
    last_error TEXT,
    delivered_ms BIGINT,
    receipt TEXT,
    parked_ms BIGINT
);
CREATE INDEX outbox_due ON outbox (next_attempt_ms);
CREATE UNIQUE INDEX outbox_case_seq ON outbox (recipient, case_id, case_seq);
