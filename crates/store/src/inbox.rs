//! The inbox of messages from other nodes (issue #24): a row per (sender, message id), written
//! in the same transaction as the message's effects, and how far each sender's messages about
//! each case have been applied.

use crate::tables::{cols_list, insert_rows, int_at, read_row, table, text_at, Val, TABLES};
use crate::{Result, Store, WriteTx};
use sqlx::AnyConnection;

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

    /// Every message received, oldest first (for operators and tests).
    pub async fn inbox_all(&self) -> Result<Vec<InboxRecord>> {
        let t = inbox_table();
        let rows = sqlx::query(&format!(
            "SELECT {} FROM inbox ORDER BY received_ms, sender, id",
            cols_list(t)
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(InboxRecord::from_vals(read_row(t, r)?)))
            .collect()
    }
}
