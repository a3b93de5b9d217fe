//! Corridor statistics from the aggregates the triggers keep, and their upkeep.

use crate::*;
use sqlx::{AnyConnection, Row};

/// The scans of `cases` that the aggregates must equal (`check_stats`) and that a node sends
/// the joint office for the cases it decides: by city, by matter, by days to decision. The
/// rules (filing month, decided, on time) are those of the triggers in `0003_stats.sql`.
macro_rules! city_scan {
    ($where:literal) => {
        concat!(
            "SELECT substr(filed_on, 1, 7), receiving_city, competent_city, status, \
             CAST(CASE WHEN decided_on IS NOT NULL THEN 1 ELSE 0 END AS BIGINT), \
             CAST(CASE WHEN decided_on IS NOT NULL AND decided_on <= deadline THEN 1 ELSE 0 END AS BIGINT), \
             CAST(COUNT(*) AS BIGINT) FROM cases",
            $where,
            " GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
        )
    };
}
macro_rules! matter_scan {
    ($where:literal) => {
        concat!(
            "SELECT substr(filed_on, 1, 7), matter_code, \
             CAST(CASE WHEN decided_on IS NOT NULL THEN 1 ELSE 0 END AS BIGINT), \
             CAST(CASE WHEN decided_on IS NOT NULL AND decided_on <= deadline THEN 1 ELSE 0 END AS BIGINT), \
             CAST(COUNT(*) AS BIGINT) FROM cases",
            $where,
            " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
    };
}
macro_rules! days_scan {
    ($where:literal) => {
        concat!(
            "SELECT substr(filed_on, 1, 7), CAST(decision_days AS BIGINT), CAST(COUNT(*) AS BIGINT) \
             FROM cases WHERE decision_days IS NOT NULL",
            $where,
            " GROUP BY 1, 2 ORDER BY 1, 2"
        )
    };
}

/// The aggregates as read: this node's own, and (at the joint office's node) those other
/// nodes sent.
const CITY_ROWS: &str = "(SELECT month, receiving_city, competent_city, status, decided, on_time, n \
     FROM stats_city UNION ALL SELECT month, receiving_city, competent_city, status, decided, on_time, n \
     FROM fed_stats_city) s";
const MATTER_ROWS: &str = "(SELECT month, matter_code, decided, on_time, n FROM stats_matter \
     UNION ALL SELECT month, matter_code, decided, on_time, n FROM fed_stats_matter) s";
const LIMIT_ROWS: &str = "(SELECT month, competent_city, matter_code, decided, on_time, promise, n \
     FROM stats_limits UNION ALL SELECT month, competent_city, matter_code, decided, on_time, promise, n \
     FROM fed_stats_limits) s";
const FORWARD_ROWS: &str = "(SELECT month, receiving_city, minutes, n FROM stats_forward \
     UNION ALL SELECT month, receiving_city, minutes, n FROM fed_stats_forward) s";
const DAYS_ROWS: &str = "(SELECT month, decision_days, n FROM stats_days \
     UNION ALL SELECT month, decision_days, n FROM fed_stats_days) s";

/// The counts a node sends the joint office's node: those of the cases it decides (each
/// case is counted by one node, though the receiving node holds a copy). No personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NodeFigures {
    /// The sending node's city.
    pub city: String,
    pub computed_ms: i64,
    /// Month, receiving city, competent city, status, decided, on time, cases.
    pub by_city: Vec<(String, String, String, String, i64, i64, i64)>,
    /// Month, matter, decided, on time, cases.
    pub by_matter: Vec<(String, String, i64, i64, i64)>,
    /// Month, working days to decision, cases.
    pub by_days: Vec<(String, i64, i64)>,
    /// Month, competent city, matter, decided, on time, promise (0 none, 1 kept, 2 broken),
    /// cases. (Absent from nodes older than promised limits.)
    #[serde(default)]
    pub by_limits: Vec<(String, String, String, i64, i64, i64, i64)>,
    /// Month, receiving city, minutes from receipt to forwarding (bucketed), cases: of the
    /// cases this node's windows forwarded.
    #[serde(default)]
    pub by_forward: Vec<(String, String, i64, i64)>,
}

/// Time-limit counts of one group: statutory and promised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitCount {
    pub key: String,
    pub decided: i64,
    /// Decided within the statutory deadline.
    pub on_time: i64,
    /// Decided cases that had a promised limit.
    pub promised: i64,
    /// Of those, decided within it.
    pub kept: i64,
}

