//! Audit chains: appending, stream heads, reading and walking.

use crate::tables::{insert_rows, table, Val, TABLES};
use crate::*;
use corridor_domain::audit::{AuditEvent, Entry, GENESIS};
use futures::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

pub(crate) fn event_from_row(r: &AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        id: r.try_get(0)?,
        stream: r.try_get(1)?,
        seq: r.try_get(2)?,
        at_ms: r.try_get(3)?,
        actor: r.try_get(4)?,
        role: r.try_get(5)?,
        action: r.try_get(6)?,
        before: r.try_get(7)?,
        after: r.try_get(8)?,
        prev_hash: r.try_get(9)?,
        hash: r.try_get(10)?,
    })
}

/// An audit event as the values of an `audit_events` row.
pub fn event_vals(e: &AuditEvent) -> Vec<Val> {
    vec![
        Val::t(&e.id),
        Val::t(&e.stream),
        Val::i(e.seq),
        Val::i(e.at_ms),
        Val::t(&e.actor),
        Val::t(&e.role),
        Val::t(&e.action),
        Val::t(&e.before),
        Val::t(&e.after),
        Val::t(&e.prev_hash),
        Val::t(&e.hash),
    ]
}

/// The `ON CONFLICT` clause that moves an audit stream's head forward.
pub const HEAD_UPSERT: &str =
    "ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash";

impl Store {
    // ---------- audit ----------

    /// Appends an event that the system records of itself (keys, accounts) to `stream`: the
    /// actor and role are `system` and there is no state before.
    pub async fn append_system_event(
        tx: &mut WriteTx,
        stream: &str,
        at_ms: i64,
        action: &str,
        after: &serde_json::Value,
    ) -> Result<AuditEvent> {
        Store::append_event(
            tx,
            stream,
            at_ms,
            "system",
            "system",
            action,
            "{}".into(),
            after.to_string(),
        )
        .await
    }

    /// Appends an event to a stream's chain inside the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn append_event(
        tx: &mut WriteTx,
        stream: &str,
        at_ms: i64,
        actor: &str,
        role: &str,
        action: &str,
        before: String,
        after: String,
    ) -> Result<AuditEvent> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        // Serialise appends to one stream: make sure the head row exists, then lock it
        // (PostgreSQL; SQLite writers already hold the database lock from BEGIN IMMEDIATE).
        let lock = if backend == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        sqlx::query("INSERT INTO audit_heads (stream, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (stream) DO NOTHING")
            .bind(stream.to_string())
            .bind(GENESIS.to_string())
            .execute(&mut *conn)
            .await?;
        let head = sqlx::query(&format!(
            "SELECT seq, hash FROM audit_heads WHERE stream = $1{lock}"
        ))
        .bind(stream.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        let (seq, prev) = match head {
            Some(r) => (r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?),
            None => (0, GENESIS.to_string()),
        };
        let entry = Entry {
            actor,
            role,
            action,
            before,
            after,
        };
        let ev = AuditEvent::follow(
            Uuid::now_v7().to_string(),
            stream,
            (seq, prev),
            at_ms,
            entry,
        );
        Store::insert_events(tx, std::slice::from_ref(&ev)).await?;
        Store::put_heads(tx, &[(stream.to_string(), ev.seq, ev.hash.clone())]).await?;
        Ok(ev)
    }

    /// The heads of these streams (those that exist), locked for this transaction on
    /// PostgreSQL (SQLite writers hold the database lock already): a batch of appends to
    /// several streams reads them in one query.
    pub async fn lock_heads(
        tx: &mut WriteTx,
        streams: &[String],
    ) -> Result<std::collections::HashMap<String, (i64, String)>> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let lock = if backend == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let mut out = std::collections::HashMap::with_capacity(streams.len());
        for chunk in streams.chunks(500) {
            let list = crate::tables::params(1, chunk.len());
            let sql =
                format!("SELECT stream, seq, hash FROM audit_heads WHERE stream IN ({list}){lock}");
            let mut q = sqlx::query(&sql);
            for st in chunk {
                q = q.bind(st.as_str());
            }
            for r in q.fetch_all(&mut *conn).await? {
                out.insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?));
            }
        }
        Ok(out)
    }

    /// Inserts already-sealed events (bulk intake and demo data).
    pub async fn insert_events(tx: &mut WriteTx, evs: &[AuditEvent]) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let rows: Vec<Vec<Val>> = evs.iter().map(event_vals).collect();
        insert_rows(
            conn,
            backend,
            table("audit_events").unwrap_or(&TABLES[0]),
            &rows,
        )
        .await
    }

    /// Sets stream heads (insert or update).
    pub async fn put_heads(tx: &mut WriteTx, heads: &[(String, i64, String)]) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        // Positional `?` on SQLite (it looks `$N` names up linearly), `$N` on PostgreSQL.
        let positional = backend == Backend::Sqlite;
        for chunk in heads.chunks(crate::tables::MAX_PARAMS / 3) {
            let mut sql = String::from("INSERT INTO audit_heads (stream, seq, hash) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                if positional {
                    sql.push_str("(?, ?, ?)");
                } else {
                    sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
                }
            }
            sql.push(' ');
            sql.push_str(HEAD_UPSERT);
            let mut q = sqlx::query(&sql);
            for (s, seq, h) in chunk {
                q = q.bind(s.clone()).bind(*seq).bind(h.clone());
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    pub async fn events_of(&self, stream: &str) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, stream, seq, at_ms, actor, role, action, before_doc, after_doc, prev_hash, hash \
             FROM audit_events WHERE stream = $1 ORDER BY seq",
        )
        .bind(stream.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Walks every stream in order, calling `f` with each stream's events and head.
    pub async fn for_each_stream<F>(&self, mut f: F) -> Result<u64>
    where
        F: FnMut(&str, &[AuditEvent], Option<(i64, &str)>) -> bool,
    {
        let mut heads: std::collections::BTreeMap<String, (i64, String)> =
            sqlx::query("SELECT stream, seq, hash FROM audit_heads")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
                .collect::<Result<_>>()?;
        let mut rows = sqlx::query(
            "SELECT id, stream, seq, at_ms, actor, role, action, before_doc, after_doc, prev_hash, hash \
             FROM audit_events ORDER BY stream, seq",
        )
        .fetch(&self.pool);
        let mut current: Vec<AuditEvent> = Vec::new();
        let mut n = 0u64;
        let mut go_on = true;
        while let Some(r) = rows.try_next().await? {
            let e = event_from_row(&r)?;
            n += 1;
            if current.first().is_some_and(|c| c.stream != e.stream) {
                let s = current[0].stream.clone();
                let h = heads.remove(&s);
                if !f(&s, &current, h.as_ref().map(|(a, b)| (*a, b.as_str()))) {
                    go_on = false;
                    break;
                }
                current.clear();
            }
            current.push(e);
        }
        drop(rows);
        if go_on && !current.is_empty() {
            let s = current[0].stream.clone();
            let h = heads.remove(&s);
            go_on = f(&s, &current, h.as_ref().map(|(a, b)| (*a, b.as_str())));
        }
        // Heads whose events are all gone.
        if go_on {
            for (s, (seq, hash)) in heads {
                if !f(&s, &[], Some((seq, &hash))) {
                    break;
                }
            }
        }
        Ok(n)
    }

    /// Cases whose audit chain has no head at all (the whole chain was deleted).
    pub async fn cases_without_chain(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT c.id FROM cases c WHERE NOT EXISTS \
             (SELECT 1 FROM audit_heads h WHERE h.stream = 'case:' || c.id) ORDER BY c.id LIMIT 10",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
