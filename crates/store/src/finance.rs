//! The finance alliance: members with their products, financing needs, and each need's
//! pipeline of members.

use crate::record::{insert, record, replace, select};
use crate::tables::Val;
use crate::{Result, Store, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinanceMemberRow {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: String,
    pub city: String,
    /// JSON array of products.
    pub products: String,
    pub added_by: String,
    pub added_ms: i64,
}

record!(FinanceMemberRow in "finance_members" {
    uscc, name_zh, name_en, kind, city, products, added_by, added_ms,
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinancingNeedRow {
    pub id: String,
    pub uscc: String,
    /// `open`, `financed` or `withdrawn`.
    pub status: String,
    /// The spec as JSON.
    pub doc: String,
    /// 万元.
    pub amount: i64,
    pub financed_amount: Option<i64>,
    pub financed_by: Option<String>,
    pub financed_on: Option<String>,
    pub created_by: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

record!(FinancingNeedRow in "financing_needs" {
    id, uscc, status, doc, amount, financed_amount, financed_by, financed_on, created_by,
    created_ms, updated_ms,
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinanceMatchRow {
    pub need_id: String,
    pub member_uscc: String,
    pub stage: String,
    /// The amount financed (万元), at `financed`.
    pub amount: Option<i64>,
    pub updated_by: String,
    pub updated_ms: i64,
}

record!(FinanceMatchRow in "finance_matches" {
    need_id, member_uscc, stage, amount, updated_by, updated_ms,
});

impl Store {
    /// Adds a member, or replaces its record (names, kind, city, products).
    pub async fn put_finance_member(tx: &mut WriteTx, r: &FinanceMemberRow) -> Result<()> {
        if !replace(tx, r, 1).await? {
            insert(tx, std::slice::from_ref(r)).await?;
        }
        Ok(())
    }
    pub async fn finance_members(&self) -> Result<Vec<FinanceMemberRow>> {
        let mut c = self.pool().acquire().await?;
        select(&mut c, "1 = 1", &[], "ORDER BY uscc").await
    }
    pub async fn finance_member(&self, uscc: &str) -> Result<Option<FinanceMemberRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "uscc = $1", &[Val::t(uscc)], "")
            .await?
            .into_iter()
            .next())
    }
    pub async fn insert_financing_need(tx: &mut WriteTx, r: &FinancingNeedRow) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await
    }
    pub async fn put_financing_need(tx: &mut WriteTx, r: &FinancingNeedRow) -> Result<bool> {
        replace(tx, r, 1).await
    }
    pub async fn financing_need(&self, id: &str) -> Result<Option<FinancingNeedRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    /// A financing need as `tx` sees it.
    pub async fn financing_need_in(tx: &mut WriteTx, id: &str) -> Result<Option<FinancingNeedRow>> {
        Ok(select(tx.conn(), "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    /// Financing needs, newest first (at most `limit`): of one firm, or of one status, or all.
    pub async fn financing_needs(
        &self,
        uscc: Option<&str>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<FinancingNeedRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "($1 = '' OR uscc = $1) AND ($2 = '' OR status = $2)",
            &[
                Val::t(uscc.unwrap_or("")),
                Val::t(status.unwrap_or("")),
                Val::i(limit),
            ],
            "ORDER BY created_ms DESC, id DESC LIMIT $3",
        )
        .await
    }
    pub async fn put_finance_match(tx: &mut WriteTx, r: &FinanceMatchRow) -> Result<()> {
        if !replace(tx, r, 2).await? {
            insert(tx, std::slice::from_ref(r)).await?;
        }
        Ok(())
    }
    /// A need's pipeline, as `tx` sees it.
    pub async fn finance_matches_in(tx: &mut WriteTx, need: &str) -> Result<Vec<FinanceMatchRow>> {
        select(
            tx.conn(),
            "need_id = $1",
            &[Val::t(need)],
            "ORDER BY member_uscc",
        )
        .await
    }
    pub async fn finance_matches(&self, need: &str) -> Result<Vec<FinanceMatchRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "need_id = $1",
            &[Val::t(need)],
            "ORDER BY member_uscc",
        )
        .await
    }
    /// Every pipeline entry of one member, most recently moved first.
    pub async fn finance_matches_of_member(&self, member: &str) -> Result<Vec<FinanceMatchRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "member_uscc = $1",
            &[Val::t(member)],
            "ORDER BY updated_ms DESC LIMIT 1000",
        )
        .await
    }
    /// (members, financing needs, financed needs, amount financed in 万元).
    pub async fn finance_counts(&self) -> Result<(i64, i64, i64, i64)> {
        let members: i64 =
            sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM finance_members")
                .fetch_one(self.pool())
                .await?;
        let (needs, financed, amount): (i64, i64, i64) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN status = 'financed' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(financed_amount), 0) AS BIGINT) FROM financing_needs",
        )
        .fetch_one(self.pool())
        .await?;
        Ok((members, needs, financed, amount))
    }
}
