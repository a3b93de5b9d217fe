//! The inbox of messages from other nodes (issue #24): a row per (sender, message id), written
//! in the same transaction as the message's effects, and how far each sender's messages about
//! each case have been applied.

use crate::tables::{cols_list, insert_rows, int_at, read_row, table, text_at, Val, TABLES};
use crate::{Result, Store, WriteTx};
use sqlx::{AnyConnection, Row};

/// One message received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRecord {
    pub sender: String,
    pub id: String,
    pub envelope_sha256: String,
    pub kind: String,
    pub case_id: Option<String>,
    pub case_seq: Option<i64>,
    /// The signed envelope as received, base64.
    pub envelope: String,
    pub received_ms: i64,
    /// Null while it waits for an earlier message of its case.
    pub applied_ms: Option<i64>,
    /// The signed receipt sent back, base64.
    pub receipt: String,
}

fn inbox_table() -> &'static crate::Table {
    table("inbox").unwrap_or(&TABLES[0])
}

impl InboxRecord {
    fn to_vals(&self) -> Vec<Val> {
        vec![
            Val::t(&self.sender),
            Val::t(&self.id),
            Val::t(&self.envelope_sha256),
            Val::t(&self.kind),
            Val::ot(self.case_id.clone()),
            Val::Int(self.case_seq),
            Val::t(&self.envelope),
            Val::i(self.received_ms),
            Val::Int(self.applied_ms),
            Val::t(&self.receipt),
        ]
    }

    fn from_vals(v: Vec<Val>) -> InboxRecord {
        let text = |i: usize| text_at(&v, i);
        let int = |i: usize| int_at(&v, i);
        InboxRecord {
            sender: text(0).unwrap_or_default(),
            id: text(1).unwrap_or_default(),
            envelope_sha256: text(2).unwrap_or_default(),
            kind: text(3).unwrap_or_default(),
            case_id: text(4),
            case_seq: int(5),
            envelope: text(6).unwrap_or_default(),
            received_ms: int(7).unwrap_or(0),
            applied_ms: int(8),
            receipt: text(9).unwrap_or_default(),
        }
    }
}

impl Store {
    /// The message held under (sender, id), as `tx` sees it.
    pub async fn inbox_get(
        tx: &mut WriteTx,
        sender: &str,
        id: &str,
    ) -> Result<Option<InboxRecord>> {
        let t = inbox_table();
        let conn: &mut AnyConnection = tx.conn();
        let row = sqlx::query(&format!(
            "SELECT {} FROM inbox WHERE sender = $1 AND id = $2",
            cols_list(t)
        ))
        .bind(sender.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        row.map(|r| Ok(InboxRecord::from_vals(read_row(t, &r)?)))
            .transpose()
    }

    pub async fn inbox_insert(tx: &mut WriteTx, rec: &InboxRecord) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        insert_rows(conn, backend, inbox_table(), &[rec.to_vals()]).await
    }

    /// The waiting message of `case` from `sender` with sequence `seq`, if it has arrived.
    pub async fn inbox_waiting(
        tx: &mut WriteTx,
        sender: &str,
        case: &str,
        seq: i64,
    ) -> Result<Option<InboxRecord>> {
        let t = inbox_table();
        let conn: &mut AnyConnection = tx.conn();
        let row = sqlx::query(&format!(
            "SELECT {} FROM inbox WHERE sender = $1 AND case_id = $2 AND case_seq = $3 \
             AND applied_ms IS NULL",
            cols_list(t)
        ))
        .bind(sender.to_string())
        .bind(case.to_string())
        .bind(seq)
        .fetch_optional(&mut *conn)
        .await?;
        row.map(|r| Ok(InboxRecord::from_vals(read_row(t, &r)?)))
            .transpose()
    }

    /// Marks a message applied, with the receipt that now says so.
    pub async fn inbox_applied(
        tx: &mut WriteTx,
        sender: &str,
        id: &str,
        at_ms: i64,
        receipt: &str,
    ) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        sqlx::query("UPDATE inbox SET applied_ms = $1, receipt = $2 WHERE sender = $3 AND id = $4")
            .bind(at_ms)
            .bind(receipt.to_string())
            .bind(sender.to_string())
            .bind(id.to_string())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// The sequence number applied last of `sender`'s messages about `case` (0: none).
    pub async fn inbox_stream(tx: &mut WriteTx, sender: &str, case: &str) -> Result<i64> {
        let conn: &mut AnyConnection = tx.conn();
        let seq: Option<i64> = sqlx::query_scalar(
            "SELECT applied_seq FROM inbox_streams WHERE sender = $1 AND case_id = $2",
        )
        .bind(sender.to_string())
        .bind(case.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        Ok(seq.unwrap_or(0))
    }

    pub async fn set_inbox_stream(
        tx: &mut WriteTx,
        sender: &str,
        case: &str,
        seq: i64,
    ) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        sqlx::query(
            "INSERT INTO inbox_streams (sender, case_id, applied_seq) VALUES ($1, $2, $3) \
             ON CONFLICT (sender, case_id) DO UPDATE SET applied_seq = excluded.applied_seq",
        )
        .bind(sender.to_string())
        .bind(case.to_string())
        .bind(seq)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The messages held from `sender` under these ids, as `tx` sees them (a batch's look-up).
    pub async fn inbox_get_many(
        tx: &mut WriteTx,
        sender: &str,
        ids: &[String],
    ) -> Result<Vec<InboxRecord>> {
        let t = inbox_table();
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT {} FROM inbox WHERE sender = $1 AND id IN ({})",
                cols_list(t),
                crate::tables::params(2, chunk.len())
            );
            let mut q = sqlx::query(&sql).bind(sender.to_string());
            for id in chunk {
                q = q.bind(id.clone());
            }
            let conn: &mut AnyConnection = tx.conn();
            for r in q.fetch_all(&mut *conn).await? {
                out.push(InboxRecord::from_vals(read_row(t, &r)?));
            }
        }
        Ok(out)
    }