/// Counts for statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupCount {
    pub key: String,
    pub total: i64,
    pub decided: i64,
    pub on_time: i64,
}

/// The pre-aggregated tables the triggers keep, each with the columns that key one row (the
/// rest are counts): on PostgreSQL the triggers append delta rows that compaction folds into
/// one row a key.
pub const AGGREGATES: [(&str, &str); 6] = [
    (
        "stats_city",
        "month, receiving_city, competent_city, status, decided, on_time",
    ),
    ("stats_matter", "month, matter_code, decided, on_time"),
    ("stats_days", "month, decision_days"),
    ("case_counts", "scope, status"),
    (
        "stats_limits",
        "month, competent_city, matter_code, decided, on_time, promise",
    ),
    ("stats_forward", "month, receiving_city, minutes"),
];

/// [`Store::compact_stats`] on a given PostgreSQL connection.
pub(crate) async fn compact_stats_on(conn: &mut AnyConnection) -> Result<()> {
    for (table, keys) in AGGREGATES {
        sqlx::query(&format!(
            "WITH d AS (DELETE FROM {table} WHERE ({keys}) IN \
             (SELECT {keys} FROM {table} GROUP BY {keys} HAVING COUNT(*) > 1) RETURNING *) \
             INSERT INTO {table} SELECT {keys}, SUM(n) FROM d GROUP BY {keys} HAVING SUM(n) <> 0"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Cases by status, from the aggregates the triggers keep.
    pub async fn count_cases_by_status(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(&format!(
            "SELECT status, CAST(SUM(n) AS BIGINT) FROM {CITY_ROWS} GROUP BY status \
                 HAVING SUM(n) <> 0 ORDER BY status"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Totals, decided and on-time counts grouped by one dimension, for cases filed in
    /// `since_month` (YYYY-MM) or later. Reads the pre-aggregated tables.
    pub async fn case_counts_by(&self, column: &str, since_month: &str) -> Result<Vec<GroupCount>> {
        let table = match column {
            "receiving_city" | "competent_city" | "status" => CITY_ROWS,
            "matter_code" => MATTER_ROWS,
            _ => return Err(StoreError::Corrupt(format!("cannot group by {column}"))),
        };
        let rows = sqlx::query(&format!(
            "SELECT {column}, CAST(SUM(n) AS BIGINT), CAST(SUM(n * decided) AS BIGINT), \
             CAST(SUM(n * on_time) AS BIGINT) \
             FROM {table} WHERE month >= $1 GROUP BY {column} HAVING SUM(n) <> 0 \
             ORDER BY SUM(n) DESC, {column}"
        ))
        .bind(since_month)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(GroupCount {
                    key: r.try_get(0)?,
                    total: r.try_get(1)?,
                    decided: r.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
                    on_time: r.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// `(total, cross-province)`: cases filed at a window in another province than the
    /// competent city.
    pub async fn cross_province_count(&self, since_month: &str) -> Result<(i64, i64)> {
        let r = sqlx::query(&format!(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN SUBSTR(receiving_city, 1, 2) \
             <> SUBSTR(competent_city, 1, 2) THEN n ELSE 0 END), 0) AS BIGINT) \
             FROM {CITY_ROWS} WHERE month >= $1",
        ))
        .bind(since_month)
        .fetch_one(&self.pool)
        .await?;
        Ok((r.try_get(0)?, r.try_get(1)?))
    }

    /// Histogram of working days to decision: `(days, count)`.
    pub async fn decision_days_histogram(&self, since_month: &str) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(&format!(
            "SELECT decision_days, CAST(SUM(n) AS BIGINT) FROM {DAYS_ROWS} WHERE month >= $1 \
             GROUP BY decision_days HAVING SUM(n) <> 0 ORDER BY decision_days"
        ))
        .bind(since_month)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Statutory and promised on-time counts of decided cases, by deciding city or matter,
    /// for cases filed in `since_month` or later; most decided first.
    pub async fn limit_counts_by(
        &self,
        column: &str,
        since_month: &str,
    ) -> Result<Vec<LimitCount>> {
        let col = match column {
            "competent_city" | "matter_code" => column,
            _ => return Err(StoreError::Corrupt(format!("cannot group by {column}"))),
        };
        let rows = sqlx::query(&format!(
            "SELECT {col}, CAST(SUM(n) AS BIGINT), CAST(SUM(n * on_time) AS BIGINT), \
             CAST(SUM(CASE WHEN promise > 0 THEN n ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN promise = 1 THEN n ELSE 0 END) AS BIGINT) \
             FROM {LIMIT_ROWS} WHERE month >= $1 AND decided = 1 GROUP BY {col} \
             HAVING SUM(n) <> 0 ORDER BY SUM(n) DESC, {col}"
        ))
        .bind(since_month)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LimitCount {
                    key: r.try_get(0)?,
                    decided: r.try_get(1)?,
                    on_time: r.try_get(2)?,
                    promised: r.try_get(3)?,
                    kept: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Histogram of minutes from a window's receipt to its forwarding, by receiving city:
    /// `(city, minutes, count)` (minutes bucketed as `0029_promised_limits.sql` says).
    pub async fn forward_histogram(&self, since_month: &str) -> Result<Vec<(String, i64, i64)>> {
        let rows = sqlx::query(&format!(
            "SELECT receiving_city, minutes, CAST(SUM(n) AS BIGINT) FROM {FORWARD_ROWS} \
             WHERE month >= $1 GROUP BY receiving_city, minutes HAVING SUM(n) <> 0 \
             ORDER BY receiving_city, minutes"
        ))
        .bind(since_month)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// Cases per filing month and one city column: `(month, city, total, cross-province)`.
    pub async fn cases_per_month(
        &self,
        column: &str,
        since_month: &str,
    ) -> Result<Vec<(String, String, i64, i64)>> {
        let col = match column {
            "receiving_city" | "competent_city" => column,
            _ => return Err(StoreError::Corrupt(format!("cannot group by {column}"))),
        };
        let rows = sqlx::query(&format!(
            "SELECT month, {col}, CAST(SUM(n) AS BIGINT), CAST(SUM(CASE WHEN SUBSTR(receiving_city, 1, 2) \
             <> SUBSTR(competent_city, 1, 2) THEN n ELSE 0 END) AS BIGINT) FROM {CITY_ROWS} \
             WHERE month >= $1 GROUP BY month, {col} HAVING SUM(n) <> 0 ORDER BY month, {col}"
        ))
        .bind(since_month)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    /// Folds PostgreSQL's delta rows into one row per key (SQLite keeps one row per key
    /// already). Only keys with more than one row are rewritten, not the whole table (after a
    /// load run on the 100,000-case demo: 27 ms instead of 48 ms for `stats_city`, 5 rows
    /// written instead of 4,949, and as many fewer dead rows for vacuum). Safe to run while
    /// cases are being written, and beside another compaction: a row deleted by one is not
    /// returned to the other.
    pub async fn compact_stats(&self) -> Result<()> {
        if self.backend != crate::Backend::Postgres {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        compact_stats_on(&mut conn).await
    }

    /// The counts of the cases `city` decides (for the joint office's node).
    pub async fn node_figures(&self, city: &str, now_ms: i64) -> Result<NodeFigures> {
        let c = city.to_string();
        Ok(NodeFigures {
            city: c.clone(),
            computed_ms: now_ms,
            by_city: sqlx::query_as(city_scan!(" WHERE competent_city = $1"))
                .bind(c.clone())
                .fetch_all(&self.pool)
                .await?,
            by_matter: sqlx::query_as(matter_scan!(" WHERE competent_city = $1"))
                .bind(c.clone())
                .fetch_all(&self.pool)
                .await?,
            by_days: sqlx::query_as(days_scan!(" AND competent_city = $1"))
                .bind(c.clone())
                .fetch_all(&self.pool)
                .await?,
            by_limits: sqlx::query_as(limits_scan!(" WHERE competent_city = $1"))
                .bind(c.clone())
                .fetch_all(&self.pool)
                .await?,
            // The hand-off is the receiving window's: counted by the node that received it.
            by_forward: sqlx::query_as(forward_scan!(" AND receiving_city = $1"))
                .bind(c)
                .fetch_all(&self.pool)
                .await?,
        })
    }

    /// Replaces the counts `sender` sent before with these, unless those were computed later
    /// (a message overtaken by a newer one changes nothing). Whether they were taken.
    pub async fn put_node_figures(
        tx: &mut WriteTx,
        sender: &str,
        f: &NodeFigures,
        received_ms: i64,
    ) -> Result<bool> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let held: Option<i64> =
            sqlx::query_scalar("SELECT computed_ms FROM node_statistics WHERE sender = $1")
                .bind(sender.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        if held.is_some_and(|h| h > f.computed_ms) {
            return Ok(false);
        }
        for t in [
            "node_statistics",
            "fed_stats_city",
            "fed_stats_matter",
            "fed_stats_days",
            "fed_stats_limits",
            "fed_stats_forward",
        ] {
            sqlx::query(&format!("DELETE FROM {t} WHERE sender = $1"))
                .bind(sender.to_string())
                .execute(&mut *conn)
                .await?;
        }
        use crate::tables::{insert_rows, table, Val};
        let t = |name: &str| table(name).ok_or_else(|| StoreError::Corrupt(name.into()));
        insert_rows(
            conn,
            backend,
            t("node_statistics")?,
            &[vec![
                Val::t(sender),
                Val::t(&f.city),
                Val::i(f.computed_ms),
                Val::i(received_ms),
            ]],
        )
        .await?;
        // Each row as sent, the sender first.
        macro_rules! put {
            ($table:literal, $rows:expr, ($($x:ident),+)) => {{
                let rows: Vec<Vec<Val>> = $rows
                    .iter()
                    .map(|($($x),+)| vec![Val::t(sender), $(Val::from($x.clone())),+])
                    .collect();
                insert_rows(&mut *conn, backend, t($table)?, &rows).await?;
            }};
        }
        put!("fed_stats_city", f.by_city, (m, r, c, st, d, o, n));
        put!("fed_stats_matter", f.by_matter, (m, code, d, o, n));
        put!("fed_stats_days", f.by_days, (m, days, n));
        put!("fed_stats_limits", f.by_limits, (m, c, code, d, o, p, n));
        put!("fed_stats_forward", f.by_forward, (m, c, min, n));
        Ok(true)
    }

    /// The nodes whose counts this node holds: node, city, when computed, when received.
    pub async fn node_statistics(&self) -> Result<Vec<(String, String, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT sender, city, computed_ms, received_ms FROM node_statistics ORDER BY sender",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Compares the aggregates with a full scan of `cases`; returns the differences found
    /// (empty when they agree). For tests and `corridor audit stats`.
    pub async fn check_stats(&self) -> Result<Vec<String>> {
        let pairs = [
            (
                "SELECT month, receiving_city, competent_city, status, decided, on_time, CAST(SUM(n) AS BIGINT) \
                 FROM stats_city GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6",
                city_scan!(""),
            ),
            (
                "SELECT month, matter_code, decided, on_time, CAST(SUM(n) AS BIGINT) \
                 FROM stats_matter GROUP BY 1, 2, 3, 4 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4",
                matter_scan!(""),
            ),
            (
                "SELECT month, CAST(decision_days AS BIGINT), CAST(SUM(n) AS BIGINT) FROM stats_days \
                 GROUP BY 1, 2 HAVING SUM(n) <> 0 ORDER BY 1, 2",
                days_scan!(""),
            ),
            (
                "SELECT scope, status, CAST(SUM(n) AS BIGINT) FROM case_counts \
                 GROUP BY 1, 2 HAVING SUM(n) <> 0 ORDER BY 1, 2",
                case_counts_scan!(),
            ),
            (
                "SELECT month, competent_city, matter_code, decided, on_time, promise, \
                 CAST(SUM(n) AS BIGINT) FROM stats_limits GROUP BY 1, 2, 3, 4, 5, 6 \
                 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6",
                limits_scan!(""),
            ),
            (
                "SELECT month, receiving_city, minutes, CAST(SUM(n) AS BIGINT) FROM stats_forward \
                 GROUP BY 1, 2, 3 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3",
                forward_scan!(""),
            ),
        ];
        let mut diffs = Vec::new();
        for (agg, scan) in pairs {
            let fetch = |sql: &'static str| async move {
                let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| {
                                r.try_get::<String, _>(i)
                                    .or_else(|_| r.try_get::<i64, _>(i).map(|v| v.to_string()))
                                    .or_else(|_| r.try_get::<i32, _>(i).map(|v| v.to_string()))
                            })
                            .collect::<std::result::Result<Vec<_>, _>>()
                            .map(|v| v.join(" "))
                    })
                    .collect::<std::result::Result<Vec<_>, sqlx::Error>>()
                    .map_err(StoreError::from)
            };
            let (a, b) = (fetch(agg).await?, fetch(scan).await?);
            let (sa, sb): (std::collections::BTreeSet<_>, std::collections::BTreeSet<_>) =
                (a.into_iter().collect(), b.into_iter().collect());
            diffs.extend(sa.difference(&sb).map(|r| format!("aggregate only: {r}")));
            diffs.extend(sb.difference(&sa).map(|r| format!("cases only: {r}")));
        }
        Ok(diffs)
    }
}
