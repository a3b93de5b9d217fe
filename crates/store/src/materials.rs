//! Materials: a row per file handed in with a case, and the files' bytes, content-addressed
//! by SHA-256.
//!
//! Where the bytes live: on SQLite with a file, in a folder beside it
//! (`materials/<first two hex digits>/<sha256>`), so the database stays small and a backup
//! copies the folder; on PostgreSQL (and an in-memory SQLite), in `material_blobs`, so that
//! every server of a deployment sees every file without a shared file system, and a file and
//! its row are backed up and restored together — unless the operator names a folder
//! (`--materials-dir`, [`Store::with_blob_dir`]) that every server sees: then PostgreSQL keeps
//! only the rows, and intake with 1 MiB files runs about twice as fast (docs/PERFORMANCE.md).
//!
//! A file is durable before its row is written: [`Store::put_blob`] returns after the bytes
//! are on disk (the file and its folder fsync'd, or the row committed). A crash between the
//! two leaves a file that no row names; [`Store::sweep_blobs`] removes those at start-up
//! (on PostgreSQL only those older than an hour, which no other server is still recording).
//!
//! Small files that another node's message brings (at most [`INLINE_BLOB_MAX`]) go to
//! `material_blobs` on either backend, in the transaction that takes the message in
//! ([`Store::put_small_blobs`]): no file of their own to create and fsync, and nothing stored
//! apart from the records that name them. SQLite's own measurements put blobs under about
//! 100 KB faster in the database than in files ("Internal Versus External BLOBs").

use crate::record::{insert, record, select, Record};
use crate::tables::{insert_rows_upsert, table, Val, TABLES};
use crate::{Result, Store, StoreError, WriteTx};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// One file handed in for one of a case's materials.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttachmentRecord {
    pub id: Uuid,
    pub case_id: Uuid,
    /// The material's position in the matter's list (in the catalogue version the case was
    /// filed under).
    pub material: i64,
    pub file_name: String,
    /// `pdf`, `jpeg` or `png` (from the content).
    pub kind: String,
    pub size: i64,
    /// Lower-case hex.
    pub sha256: String,
    /// The user who added it.
    pub added_by: String,
    pub added_role: String,
    pub added_ms: i64,
}

record!(AttachmentRecord in "attachments" {
    id, case_id, material, file_name, kind, size, sha256, added_by, added_role, added_ms,
});

/// What the receiving window confirmed of one material of a case (the latest mark).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MaterialCheckRecord {
    pub case_id: Uuid,
    pub material: i64,
    pub received: bool,
    pub original_seen: bool,
    pub checked_by: String,
    pub checked_ms: i64,
}

record!(MaterialCheckRecord in "material_checks" {
    case_id, material, received, original_seen, checked_by, checked_ms,
});

fn checks_table() -> &'static crate::tables::Table {
    table("material_checks").unwrap_or(&TABLES[0])
}

fn attachments_table() -> &'static crate::tables::Table {
    table("attachments").unwrap_or(&TABLES[0])
}

/// The SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Milliseconds since the epoch, by the machine's clock (when a file was stored).
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("{what} {}: {e}", path.display()))
}

