//! The bulk loader (demo data): a connection of its own, deferred indexes and statistics.

use crate::tables::Val;
use crate::*;
use std::path::Path;

/// Rows for one table in a [`Bulk::write`]; `upsert` is an `ON CONFLICT` clause, if any.
pub struct Part {
    pub table: &'static Table,
    pub rows: Vec<Vec<Val>>,
    pub upsert: Option<&'static str>,
}

/// A bulk load (demo data) on a connection of its own. Each [`Bulk::write`] is one transaction
/// and, as everywhere, durable when it returns (`synchronous=FULL`: an fsync per transaction;
/// PostgreSQL's default fsync).
///
/// On a SQLite file the loader opens the file directly with rusqlite and inserts row by row
/// through cached prepared statements, with a 1 GiB page cache (a load of many gigabytes does
/// not read its index pages back from the OS) and rarer checkpoints. sqlx's `Any` driver copies
/// every value on its way to SQLite; with the demo's 20,000-case transactions, 300,000 cases
/// took 53 s this way against 68 s through sqlx (docs/PERFORMANCE.md, "Demo data").
/// Elsewhere (PostgreSQL, in-memory SQLite) it uses multi-row statements on a pool connection.
///
/// A deferred load (`Store::bulk(true)`, SQLite file or PostgreSQL) first drops the non-unique
/// indexes and the statistics triggers of `cases`, in one transaction that also records their
/// definitions in the table `bulk_deferred`. Every row then goes into the table alone;
/// [`Bulk::finish`] rebuilds the statistics from `cases` in one scan, recreates each index by
/// one sort and the triggers, and drops `bulk_deferred`, all in one transaction. If the load is interrupted
/// (a crash, a failed write), the next [`Store::connect`] finds `bulk_deferred` and does the
/// same before anything else: a store is never left without its indexes or with statistics
/// that disagree with its cases. Unique indexes stay, so no duplicate can slip in.
pub struct Bulk {
    pub(crate) inner: BulkConn,
}

pub(crate) enum BulkConn {
    /// `None` only while a write runs on the blocking pool.
    Sqlite(Option<rusqlite::Connection>),
    Pool(sqlx::pool::PoolConnection<Any>, Backend),
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Val::Int(Some(n)) => ToSqlOutput::Owned(Value::Integer(*n)),
            Val::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Val::Int(None) | Val::Text(None) => ToSqlOutput::Owned(Value::Null),
        })
    }
}

