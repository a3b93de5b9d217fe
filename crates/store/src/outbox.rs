//! The outbox of messages to other nodes (issue #24): a row per message, written in the same
//! transaction as the change it reports, until the recipient's signed receipt is kept.

use crate::tables::{cols_list, insert_rows, int_at, read_row, table, text_at, Val, TABLES};
use crate::{Result, Store, WriteTx};
use sqlx::{AnyConnection, Row};

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    pub id: String,
    pub recipient: String,
    pub kind: String,
    pub case_id: Option<String>,
    pub case_seq: Option<i64>,
    /// The signed envelope, base64.
    pub envelope: String,
    pub created_ms: i64,
    pub attempts: i64,
    pub next_attempt_ms: i64,
    pub last_error: Option<String>,
    pub delivered_ms: Option<i64>,
    /// The recipient's signed receipt, base64.
    pub receipt: Option<String>,
    pub parked_ms: Option<i64>,
}

fn outbox_table() -> &'static crate::Table {
    table("outbox").unwrap_or(&TABLES[0])
}

impl OutboxRecord {
    fn to_vals(&self) -> Vec<Val> {
        vec![
            Val::t(&self.id),
            Val::t(&self.recipient),
            Val::t(&self.kind),
            Val::ot(self.case_id.clone()),
            Val::Int(self.case_seq),
            Val::t(&self.envelope),
            Val::i(self.created_ms),
            Val::i(self.attempts),
            Val::i(self.next_attempt_ms),
            Val::ot(self.last_error.clone()),
            Val::Int(self.delivered_ms),
            Val::ot(self.receipt.clone()),
            Val::Int(self.parked_ms),
        ]
    }

    fn from_vals(v: Vec<Val>) -> OutboxRecord {
        OutboxRecord {
            id: text_at(&v, 0).unwrap_or_default(),
            recipient: text_at(&v, 1).unwrap_or_default(),
            kind: text_at(&v, 2).unwrap_or_default(),
            case_id: text_at(&v, 3),
            case_seq: int_at(&v, 4),
            envelope: text_at(&v, 5).unwrap_or_default(),
            created_ms: int_at(&v, 6).unwrap_or(0),
            attempts: int_at(&v, 7).unwrap_or(0),
            next_attempt_ms: int_at(&v, 8).unwrap_or(0),
            last_error: text_at(&v, 9),
            delivered_ms: int_at(&v, 10),
            receipt: text_at(&v, 11),
            parked_ms: int_at(&v, 12),
        }
    }
}

/// How many messages are waiting, parked and delivered (for `/metrics` and operators).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub waiting: i64,
    pub parked: i64,
    pub delivered: i64,
}

impl Store {
    /// Writes many messages (a batch).
    pub async fn outbox_insert_many(tx: &mut WriteTx, recs: &[OutboxRecord]) -> Result<()> {
        if recs.is_empty() {
            return Ok(());
        }
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let rows: Vec<_> = recs.iter().map(OutboxRecord::to_vals).collect();
        insert_rows(conn, backend, outbox_table(), &rows).await
    }

