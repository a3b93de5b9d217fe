//! Reference documents and catalogue versions.

use crate::codec::*;
use crate::tables::{bind, cols_list, insert_rows, table, Val, TABLES};
use crate::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::{AnyConnection, Row};

impl Store {
    // ---------- reference data ----------

    /// Inserts or replaces a reference document (`jurisdictions`, `authority_kinds`, ...).
    pub async fn put_doc<T: Serialize>(
        tx: &mut WriteTx,
        table_name: &str,
        key: Val,
        extra: &[Val],
        doc: &T,
    ) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        let t = table(table_name).ok_or_else(|| StoreError::Corrupt(table_name.into()))?;
        let mut vals = vec![key];
        vals.extend_from_slice(extra);
        vals.push(Val::t(to_doc(doc)?));
        let placeholders: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
        let updates: Vec<String> = t.cols[1..]
            .iter()
            .map(|(c, _)| format!("{c} = excluded.{c}"))
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
            t.name,
            cols_list(t),
            placeholders.join(", "),
            t.cols[0].0,
            updates.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for v in &vals {
            q = bind(q, v);
        }
        q.execute(&mut *conn).await?;
        Ok(())
    }

    /// Loads all documents of a reference table, ordered by key.
    pub async fn load_docs<T: DeserializeOwned>(&self, table_name: &str) -> Result<Vec<T>> {
        let t = table(table_name).ok_or_else(|| StoreError::Corrupt(table_name.into()))?;
        let rows = sqlx::query(&format!("SELECT doc FROM {} ORDER BY {}", t.name, t.order))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| from_doc(&r.try_get::<String, _>(0)?))
            .collect()
    }

    pub async fn latest_catalogue_version(&self) -> Result<Option<(i64, String)>> {
        let r = sqlx::query(
            "SELECT version, digest FROM catalogue_versions ORDER BY version DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(match r {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }

    /// Publishes a new catalogue version. Published versions are never changed.
    pub async fn publish_catalogue<T: Serialize>(
        tx: &mut WriteTx,
        version: i64,
        published_ms: i64,
        note: &str,
        digest: &str,
        matters: &[(String, String, T)],
    ) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        sqlx::query(
            "INSERT INTO catalogue_versions (version, published_ms, note, digest, matter_count) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(version)
        .bind(published_ms)
        .bind(note.to_string())
        .bind(digest.to_string())
        .bind(matters.len() as i64)
        .execute(&mut *conn)
        .await?;
        let rows: Vec<Vec<Val>> = matters
            .iter()
            .map(|(code, kind, doc)| {
                Ok(vec![
                    Val::t(code),
                    Val::i(version),
                    Val::t(kind),
                    Val::t(to_doc(doc)?),
                ])
            })
            .collect::<Result<_>>()?;
        insert_rows(conn, backend, table("matters").unwrap_or(&TABLES[0]), &rows).await
    }

    /// All matters of all versions: `(version, doc)`.
    pub async fn load_matters<T: DeserializeOwned>(&self) -> Result<Vec<(i64, T)>> {
        let rows = sqlx::query("SELECT version, doc FROM matters ORDER BY version, code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, from_doc(&r.try_get::<String, _>(1)?)?)))
            .collect()
    }

    pub async fn catalogue_versions(&self) -> Result<Vec<(i64, i64, String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT version, published_ms, note, digest, matter_count FROM catalogue_versions ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
