//! Documents held by a listing or a proposal: one table for every holder, named by the
//! holder's audit stream (`listing:<id>`, `proposal:<id>`). The bytes are stored like a case's
//! materials (see [`crate::materials`]).

use crate::record::{insert, record, select};
use crate::tables::Val;
use crate::{Result, Store, WriteTx};

/// One document; its bytes are stored like a case's materials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    pub id: String,
    /// The holder's audit stream: `listing:<id>` or `proposal:<id>`.
    pub holder: String,
    pub file_name: String,
    /// `pdf`, `jpeg` or `png` (from the content).
    pub kind: String,
    pub size: i64,
    /// Lower-case hex.
    pub sha256: String,
    /// The user who added it.
    pub added_by: String,
    pub added_ms: i64,
}

record!(DocumentRow in "documents" {
    id, holder, file_name, kind, size, sha256, added_by, added_ms,
});

impl Store {
    pub async fn insert_document(tx: &mut WriteTx, r: &DocumentRow) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await
    }
    /// A holder's documents, in the order they were added.
    pub async fn documents(&self, holder: &str) -> Result<Vec<DocumentRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "holder = $1",
            &[Val::t(holder)],
            "ORDER BY added_ms, id",
        )
        .await
    }
    /// How many documents a holder has and their bytes, as `tx` sees them.
    pub async fn document_totals(tx: &mut WriteTx, holder: &str) -> Result<(u64, u64)> {
        let (n, bytes): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(size), 0) AS BIGINT) \
             FROM documents WHERE holder = $1",
        )
        .bind(holder.to_string())
        .fetch_one(tx.conn())
        .await?;
        Ok((n.max(0) as u64, bytes.max(0) as u64))
    }
    /// Every document, by holder (for `audit verify`).
    pub async fn all_documents(&self) -> Result<Vec<DocumentRow>> {
        let mut c = self.pool().acquire().await?;
        select(&mut c, "1 = 1", &[], "ORDER BY holder, added_ms, id").await
    }
}