    /// The last sequence number of each of these cases' messages to `recipient` (cases with
    /// none are left out).
    pub async fn outbox_last_seqs(
        tx: &mut WriteTx,
        recipient: &str,
        cases: &[String],
    ) -> Result<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for chunk in cases.chunks(500) {
            let list = crate::tables::params(2, chunk.len());
            let sql = format!(
                "SELECT case_id, MAX(case_seq) FROM outbox WHERE recipient = $1 \
                 AND case_id IN ({list}) GROUP BY case_id"
            );
            let mut q = sqlx::query(&sql).bind(recipient.to_string());
            for c in chunk {
                q = q.bind(c.clone());
            }
            let conn: &mut AnyConnection = tx.conn();
            for r in q.fetch_all(&mut *conn).await? {
                let seq: Option<i64> = r.try_get(1)?;
                out.push((r.try_get(0)?, seq.unwrap_or(0)));
            }
        }
        Ok(out)
    }

    async fn outbox_where(
        &self,
        cond: &str,
        bind: Option<i64>,
        limit: i64,
    ) -> Result<Vec<OutboxRecord>> {
        let t = outbox_table();
        let sql = format!(
            "SELECT {} FROM outbox WHERE {cond} ORDER BY created_ms, id LIMIT {limit}",
            cols_list(t)
        );
        let mut q = sqlx::query(&sql);
        if let Some(b) = bind {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(OutboxRecord::from_vals(read_row(t, r)?)))
            .collect()
    }

    /// Messages due for a (new) attempt at `now`: not delivered, not parked, oldest first.
    pub async fn outbox_due(&self, now: i64, limit: i64) -> Result<Vec<OutboxRecord>> {
        self.outbox_where(
            "delivered_ms IS NULL AND parked_ms IS NULL AND next_attempt_ms <= $1",
            Some(now),
            limit.clamp(1, 1000),
        )
        .await
    }

    /// The parked messages, oldest first.
    pub async fn outbox_parked(&self, limit: i64) -> Result<Vec<OutboxRecord>> {
        self.outbox_where("parked_ms IS NOT NULL", None, limit.clamp(1, 10_000))
            .await
    }

    pub async fn outbox_get(&self, id: &str) -> Result<Option<OutboxRecord>> {
        let t = outbox_table();
        let row = sqlx::query(&format!(
            "SELECT {} FROM outbox WHERE id = $1",
            cols_list(t)
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok(OutboxRecord::from_vals(read_row(t, &r)?)))
            .transpose()
    }

    /// Records an attempt's end: delivered with the receipt, or failed with the next attempt's
    /// time (or parked).
    pub async fn outbox_attempted(
        tx: &mut WriteTx,
        id: &str,
        outcome: &AttemptOutcome,
    ) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        let q = match outcome {
            AttemptOutcome::Delivered { at_ms, receipt } => sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, delivered_ms = $1, receipt = $2, \
                 last_error = NULL WHERE id = $3",
            )
            .bind(*at_ms)
            .bind(receipt.clone()),
            AttemptOutcome::Failed { next_ms, error } => sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = $1, \
                 last_error = $2 WHERE id = $3",
            )
            .bind(*next_ms)
            .bind(error.clone()),
            AttemptOutcome::Parked { at_ms, error } => sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, parked_ms = $1, last_error = $2 \
                 WHERE id = $3",
            )
            .bind(*at_ms)
            .bind(error.clone()),
            AttemptOutcome::Replay { at_ms } => sqlx::query(
                "UPDATE outbox SET parked_ms = NULL, next_attempt_ms = $1, created_ms = $1 \
                 WHERE id = $2 AND parked_ms IS NOT NULL",
            )
            .bind(*at_ms),
            AttemptOutcome::Resealed { at_ms, envelope } => sqlx::query(
                "UPDATE outbox SET parked_ms = NULL, next_attempt_ms = $1, created_ms = $1, \
                 envelope = $2 WHERE id = $3 AND parked_ms IS NOT NULL",
            )
            .bind(*at_ms)
            .bind(envelope.clone()),
        };
        q.bind(id.to_string()).execute(&mut *conn).await?;
        Ok(())
    }

    /// Records many deliveries in one statement (a pass's): each message's time and receipt.
    pub async fn outbox_delivered_many(
        tx: &mut WriteTx,
        delivered: &[(String, i64, String)],
    ) -> Result<()> {
        for chunk in delivered.chunks(300) {
            let values = (0..chunk.len())
                .map(|i| {
                    format!(
                        "(${}, CAST(${} AS BIGINT), ${})",
                        3 * i + 1,
                        3 * i + 2,
                        3 * i + 3
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "UPDATE outbox SET attempts = attempts + 1, delivered_ms = v.column2, \
                 receipt = v.column3, last_error = NULL FROM (VALUES {values}) AS v \
                 WHERE outbox.id = v.column1"
            );
            let mut q = sqlx::query(&sql);
            for (id, at, receipt) in chunk {
                q = q.bind(id.clone()).bind(*at).bind(receipt.clone());
            }
            let conn: &mut AnyConnection = tx.conn();
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// A recipient answered again: its waiting messages come due now instead of at the end
    /// of their back-off (a node back after an outage gets its backlog at once).
    pub async fn outbox_wake(tx: &mut WriteTx, recipient: &str, now: i64) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        sqlx::query(
            "UPDATE outbox SET next_attempt_ms = $1 WHERE recipient = $2 \
             AND delivered_ms IS NULL AND parked_ms IS NULL AND next_attempt_ms > $1",
        )
        .bind(now)
        .bind(recipient.to_string())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let (w, p, d): (i64, i64, i64) = sqlx::query_as(
            "SELECT \
             CAST(COALESCE(SUM(CASE WHEN delivered_ms IS NULL AND parked_ms IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN parked_ms IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN delivered_ms IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM outbox",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(OutboxCounts {
            waiting: w,
            parked: p,
            delivered: d,
        })
    }
}

/// How an attempt ended (or an operator's replay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered {
        at_ms: i64,
        receipt: String,
    },
    Failed {
        next_ms: i64,
        error: String,
    },
    Parked {
        at_ms: i64,
        error: String,
    },
    Replay {
        at_ms: i64,
    },
    /// Replayed sealed again under the node's key in service (the envelope, base64): the same
    /// message, made now.
    Resealed {
        at_ms: i64,
        envelope: String,
    },
}
