-- Amounts by rule (issue #27 point 3). `amount_rules` holds each city's rule for a matter as
-- JSON (`corridor_domain::amount::AmountRule`), every published version kept; the newest
-- version of a (city, matter) is in force. `case_amounts` is the amount a decision granted or
-- charged, with the computation's steps and the rule version it used, written in the
-- transaction of the approval and never changed after.
CREATE TABLE amount_rules (
    city TEXT NOT NULL,
    matter_code TEXT NOT NULL,
    version BIGINT NOT NULL,
    rule TEXT NOT NULL,
    published_ms BIGINT NOT NULL,
    published_by TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (city, matter_code, version)
);
CREATE TABLE case_amounts (
    case_id TEXT PRIMARY KEY,
    city TEXT NOT NULL,
    matter_code TEXT NOT NULL,
    rule_version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    total_fen BIGINT NOT NULL,
    computed TEXT NOT NULL,
    decided_ms BIGINT NOT NULL
);
