//! Corridor's storage: one SQL implementation over `sqlx::Any` that runs on SQLite (embedded
//! default) and PostgreSQL, chosen at run time from the URL scheme.
//!
//! Why one implementation and not one crate per backend: the schema keeps to types both
//! engines share (TEXT, BIGINT), placeholders are `$N` on both, and the few differences
//! (pragmas, `BEGIN IMMEDIATE`) sit in [`Backend`]. One code path means the conformance
//! suite tests exactly what runs in production on either engine. Migrations are one file a
//! step for both backends, with each backend's own SQL beside the other's where they differ
//! ([`migrations`]).
//!
//! Durability: SQLite runs in WAL mode with `synchronous=FULL`; PostgreSQL with its default
//! fsync. Writes on SQLite take the write lock up front (`BEGIN IMMEDIATE`).

/// The case counts of migration 0010 computed from `cases`: what `STATS_REBUILD` writes
/// after a bulk load and what `Store::check_stats` compares the kept counts with (a macro so
/// that both constant strings can be built from it).
macro_rules! case_counts_scan {
    () => {
        "SELECT 'w:' || receiving_window, status, COUNT(*) FROM cases \
         WHERE receiving_window IS NOT NULL GROUP BY 1, 2 \
         UNION ALL SELECT 'a:' || competent_authority, status, COUNT(*) FROM cases \
         GROUP BY 1, 2 \
         UNION ALL SELECT 'u:' || applicant_user, status, COUNT(*) FROM cases \
         WHERE applicant_user IS NOT NULL GROUP BY 1, 2"
    };
}

/// The promise column of `stats_limits` (0: undecided or nothing promised, 1: kept, 2: broken)
/// and the minutes bucket of `stats_forward`, as the triggers of `0029_promised_limits.sql`
/// compute them, for the scans that must equal those aggregates.
macro_rules! promise_expr {
    () => {
        "CASE WHEN decided_on IS NULL OR promised_deadline IS NULL THEN 0 \
         WHEN decided_on <= promised_deadline THEN 1 ELSE 2 END"
    };
}
macro_rules! forward_bucket_expr {
    () => {
        "CASE WHEN (forwarded_ms - received_ms) / 60000 < 60 THEN (forwarded_ms - received_ms) / 60000 \
         WHEN (forwarded_ms - received_ms) / 60000 < 1440 THEN (forwarded_ms - received_ms) / 60000 / 15 * 15 \
         ELSE (forwarded_ms - received_ms) / 60000 / 60 * 60 END"
    };
}

/// The scans of `cases` that `stats_limits` and `stats_forward` must equal (`check_stats`, the
/// rebuild after a bulk load, and the counts a node sends the joint office).
macro_rules! limits_scan {
    ($where:literal) => {
        concat!(
            "SELECT substr(filed_on, 1, 7), competent_city, matter_code, \
             CAST(CASE WHEN decided_on IS NOT NULL THEN 1 ELSE 0 END AS BIGINT), \
             CAST(CASE WHEN decided_on IS NOT NULL AND decided_on <= deadline THEN 1 ELSE 0 END AS BIGINT), \
             CAST(",
            promise_expr!(),
            " AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM cases",
            $where,
            " GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
        )
    };
}
macro_rules! forward_scan {
    ($where:literal) => {
        concat!(
            "SELECT substr(filed_on, 1, 7), receiving_city, CAST(",
            forward_bucket_expr!(),
            " AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM cases \
             WHERE received_ms IS NOT NULL AND forwarded_ms IS NOT NULL",
            $where,
            " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        )
    };
}

/// The `ON CONFLICT` clause that adds receipt numbers to a city's day (the row's `next` is the
/// count of numbers used), as a literal so that filing's statement can be built from it too.
macro_rules! receipt_upsert {
    () => {
        "ON CONFLICT (city, day) DO UPDATE SET next = receipt_counters.next + excluded.next"
    };
}

pub mod accounts;
pub mod amounts;
pub mod auctions;
pub mod audit;
pub mod bulk;
pub mod calls;
pub mod case_lists;
pub mod cases;
pub mod codec;
pub mod documents;
pub mod export;
pub mod finance;
pub mod identity;
pub mod inbox;
pub mod industry;
pub mod joint;
pub mod licences;
pub mod materials;
mod migrations;
pub mod notices;
pub mod outbox;
pub mod projects;
pub mod record;
pub mod reference;
pub mod statistics;
pub mod tables;
pub mod users;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

pub use accounts::*;
pub use amounts::*;
pub use auctions::*;
pub use audit::*;
pub use bulk::*;
pub use calls::*;
pub use case_lists::*;
pub use cases::CASE_COLS;
pub use cases::*;
pub use codec::*;
pub use documents::*;
pub use finance::*;
pub use identity::*;
pub use inbox::*;
pub use industry::*;
pub use joint::*;
pub use licences::*;
pub use materials::*;
pub use notices::*;
pub use outbox::*;
pub use projects::*;
pub use statistics::*;
pub use tables::{Table, Ty, Val, TABLES};
pub use users::*;

/// A write transaction: what every write of the application goes through. The store owns it
/// and knows its backend, so no caller needs the driver's types or tells the engines apart.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    backend: Backend,
}