    /// How far `sender`'s messages about each of these cases were applied (cases with none
    /// applied are left out), and the messages of theirs that wait.
    pub async fn inbox_streams_of(
        tx: &mut WriteTx,
        sender: &str,
        cases: &[String],
    ) -> Result<(Vec<(String, i64)>, Vec<InboxRecord>)> {
        let t = inbox_table();
        let (mut done, mut waiting) = (Vec::new(), Vec::new());
        for chunk in cases.chunks(500) {
            let list = crate::tables::params(2, chunk.len());
            let sql = format!(
                "SELECT case_id, applied_seq FROM inbox_streams WHERE sender = $1 \
                 AND case_id IN ({list})"
            );
            let mut q = sqlx::query(&sql).bind(sender.to_string());
            for c in chunk {
                q = q.bind(c.clone());
            }
            let conn: &mut AnyConnection = tx.conn();
            for r in q.fetch_all(&mut *conn).await? {
                done.push((r.try_get(0)?, r.try_get(1)?));
            }
            let sql = format!(
                "SELECT {} FROM inbox WHERE sender = $1 AND case_id IN ({list}) \
                 AND applied_ms IS NULL ORDER BY case_id, case_seq",
                cols_list(t)
            );
            let mut q = sqlx::query(&sql).bind(sender.to_string());
            for c in chunk {
                q = q.bind(c.clone());
            }
            for r in q.fetch_all(&mut *conn).await? {
                waiting.push(InboxRecord::from_vals(read_row(t, &r)?));
            }
        }
        Ok((done, waiting))
    }

    /// Stores many messages received (a batch).
    pub async fn inbox_insert_many(tx: &mut WriteTx, recs: &[InboxRecord]) -> Result<()> {
        if recs.is_empty() {
            return Ok(());
        }
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let rows: Vec<_> = recs.iter().map(InboxRecord::to_vals).collect();
        insert_rows(conn, backend, inbox_table(), &rows).await
    }

    /// Sets how far each (sender, case) was applied (a batch).
    pub async fn set_inbox_streams(
        tx: &mut WriteTx,
        moved: &[(String, String, i64)],
    ) -> Result<()> {
        for chunk in moved.chunks(300) {
            let mut sql =
                String::from("INSERT INTO inbox_streams (sender, case_id, applied_seq) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
            }
            sql.push_str(
                " ON CONFLICT (sender, case_id) DO UPDATE SET applied_seq = excluded.applied_seq",
            );
            let mut q = sqlx::query(&sql);
            for (s, c, seq) in chunk {
                q = q.bind(s.clone()).bind(c.clone()).bind(*seq);
            }
            let conn: &mut AnyConnection = tx.conn();
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// How many cases have messages applied here (from any sender): a light look, for
    /// benchmarks and tests, at the small table of streams rather than the messages.
    pub async fn inbox_cases_applied(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM inbox_streams")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The case and the time each applied message of a kind was applied.
    pub async fn inbox_applied_times(&self, kind: &str) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT case_id, applied_ms FROM inbox WHERE kind = $1 AND applied_ms IS NOT NULL \
             AND case_id IS NOT NULL",
        )
        .bind(kind.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Every message received, oldest first (for operators and tests).
    pub async fn inbox_all(&self) -> Result<Vec<InboxRecord>> {
        self.inbox_where("1 = 1").await
    }

    /// The messages kept until the one before them arrives (not applied yet).
    pub async fn inbox_waiting_all(&self) -> Result<Vec<InboxRecord>> {
        self.inbox_where("applied_ms IS NULL").await
    }

    async fn inbox_where(&self, cond: &str) -> Result<Vec<InboxRecord>> {
        let t = inbox_table();
        let rows = sqlx::query(&format!(
            "SELECT {} FROM inbox WHERE {cond} ORDER BY received_ms, sender, id",
            cols_list(t)
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(InboxRecord::from_vals(read_row(t, r)?)))
            .collect()
    }
}
