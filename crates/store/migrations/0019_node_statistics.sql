-- Statistics other nodes send to the joint office's node (issue #24): per sending node, the
-- counts of the cases it decides (no personal data), in the shape of the local aggregates;
-- replaced whole by each newer message. The joint office's figures add them to its own.
CREATE TABLE node_statistics (
    sender TEXT PRIMARY KEY,
    city TEXT NOT NULL,
    computed_ms BIGINT NOT NULL,
    received_ms BIGINT NOT NULL
);
CREATE TABLE fed_stats_city (
    sender TEXT NOT NULL, month TEXT NOT NULL, receiving_city TEXT NOT NULL,
    competent_city TEXT NOT NULL, status TEXT NOT NULL, decided BIGINT NOT NULL,
    on_time BIGINT NOT NULL, n BIGINT NOT NULL
);
CREATE INDEX fed_stats_city_sender ON fed_stats_city (sender);
CREATE TABLE fed_stats_matter (
    sender TEXT NOT NULL, month TEXT NOT NULL, matter_code TEXT NOT NULL,
    decided BIGINT NOT NULL, on_time BIGINT NOT NULL, n BIGINT NOT NULL
);
CREATE INDEX fed_stats_matter_sender ON fed_stats_matter (sender);
CREATE TABLE fed_stats_days (
    sender TEXT NOT NULL, month TEXT NOT NULL, decision_days BIGINT NOT NULL, n BIGINT NOT NULL
);
CREATE INDEX fed_stats_days_sender ON fed_stats_days (sender);