impl WriteTx {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Commits: durable on disk when this returns (see the crate's notes on durability).
    pub async fn commit(self) -> Result<()> {
        Ok(self.tx.commit().await?)
    }

    pub async fn rollback(self) -> Result<()> {
        Ok(self.tx.rollback().await?)
    }

    /// Runs `f` inside a savepoint: its error undoes its changes alone and is returned, the
    /// transaction going on. An error of the savepoint itself is the outer result's.
    pub async fn savepoint<T, E>(
        &mut self,
        f: impl for<'c> FnOnce(
            &'c mut WriteTx,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = std::result::Result<T, E>> + Send + 'c>,
        >,
    ) -> Result<std::result::Result<T, E>> {
        self.conn().execute("SAVEPOINT corridor_sp").await?;
        let r = f(self).await;
        match r {
            Ok(_) => {
                self.conn().execute("RELEASE SAVEPOINT corridor_sp").await?;
            }
            Err(_) => {
                self.conn()
                    .execute("ROLLBACK TO SAVEPOINT corridor_sp")
                    .await?;
                self.conn().execute("RELEASE SAVEPOINT corridor_sp").await?;
            }
        }
        Ok(r)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("unsupported database URL '{0}': use sqlite:PATH or postgres://...")]
    Url(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database (bulk loader): {0}")]
    Bulk(#[from] rusqlite::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names by its scheme (`sqlite:`, or `postgres:` and
    /// `postgresql:`), if any: the one place URLs are told apart.
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A URL that prints without its password.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// On a SQLite file, the one connection that writes ([`Store::begin_write`]): SQLite lets
    /// one write at a time anyway, and a connection of its own keeps its page cache and never
    /// waits for the readers' connections.
    writer: Option<AnyPool>,
    backend: Backend,
    /// The database file, on SQLite (not for in-memory databases).
    sqlite_file: Option<std::path::PathBuf>,
    /// The folder of the material files: beside the SQLite file, or one the operator names
    /// ([`Store::with_blob_dir`]); `None` keeps them in the database.
    blob_dir: Option<std::path::PathBuf>,
}

/// Applies the migrations not yet applied, logging each one and how long they took: on a large
/// store a migration that builds an index takes a while at the first start of a new version.
async fn run_migrations(
    migrator: &sqlx::migrate::Migrator,
    conn: &mut sqlx::AnyConnection,
) -> Result<()> {
    use sqlx::migrate::Migrate;
    conn.ensure_migrations_table().await?;
    let applied: std::collections::HashSet<i64> = conn
        .list_applied_migrations()
        .await?
        .into_iter()
        .map(|m| m.version)
        .collect();
    let pending: Vec<String> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
        .map(|m| format!("{:04}_{}", m.version, m.description.replace(' ', "_")))
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    tracing::info!(migrations = ?pending, "applying migrations");
    let t = std::time::Instant::now();
    migrator.run(&mut *conn).await?;
    tracing::info!(ms = t.elapsed().as_millis() as u64, migrations = ?pending, "migrations applied");
    Ok(())
}

/// Settings of every SQLite connection, the pool's and the bulk loader's: WAL, an fsync per
/// commit, enforced references, waiting for the write lock instead of failing.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; \
     PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; PRAGMA temp_store=MEMORY;";

impl Store {
    /// Opens (creating if needed) the SQLite database in `dir/corridor.db`.
    pub async fn open_dir(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Url(format!("{}: {e}", dir.display())))?;
        let path = dir.join("corridor.db");
        Store::connect(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    /// Connects by URL scheme (`sqlite:` or `postgres:`/`postgresql:`) and runs migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url).ok_or_else(|| StoreError::Url(redact_url(url)))?;
        let _ = sqlx::any::AnyConnectOptions::from_str(url)?;
        let opts = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(30));
        let sqlite = |opts: AnyPoolOptions| {
            // A connection to a file in this process cannot go stale: no ping (a round trip
            // to the connection's thread) before every query.
            opts.test_before_acquire(false).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(format!("{SQLITE_PRAGMAS} PRAGMA cache_size=-8192;").as_str())
                        .await?;
                    Ok(())
                })
            })
        };
        let opts = if backend == Backend::Sqlite {
            sqlite(opts)
        } else {
            opts
        };
        let pool = opts.connect(url).await?;
        let sqlite_file = match backend {
            Backend::Sqlite => {
                let o = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
                let f = o.get_filename();
                (!f.as_os_str().is_empty() && f.as_os_str() != ":memory:" && f.exists())
                    .then(|| f.to_path_buf())
            }
            Backend::Postgres => None,
        };
        let blob_dir = sqlite_file
            .as_ref()
            .map(|f| f.parent().unwrap_or(Path::new(".")).join("materials"));
        let writer = match &sqlite_file {
            Some(_) => Some(
                sqlite(
                    AnyPoolOptions::new()
                        .max_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                        .acquire_timeout(Duration::from_secs(30)),
                )
                .connect(url)
                .await?,
            ),
            None => None,
        };
        let store = Store {
            pool,
            writer,
            backend,
            sqlite_file,
            blob_dir,
        };
        store.finish_interrupted_bulk().await?;
        store.migrate().await?;
        for w in store.maintenance_warnings().await? {
            tracing::warn!("{w}");
        }
        Ok(store)
    }

    /// What in the database's own settings will hurt this store over time, for the operator
    /// (logged at every connect). On PostgreSQL: autovacuum off. Without it nothing removes the
    /// dead row versions every case update leaves (56,577 after a few minutes of load on the
    /// 100,000-case demo), the visibility map stays stale, so index-only scans (the queue
    /// counts) read the table as well, and the planner's statistics age.
    pub async fn maintenance_warnings(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        if self.backend == Backend::Postgres {
            let av: String =
                sqlx::query_scalar("SELECT CAST(current_setting('autovacuum') AS TEXT)")
                    .fetch_one(&self.pool)
                    .await?;
            if av != "on" {
                out.push(
                    "PostgreSQL runs with autovacuum off: dead rows of updated cases pile up and \
                     index-only scans read the table too; turn it on (autovacuum = on in \
                     postgresql.conf) or run VACUUM (ANALYZE) regularly"
                        .to_string(),
                );
            }
        }
        Ok(out)
    }

    /// Runs the migrations not yet applied.
    ///
    /// On SQLite they run on a connection of their own that sorts in temporary files and is
    /// closed afterwards: a migration that builds an index on a large table (0009 on ten
    /// million cases' licences) would otherwise sort hundreds of megabytes in the server's
    /// memory and leave its resident size that high until restart.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = &migrations::migrator(self.backend).await?;
        if self.sqlite_file.is_none() {
            // PostgreSQL sorts within its own work_mem; an in-memory SQLite database lives
            // only as long as its connection, so it stays in the pool.
            let mut conn = self.pool.acquire().await?;
            return run_migrations(migrator, &mut conn).await;
        }
        let mut conn = self.pool.acquire().await?.detach();
        conn.execute("PRAGMA temp_store=FILE").await?;
        let run = run_migrations(migrator, &mut conn).await;
        let _ = sqlx::Connection::close(conn).await;
        run
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A write transaction. On SQLite it takes the write lock at once, so that two writers
    /// never deadlock upgrading read locks.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let tx = match self.backend {
            Backend::Sqlite => {
                let pool = self.writer.as_ref().unwrap_or(&self.pool);
                pool.begin_with("BEGIN IMMEDIATE").await?
            }
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx {
            tx,
            backend: self.backend,
        })
    }

    /// A connection of its own for a bulk load (demo data). See [`Bulk`].
    ///
    /// With `defer`, on a SQLite file or PostgreSQL, the secondary indexes and statistics
    /// triggers of `cases` are dropped for the load and rebuilt by [`Bulk::finish`] (see
    /// [`Bulk`]); the caller asks for it only when `cases` is empty.
    pub async fn bulk(&self, defer: bool) -> Result<Bulk> {
        if let Some(path) = &self.sqlite_file {
            let path = path.clone();
            let conn = tokio::task::spawn_blocking(move || -> Result<rusqlite::Connection> {
                let mut conn = bulk_connection(&path)?;
                if defer {
                    sqlite_defer(&mut conn)?;
                }
                Ok(conn)
            })
            .await
            .map_err(|e| StoreError::Corrupt(format!("bulk loader: {e}")))??;
            return Ok(Bulk {
                inner: BulkConn::Sqlite(Some(conn)),
            });
        }
        let mut conn = self.pool.acquire().await?;
        if defer && self.backend == Backend::Postgres {
            pg_defer(&mut conn).await?;
        }
        Ok(Bulk {
            inner: BulkConn::Pool(conn, self.backend),
        })
    }

    /// Rebuilds what an interrupted deferred bulk load dropped (see [`Bulk`]). Runs before
    /// the migrations, which may change the very indexes the load dropped.
    async fn finish_interrupted_bulk(&self) -> Result<()> {
        if self.backend == Backend::Postgres {
            let t = std::time::Instant::now();
            let mut conn = self.pool.acquire().await?;
            if pg_restore(&mut conn).await? {
                tracing::warn!(
                    ms = t.elapsed().as_millis() as u64,
                    "a bulk load was interrupted: the case indexes and statistics it deferred \
                     have been rebuilt"
                );
            }
            return Ok(());
        }
        let Some(path) = self.sqlite_file.clone() else {
            return Ok(());
        };
        let pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'bulk_deferred'",
        )
        .fetch_one(&self.pool)
        .await?;
        if pending == 0 {
            return Ok(());
        }
        tracing::warn!(
            "a bulk load was interrupted: rebuilding the case indexes and statistics it deferred"
        );
        let t = std::time::Instant::now();
        tokio::task::spawn_blocking(move || -> Result<()> {
            let mut conn = bulk_connection(&path)?;
            sqlite_restore(&mut conn)?;
            conn.close().map_err(|(_, e)| StoreError::Bulk(e))
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("bulk loader: {e}")))??;
        tracing::info!(
            ms = t.elapsed().as_millis() as u64,
            "case indexes and statistics rebuilt"
        );
        Ok(())
    }

    /// Creates a fresh PostgreSQL database next to the one `base_url` names and connects to
    /// it (tests and benchmarks: one database each). Returns the store and the new URL.
    pub async fn create_temp_postgres(base_url: &str, prefix: &str) -> Result<(Store, String)> {
        sqlx::any::install_default_drivers();
        let name = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(base_url)
            .await?;
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        admin.close().await;
        let url = replace_db(base_url, &name);
        Ok((Store::connect(&url).await?, url))
    }

    /// The URL of database `name` beside the one `base_url` names, created when missing (a
    /// node of the one-machine corridor). `name` is letters, digits and `_`.
    pub async fn ensure_postgres_database(base_url: &str, name: &str) -> Result<String> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Url(format!("not a database name: {name}")));
        }
        sqlx::any::install_default_drivers();
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(base_url)
            .await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
            .bind(name.to_string())
            .fetch_one(&admin)
            .await?;
        if n == 0 {
            admin
                .execute(format!("CREATE DATABASE {name}").as_str())
                .await?;
        }
        admin.close().await;
        Ok(replace_db(base_url, name))
    }

    /// Drops a database made by [`Store::create_temp_postgres`].
    pub async fn drop_temp_postgres(base_url: &str, temp_url: &str) -> Result<()> {
        sqlx::any::install_default_drivers();
        let name = temp_url
            .rsplit('/')
            .next()
            .unwrap_or("")
            .split('?')
            .next()
            .unwrap_or("");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Url(redact_url(temp_url)));
        }
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(base_url)
            .await?;
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await?;
        admin.close().await;
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(w) = &self.writer {
            w.close().await;
        }
        self.pool.close().await;
    }

    /// Whether the store holds no data at all (for `corridor import`).
    pub async fn is_empty(&self) -> Result<bool> {
        for t in TABLES {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", t.name))
                .fetch_one(&self.pool)
                .await?;
            if n > 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Column names and declared types of every table, as the engine reports them
    /// (for the schema-agreement test).
    pub async fn schema(&self) -> Result<Vec<(String, String, String)>> {
        let mut out = Vec::new();
        for t in TABLES {
            let rows: Vec<AnyRow> = match self.backend {
                Backend::Sqlite => {
                    sqlx::query(&format!(
                        "SELECT name, type FROM pragma_table_info('{}') ORDER BY cid",
                        t.name
                    ))
                    .fetch_all(&self.pool)
                    .await?
                }
                Backend::Postgres => {
                    sqlx::query(
                        "SELECT column_name::text, data_type::text FROM information_schema.columns \
                         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                    )
                    .bind(t.name)
                    .fetch_all(&self.pool)
                    .await?
                }
            };
            for r in rows {
                let name: String = r.try_get(0)?;
                let ty: String = r.try_get(1)?;
                out.push((t.name.to_string(), name, normalise_type(&ty)));
            }
        }
        Ok(out)
    }
}

/// `postgres://u@h:p/db?x` with `db` replaced by `name`.
pub fn replace_db(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let head = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{head}/{name}{query}")
}

fn normalise_type(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "text" | "character varying" => "text".into(),
        "bigint" | "integer" | "int8" => "bigint".into(),
        other => other.into(),
    }
}