/// Writes `bytes` to `path` durably: a temporary file beside it (`.<uuid>.tmp`, so that
/// concurrent writers spread over the 256 folders instead of meeting in one), fsync'd, renamed
/// into place, its folder fsync'd (and the top folder, when the file's folder is new).
fn write_durably(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = path.parent().unwrap_or(dir);
    let new_folder = !parent.exists();
    if new_folder {
        std::fs::create_dir_all(parent).map_err(|e| io_err("create", parent, e))?;
    }
    let tmp = parent.join(format!(".{}.tmp", Uuid::now_v7().simple()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| io_err("create", &tmp, e))?;
    f.write_all(bytes).map_err(|e| io_err("write", &tmp, e))?;
    f.sync_all().map_err(|e| io_err("fsync", &tmp, e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| io_err("rename", path, e))?;
    let folders: &[&Path] = if new_folder {
        &[parent, dir]
    } else {
        &[parent]
    };
    for d in folders {
        std::fs::File::open(d)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_err("fsync", d, e))?;
    }
    Ok(())
}

/// Writes marks in one statement, each replacing the mark of its material (of one material
/// marked twice here, the last), setting `original` (`original_seen = …, ` or nothing) and
/// the rest of the mark.
async fn upsert_checks(
    tx: &mut WriteTx,
    checks: &[MaterialCheckRecord],
    original: &str,
) -> Result<()> {
    let mut last: Vec<&MaterialCheckRecord> = Vec::with_capacity(checks.len());
    for c in checks.iter().rev() {
        if !last
            .iter()
            .any(|k| k.case_id == c.case_id && k.material == c.material)
        {
            last.push(c);
        }
    }
    if last.is_empty() {
        return Ok(());
    }
    last.reverse();
    let backend = tx.backend();
    let rows: Vec<_> = last.iter().map(|c| c.vals()).collect();
    let conflict = format!(
        "ON CONFLICT (case_id, material) DO UPDATE SET received = excluded.received, \
         {original}checked_by = excluded.checked_by, checked_ms = excluded.checked_ms"
    );
    insert_rows_upsert(tx.conn(), backend, checks_table(), &rows, &conflict).await
}

/// The largest file a message from another node may bring into the database with it
/// ([`Store::put_small_blobs`]) rather than into a file of its own.
pub const INLINE_BLOB_MAX: usize = 64 * 1024;

impl Store {
    /// Keeps small files (hash, bytes; each at most [`INLINE_BLOB_MAX`]) in `material_blobs`
    /// inside `tx`, so that they commit with the records that name them. A file the database
    /// holds already is left as it is. The bytes must match their hash.
    pub async fn put_small_blobs(tx: &mut WriteTx, blobs: &[(String, Vec<u8>)]) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        let mut rows = Vec::with_capacity(blobs.len());
        for (sha, bytes) in blobs {
            if bytes.len() > INLINE_BLOB_MAX || sha256_hex(bytes) != *sha {
                return Err(StoreError::Corrupt(format!(
                    "file {sha}: not a small file of that hash ({} bytes)",
                    bytes.len()
                )));
            }
            if seen.insert(sha.as_str()) {
                rows.push((sha, bytes));
            }
        }
        let now = now_ms();
        for chunk in rows.chunks(100) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", crate::tables::params(3 * i + 1, 3)))
                .collect();
            let sql = format!(
                "INSERT INTO material_blobs (sha256, bytes, stored_ms) VALUES {} \
                 ON CONFLICT (sha256) DO NOTHING",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (sha, bytes) in chunk {
                q = q.bind(sha.to_string()).bind(bytes.to_vec()).bind(now);
            }
            q.execute(&mut *tx.conn()).await?;
        }
        Ok(())
    }

    /// The folder of the files: beside the SQLite file, or the one given to
    /// [`Store::with_blob_dir`]; `None` when they are kept in the database.
    pub fn blob_dir(&self) -> Option<PathBuf> {
        self.blob_dir.clone()
    }

    /// Keeps the material files in `dir` instead: on PostgreSQL a folder that every server of
    /// the deployment sees (a shared file system), on SQLite one on another disk. Files stored
    /// in the database before stay readable there.
    pub fn with_blob_dir(mut self, dir: PathBuf) -> Store {
        self.blob_dir = Some(dir);
        self
    }

    /// How old a file that no row names must be before the start-up sweep removes it. On
    /// SQLite one server owns the store, so none is in flight while it starts; on PostgreSQL
    /// another server may have stored a file whose row it is about to write.
    fn sweep_grace(&self) -> std::time::Duration {
        match self.backend {
            crate::Backend::Sqlite => std::time::Duration::ZERO,
            crate::Backend::Postgres => std::time::Duration::from_secs(3600),
        }
    }

    fn blob_path(dir: &Path, sha256: &str) -> PathBuf {
        dir.join(sha256.get(..2).unwrap_or("00")).join(sha256)
    }

    /// Stores a file's bytes under their SHA-256 (which the caller computed); returns once
    /// they are on disk. Storing the same bytes again does nothing.
    pub async fn put_blob(&self, sha256: &str, bytes: std::sync::Arc<Vec<u8>>) -> Result<()> {
        if !sha256.bytes().all(|b| b.is_ascii_hexdigit()) || sha256.len() != 64 {
            return Err(StoreError::Corrupt(format!("not a SHA-256: {sha256}")));
        }
        match self.blob_dir() {
            Some(dir) => {
                let path = Store::blob_path(&dir, sha256);
                tokio::task::spawn_blocking(move || {
                    if path.exists() {
                        return Ok(());
                    }
                    write_durably(&dir, &path, &bytes)
                })
                .await
                .map_err(|e| StoreError::Corrupt(format!("blob writer: {e}")))?
            }
            None => {
                let mut tx = self.begin_write().await?;
                let conn: &mut AnyConnection = tx.conn();
                sqlx::query(
                    "INSERT INTO material_blobs (sha256, bytes, stored_ms) VALUES ($1, $2, $3) \
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(sha256.to_string())
                .bind(bytes.as_ref().clone())
                .bind(now_ms())
                .execute(&mut *conn)
                .await?;
                tx.commit().await
            }
        }
    }

    /// Stores a file's bytes inside `tx` (import): the folder's file is written (durably) at
    /// once, the database's row commits with `tx`. The bytes must match `sha256`.
    pub async fn put_blob_in(&self, tx: &mut WriteTx, sha256: &str, bytes: &[u8]) -> Result<()> {
        if sha256_hex(bytes) != sha256 {
            return Err(StoreError::Corrupt(format!(
                "file {sha256}: the bytes do not match the hash"
            )));
        }
        match self.blob_dir() {
            Some(dir) => {
                let path = Store::blob_path(&dir, sha256);
                if path.exists() {
                    return Ok(());
                }
                write_durably(&dir, &path, bytes)
            }
            None => {
                let conn: &mut AnyConnection = tx.conn();
                sqlx::query(
                    "INSERT INTO material_blobs (sha256, bytes, stored_ms) VALUES ($1, $2, $3) \
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(sha256.to_string())
                .bind(bytes.to_vec())
                .bind(now_ms())
                .execute(&mut *conn)
                .await?;
                Ok(())
            }
        }
    }

    /// A file's bytes, if stored: in the folder, else in the database (where a deployment
    /// that moved its files to a folder keeps the earlier ones).
    pub async fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        if let Some(dir) = self.blob_dir() {
            let path = Store::blob_path(&dir, sha256);
            match tokio::fs::read(&path).await {
                Ok(b) => return Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err("read", &path, e)),
            }
        }
        Ok(
            sqlx::query_scalar("SELECT bytes FROM material_blobs WHERE sha256 = $1")
                .bind(sha256.to_string())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Which of these files are not stored (in the folder or the database).
    pub async fn missing_blobs(&self, sha256s: Vec<String>) -> Result<Vec<String>> {
        let not_in_folder = match self.blob_dir() {
            Some(dir) => tokio::task::spawn_blocking(move || {
                sha256s
                    .into_iter()
                    .filter(|s| !Store::blob_path(&dir, s).exists())
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| StoreError::Corrupt(format!("file check: {e}")))?,
            None => sha256s,
        };
        let mut out = Vec::new();
        for sha in not_in_folder {
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM material_blobs WHERE sha256 = $1")
                    .bind(sha.clone())
                    .fetch_one(&self.pool)
                    .await?;
            if n == 0 {
                out.push(sha);
            }
        }
        Ok(out)
    }

    pub async fn insert_attachments(tx: &mut WriteTx, a: &[AttachmentRecord]) -> Result<()> {
        insert(tx, a).await
    }

    /// Records files not recorded yet (by their id); those recorded already stay as they are.
    pub async fn insert_new_attachments(tx: &mut WriteTx, a: &[AttachmentRecord]) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let rows: Vec<_> = a.iter().map(Record::vals).collect();
        insert_rows_upsert(
            conn,
            backend,
            attachments_table(),
            &rows,
            "ON CONFLICT (id) DO NOTHING",
        )
        .await
    }

    /// Records the window's marks (replacing earlier marks of the same materials).
    pub async fn upsert_material_checks(
        tx: &mut WriteTx,
        checks: &[MaterialCheckRecord],
    ) -> Result<()> {
        upsert_checks(tx, checks, "original_seen = excluded.original_seen, ").await
    }

    /// How many files a case has and their total size, for each of these cases (a case without
    /// files is left out), in one query.
    pub async fn file_totals_of_cases(
        tx: &mut WriteTx,
        cases: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, (u64, u64)>> {
        let conn: &mut AnyConnection = tx.conn();
        let mut out = std::collections::HashMap::with_capacity(cases.len());
        for chunk in cases.chunks(500) {
            let list = crate::tables::params(1, chunk.len());
            let sql = format!(
                "SELECT case_id, CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(size), 0) AS BIGINT) \
                 FROM attachments WHERE case_id IN ({list}) GROUP BY case_id"
            );
            let mut q = sqlx::query_as::<_, (String, i64, i64)>(&sql);
            for c in chunk {
                q = q.bind(c.to_string());
            }
            for (case, n, bytes) in q.fetch_all(&mut *conn).await? {
                let id = Uuid::parse_str(&case)
                    .map_err(|e| StoreError::Corrupt(format!("attachment case {case}: {e}")))?;
                out.insert(id, (n.max(0) as u64, bytes.max(0) as u64));
            }
        }
        Ok(out)
    }

    /// Marks materials received, keeping an earlier mark that an original was seen.
    pub async fn mark_received(tx: &mut WriteTx, checks: &[MaterialCheckRecord]) -> Result<()> {
        upsert_checks(tx, checks, "").await
    }

    /// The window's marks on a case's materials, by material.
    pub async fn material_checks_of_case(&self, case: Uuid) -> Result<Vec<MaterialCheckRecord>> {
        self.of_case(case, "ORDER BY material").await
    }

    /// A case's files, in the order they were added.
    pub async fn attachments_of_case(&self, case: Uuid) -> Result<Vec<AttachmentRecord>> {
        self.of_case(case, "ORDER BY added_ms, id").await
    }

    /// A case's rows of `R`'s table, in the order `tail` gives.
    async fn of_case<R: Record>(&self, case: Uuid, tail: &str) -> Result<Vec<R>> {
        let mut conn = self.pool.acquire().await?;
        let arg = [Val::t(case.to_string())];
        select(&mut conn, "case_id = $1", &arg, tail).await
    }

    /// Every SHA-256 that a row names: a case's material or a listing's or proposal's document.
    async fn named_blobs(&self) -> Result<BTreeSet<String>> {
        let v: Vec<String> =
            sqlx::query_scalar("SELECT sha256 FROM attachments UNION SELECT sha256 FROM documents")
                .fetch_all(&self.pool)
                .await?;
        Ok(v.into_iter().collect())
    }

    /// Removes the stored files that no row names (left by a crash between storing a file
    /// and recording it) and unfinished temporary files, once older than
    /// [`Store::sweep_grace`]. Files in `also_named` stay too: those named by messages from
    /// other nodes that wait in the inbox for an earlier one (recorded when applied). Call it
    /// before serving: a file being uploaded has no row yet. Returns how many were removed.
    pub async fn sweep_blobs(&self, also_named: &BTreeSet<String>) -> Result<u64> {
        let mut named = self.named_blobs().await?;
        named.extend(also_named.iter().cloned());
        let grace = self.sweep_grace();
        let before = std::time::SystemTime::now()
            .checked_sub(grace)
            .unwrap_or(std::time::UNIX_EPOCH);
        let in_folder = match self.blob_dir() {
            Some(dir) => tokio::task::spawn_blocking(move || {
                let mut n = 0;
                if grace.is_zero() {
                    // Where earlier versions kept their temporary files.
                    let _ = std::fs::remove_dir_all(dir.join("tmp"));
                }
                for (sha, path) in list_blob_files(&dir) {
                    let old = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .map_or(true, |t| t <= before);
                    if old && !named.contains(&sha) {
                        std::fs::remove_file(&path).map_err(|e| io_err("remove", &path, e))?;
                        n += 1;
                    }
                }
                Ok::<u64, StoreError>(n)
            })
            .await
            .map_err(|e| StoreError::Corrupt(format!("blob sweeper: {e}")))??,
            None => 0,
        };
        // The database's files (all of them without a folder; with one, the small files that
        // messages brought, and those kept there before the folder was named).
        let old: Vec<String> = sqlx::query_scalar(
            "SELECT sha256 FROM material_blobs WHERE stored_ms <= $1 AND sha256 NOT IN \
             (SELECT sha256 FROM attachments UNION SELECT sha256 FROM documents)",
        )
        .bind(now_ms() - grace.as_millis() as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut in_db = 0;
        for sha in old.into_iter().filter(|s| !also_named.contains(s)) {
            // Named since the list was read (another server's upload): kept.
            let r = sqlx::query(
                "DELETE FROM material_blobs WHERE sha256 = $1 AND sha256 NOT IN \
                 (SELECT sha256 FROM attachments UNION SELECT sha256 FROM documents)",
            )
            .bind(sha)
            .execute(&self.pool)
            .await?;
            in_db += r.rows_affected();
        }
        Ok(in_folder + in_db)
    }

    /// Checks every recorded file against its hash: how many distinct files were checked, and
    /// the first that is missing or differs, named by what holds it (a case's material or a
    /// listing's document) and what is wrong (`None` when all are whole).
    pub async fn check_blobs(&self) -> Result<(u64, Option<String>)> {
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<AttachmentRecord> =
            select(&mut conn, "1 = 1", &[], "ORDER BY case_id, added_ms, id").await?;
        drop(conn);
        let mut named = Vec::with_capacity(rows.len());
        for a in rows {
            let holder = format!(
                "file {} ({}) of case {}, material {}",
                a.id, a.sha256, a.case_id, a.material
            );
            named.push((a.sha256, holder));
        }
        for f in self.all_documents().await? {
            let holder = format!("file {} ({}) of {}", f.id, f.sha256, f.holder);
            named.push((f.sha256, holder));
        }
        let mut seen = std::collections::HashSet::new();
        for (sha, holder) in named {
            if !seen.insert(sha.clone()) {
                continue;
            }
            let n = seen.len() as u64;
            match self.blob(&sha).await? {
                None => return Ok((n, Some(format!("{holder}: missing")))),
                Some(b) if sha256_hex(&b) != sha => {
                    return Ok((n, Some(format!("{holder}: differs"))))
                }
                Some(_) => {}
            }
        }
        Ok((seen.len() as u64, None))
    }

    /// Every stored file's hash and bytes, one at a time (for export).
    pub async fn each_blob(&self, mut f: impl FnMut(&str, &[u8]) -> Result<()>) -> Result<u64> {
        let named = self.named_blobs().await?;
        let mut n = 0;
        for sha in named {
            if let Some(b) = self.blob(&sha).await? {
                f(&sha, &b)?;
                n += 1;
            }
        }
        Ok(n)
    }
}

/// The files under the folder: (name, path), skipping `tmp`.
fn list_blob_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(top) = std::fs::read_dir(dir) else {
        return out;
    };
    for d in top.flatten() {
        if d.file_name() == "tmp" || !d.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
            out.push((f.file_name().to_string_lossy().into_owned(), f.path()));
        }
    }
    out
}