impl Bulk {
    /// Writes every part, in order, in one transaction.
    pub async fn write(&mut self, parts: Vec<Part>) -> Result<()> {
        match &mut self.inner {
            BulkConn::Sqlite(slot) => {
                for p in &parts {
                    tables::check_rows(p.table, &p.rows)?;
                }
                let mut conn = slot.take().ok_or_else(|| {
                    StoreError::Corrupt("bulk loader: an earlier write failed".into())
                })?;
                let (conn, res) = tokio::task::spawn_blocking(move || {
                    let res = sqlite_write(&mut conn, &parts);
                    (conn, res)
                })
                .await
                .map_err(|e| StoreError::Corrupt(format!("bulk loader: {e}")))?;
                *slot = Some(conn);
                res
            }
            BulkConn::Pool(conn, backend) => {
                let backend = *backend;
                let mut tx = match backend {
                    Backend::Sqlite => {
                        sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await?
                    }
                    Backend::Postgres => sqlx::Connection::begin(&mut **conn).await?,
                };
                for p in &parts {
                    tables::insert_rows_upsert(
                        &mut tx,
                        backend,
                        p.table,
                        &p.rows,
                        p.upsert.unwrap_or(""),
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// Ends the load: rebuilds what a deferred load dropped, then closes its own connection
    /// (or gives the pool's back). On PostgreSQL it also folds any statistics delta rows (a
    /// load that was not deferred writes one or more per case: after a 100,000-case demo the
    /// first statistics request spent 0.9 s folding them) and vacuums and analyzes the loaded
    /// tables.
    pub async fn finish(self) -> Result<()> {
        match self.inner {
            BulkConn::Sqlite(Some(mut conn)) => {
                tokio::task::spawn_blocking(move || -> Result<()> {
                    sqlite_restore(&mut conn)?;
                    conn.close().map_err(|(_, e)| StoreError::Bulk(e))
                })
                .await
                .map_err(|e| StoreError::Corrupt(format!("bulk loader: {e}")))??;
            }
            BulkConn::Sqlite(None) => {}
            BulkConn::Pool(mut conn, backend) => {
                if backend == Backend::Postgres {
                    pg_restore(&mut conn).await?;
                    crate::compact_stats_on(&mut conn).await?;
                    // VACUUM also sets the visibility map of the new pages, without which
                    // every index-only scan (the lists' capped counts) reads the table too:
                    // at 1,000,000 cases the applicant's list took 36 ms instead of 4.5.
                    sqlx::raw_sql(
                        "VACUUM (ANALYZE) cases, audit_events, audit_heads, licences, \
                         receipt_counters, stats_city, stats_matter, stats_days, case_counts, \
                         stats_limits, stats_forward",
                    )
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
        Ok(())
    }
}

/// The bulk loader's own connection: the pool's settings, a 1 GiB page cache (a load of many
/// gigabytes does not read its index pages back from the OS), rarer checkpoints, and two
/// sorter threads for index builds.
pub(crate) fn bulk_connection(path: &Path) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(&format!(
        "{SQLITE_PRAGMAS} PRAGMA cache_size=-1048576; PRAGMA wal_autocheckpoint=100000; \
         PRAGMA threads=2;"
    ))?;
    Ok(conn)
}

/// Drops the non-unique indexes and the triggers of `cases`, recording them in
/// `bulk_deferred` in the same transaction (see [`Bulk`]).
pub(crate) fn sqlite_defer(conn: &mut rusqlite::Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS bulk_deferred \
         (name TEXT PRIMARY KEY, type TEXT NOT NULL, sql TEXT NOT NULL)",
    )?;
    let objects: Vec<(String, String, String)> = tx
        .prepare(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'cases' \
             AND type IN ('index', 'trigger') AND sql IS NOT NULL \
             AND upper(sql) NOT LIKE 'CREATE UNIQUE%'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (ty, name, sql) in &objects {
        tx.execute(
            "INSERT INTO bulk_deferred (name, type, sql) VALUES (?1, ?2, ?3)",
            (name, ty, sql),
        )?;
        let what = if ty == "index" { "INDEX" } else { "TRIGGER" };
        tx.execute_batch(&format!("DROP {what} \"{}\"", name.replace('"', "\"\"")))?;
    }
    tx.commit()?;
    Ok(())
}

/// The statistics tables recomputed from `cases` in one scan (the same aggregates as the
/// triggers of migration 0003 keep), and the case counts of 0010, on either database.
pub(crate) const STATS_REBUILD: &str = concat!(
    "
DELETE FROM stats_city; DELETE FROM stats_matter; DELETE FROM stats_days;
CREATE TEMP TABLE bulk_stats AS
  SELECT substr(filed_on, 1, 7) AS month, receiving_city, competent_city, status, matter_code,
         CASE WHEN decided_on IS NOT NULL THEN 1 ELSE 0 END AS decided,
         CASE WHEN decided_on IS NOT NULL AND decided_on <= deadline THEN 1 ELSE 0 END AS on_time,
         decision_days, COUNT(*) AS n
  FROM cases GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
INSERT INTO stats_city SELECT month, receiving_city, competent_city, status, decided, on_time, SUM(n)
  FROM bulk_stats GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO stats_matter SELECT month, matter_code, decided, on_time, SUM(n)
  FROM bulk_stats GROUP BY 1, 2, 3, 4;
INSERT INTO stats_days SELECT month, decision_days, SUM(n)
  FROM bulk_stats WHERE decision_days IS NOT NULL GROUP BY 1, 2;
DROP TABLE bulk_stats;
DELETE FROM stats_limits; DELETE FROM stats_forward;
INSERT INTO stats_limits ",
    limits_scan!(""),
    ";
INSERT INTO stats_forward ",
    forward_scan!(""),
    ";
DELETE FROM case_counts;
INSERT INTO case_counts ",
    case_counts_scan!(),
    ";
"
);

/// Undoes [`sqlite_defer`], if it ran: statistics from `cases`, then the recorded indexes and
/// triggers, in one transaction that ends by dropping `bulk_deferred`.
pub(crate) fn sqlite_restore(conn: &mut rusqlite::Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let pending: i64 = tx.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'bulk_deferred'",
        [],
        |r| r.get(0),
    )?;
    if pending == 0 {
        return Ok(());
    }
    let objects: Vec<String> = tx
        .prepare("SELECT sql FROM bulk_deferred ORDER BY type, name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    tx.execute_batch(STATS_REBUILD)?;
    for sql in &objects {
        tx.execute_batch(sql)?;
    }
    tx.execute_batch("DROP TABLE bulk_deferred")?;
    tx.commit()?;
    Ok(())
}

/// PostgreSQL's deferrable objects on `cases`: its non-unique indexes and its triggers, each
/// with the statement that recreates it.
pub(crate) const PG_DEFERRABLE: &str = "\
    SELECT CAST('index' AS TEXT), CAST(indexname AS TEXT), indexdef FROM pg_indexes \
     WHERE schemaname = current_schema() AND tablename = 'cases' \
       AND indexdef NOT LIKE 'CREATE UNIQUE%' \
    UNION ALL \
    SELECT CAST('trigger' AS TEXT), CAST(tgname AS TEXT), pg_get_triggerdef(oid) FROM pg_trigger \
     WHERE tgrelid = CAST('cases' AS regclass) AND NOT tgisinternal";

/// [`sqlite_defer`] for PostgreSQL: the same objects dropped and recorded in one transaction.
pub(crate) async fn pg_defer(conn: &mut sqlx::AnyConnection) -> Result<()> {
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bulk_deferred \
         (name TEXT PRIMARY KEY, type TEXT NOT NULL, sql TEXT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    let objects: Vec<(String, String, String)> =
        sqlx::query_as(PG_DEFERRABLE).fetch_all(&mut *tx).await?;
    for (ty, name, sql) in &objects {
        sqlx::query("INSERT INTO bulk_deferred (name, type, sql) VALUES ($1, $2, $3)")
            .bind(name.clone())
            .bind(ty.clone())
            .bind(sql.clone())
            .execute(&mut *tx)
            .await?;
        let quoted = name.replace('"', "\"\"");
        let drop = if ty == "index" {
            format!("DROP INDEX \"{quoted}\"")
        } else {
            format!("DROP TRIGGER \"{quoted}\" ON cases")
        };
        sqlx::raw_sql(&drop).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// [`sqlite_restore`] for PostgreSQL. Writers to `cases` wait for it (their inserts would
/// otherwise miss both the statistics scan and the triggers not yet recreated). Returns
/// whether there was anything to restore.
pub(crate) async fn pg_restore(conn: &mut sqlx::AnyConnection) -> Result<bool> {
    const PENDING: &str = "SELECT COUNT(*) FROM information_schema.tables \
                           WHERE table_schema = current_schema() AND table_name = 'bulk_deferred'";
    let pending: i64 = sqlx::query_scalar(PENDING).fetch_one(&mut *conn).await?;
    if pending == 0 {
        return Ok(false);
    }
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    sqlx::raw_sql("LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    // Another process may have finished it while this one waited for the lock.
    let pending: i64 = sqlx::query_scalar(PENDING).fetch_one(&mut *tx).await?;
    if pending == 0 {
        return Ok(false);
    }
    let objects: Vec<String> =
        sqlx::query_scalar("SELECT sql FROM bulk_deferred ORDER BY type, name")
            .fetch_all(&mut *tx)
            .await?;
    sqlx::raw_sql(STATS_REBUILD).execute(&mut *tx).await?;
    for sql in &objects {
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
    }
    sqlx::raw_sql("DROP TABLE bulk_deferred")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

pub(crate) fn sqlite_write(conn: &mut rusqlite::Connection, parts: &[Part]) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for p in parts {
        let marks = vec!["?"; p.table.cols.len()].join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({marks}) {}",
            p.table.name,
            tables::cols_list(p.table),
            p.upsert.unwrap_or("")
        );
        let mut st = tx.prepare_cached(&sql)?;
        for row in &p.rows {
            st.execute(rusqlite::params_from_iter(row.iter()))?;
        }
    }
    tx.commit()?;
    Ok(())
}
