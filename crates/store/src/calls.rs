//! Open calls for technical needs: the calls the joint office opens, the needs posted into
//! them with the office's review, and the proposals firms answer them with.

use crate::industry::{need_at, NeedRow, NEED_COLS};
use crate::record::{insert, record, replace, select};
use crate::tables::Val;
use crate::{Result, Store, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRow {
    pub id: String,
    pub title_zh: String,
    pub title_en: String,
    pub scope_zh: String,
    pub scope_en: String,
    /// JSON array of cluster codes.
    pub clusters: String,
    /// JSON array of need kinds.
    pub kinds: String,
    /// YYYY-MM-DD.
    pub opens: String,
    /// YYYY-MM-DD, the last day needs are taken.
    pub closes: String,
    pub created_by: String,
    pub created_ms: i64,
}

record!(CallRow in "calls" {
    id, title_zh, title_en, scope_zh, scope_en, clusters, kinds, opens, closes, created_by,
    created_ms,
});

/// A need posted into a call, with the office's review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallNeedRow {
    pub need_id: String,
    pub call_id: String,
    /// `pending`, `approved` or `refused`.
    pub review: String,
    pub note: String,
    pub reviewed_by: Option<String>,
    pub reviewed_ms: Option<i64>,
}

record!(CallNeedRow in "call_needs" { need_id, call_id, review, note, reviewed_by, reviewed_ms });

/// A firm's answer to an open need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRow {
    pub id: String,
    pub need_id: String,
    pub uscc: String,
    pub body: String,
    pub created_by: String,
    pub created_ms: i64,
}

record!(ProposalRow in "proposals" { id, need_id, uscc, body, created_by, created_ms });

impl Store {
    pub async fn insert_call(tx: &mut WriteTx, r: &CallRow) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await
    }
    /// The calls, newest first (at most `limit`).
    pub async fn calls(&self, limit: i64) -> Result<Vec<CallRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "1 = 1",
            &[Val::i(limit)],
            "ORDER BY created_ms DESC, id DESC LIMIT $1",
        )
        .await
    }
    pub async fn call(&self, id: &str) -> Result<Option<CallRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    pub async fn insert_call_need(tx: &mut WriteTx, r: &CallNeedRow) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await
    }
    /// Records a review; false when the need is not in a call.
    pub async fn put_call_need(tx: &mut WriteTx, r: &CallNeedRow) -> Result<bool> {
        replace(tx, r, 1).await
    }
    pub async fn call_need(&self, need: &str) -> Result<Option<CallNeedRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "need_id = $1", &[Val::t(need)], "")
            .await?
            .into_iter()
            .next())
    }
    /// A need's call entry as `tx` sees it.
    pub async fn call_need_in(tx: &mut WriteTx, need: &str) -> Result<Option<CallNeedRow>> {
        Ok(select(tx.conn(), "need_id = $1", &[Val::t(need)], "")
            .await?
            .into_iter()
            .next())
    }
    /// The call entries of these needs (those in a call).
    pub async fn call_needs_of(&self, needs: &[String]) -> Result<Vec<CallNeedRow>> {
        if needs.is_empty() {
            return Ok(Vec::new());
        }
        let mut c = self.pool().acquire().await?;
        let list = crate::tables::params(1, needs.len());
        let args: Vec<Val> = needs.iter().map(Val::t).collect();
        select(&mut c, &format!("need_id IN ({list})"), &args, "").await
    }
    /// The needs of a call with their entries, newest first; of one review state when given.
    pub async fn needs_of_call(
        &self,
        call: &str,
        review: Option<&str>,
    ) -> Result<Vec<(CallNeedRow, NeedRow)>> {
        self.call_needs_where(
            "c.call_id = $1 AND ($2 = '' OR c.review = $2)",
            &[call, review.unwrap_or("")],
        )
        .await
    }
    /// Every approved need of any call that is still open: what enterprises browse.
    pub async fn open_call_needs(&self) -> Result<Vec<(CallNeedRow, NeedRow)>> {
        self.call_needs_where("c.review = 'approved' AND n.status = 'open'", &[])
            .await
    }
    async fn call_needs_where(
        &self,
        filter: &str,
        args: &[&str],
    ) -> Result<Vec<(CallNeedRow, NeedRow)>> {
        use sqlx::Row;
        let ncols = NEED_COLS
            .split(", ")
            .map(|c| format!("n.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT c.need_id, c.call_id, c.review, c.note, c.reviewed_by, c.reviewed_ms, \
             {ncols} FROM call_needs c JOIN needs n ON n.id = c.need_id WHERE {filter} \
             ORDER BY n.created_ms DESC, n.id DESC"
        );
        let mut q = sqlx::query(&sql);
        for a in args {
            q = q.bind(a.to_string());
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    CallNeedRow {
                        need_id: r.try_get(0)?,
                        call_id: r.try_get(1)?,
                        review: r.try_get(2)?,
                        note: r.try_get(3)?,
                        reviewed_by: r.try_get(4)?,
                        reviewed_ms: r.try_get(5)?,
                    },
                    need_at(r, 6)?,
                ))
            })
            .collect()
    }
    /// How many needs each call holds, by review state: (call, review, count).
    pub async fn call_need_counts(&self) -> Result<Vec<(String, String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT call_id, review, CAST(COUNT(*) AS BIGINT) FROM call_needs \
             GROUP BY call_id, review",
        )
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn insert_proposal(tx: &mut WriteTx, r: &ProposalRow) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await
    }
    pub async fn proposal(&self, id: &str) -> Result<Option<ProposalRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    /// A firm's proposal for a need, as `tx` sees it.
    pub async fn proposal_of_in(
        tx: &mut WriteTx,
        need: &str,
        uscc: &str,
    ) -> Result<Option<ProposalRow>> {
        Ok(select(
            tx.conn(),
            "need_id = $1 AND uscc = $2",
            &[Val::t(need), Val::t(uscc)],
            "",
        )
        .await?
        .into_iter()
        .next())
    }
    /// A need's proposals, oldest first.
    pub async fn proposals_of_need(&self, need: &str) -> Result<Vec<ProposalRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "need_id = $1",
            &[Val::t(need)],
            "ORDER BY created_ms, id",
        )
        .await
    }
    /// A firm's proposals, newest first (at most `limit`).
    pub async fn proposals_of_firm(&self, uscc: &str, limit: i64) -> Result<Vec<ProposalRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "uscc = $1",
            &[Val::t(uscc), Val::i(limit)],
            "ORDER BY created_ms DESC, id DESC LIMIT $2",
        )
        .await
    }
}
