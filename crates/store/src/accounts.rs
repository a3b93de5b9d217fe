//! Enterprise accounts: which enterprise of the registry an account acts for, and whether the
//! joint office has confirmed it (a self-registered account is limited until then); and a
//! head enterprise's partner reserve.

use crate::record::{insert, record, replace, select};
use crate::tables::Val;
use crate::{Result, Store, WriteTx};

/// The link from one account to one enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseAccountRow {
    pub user_id: String,
    pub uscc: String,
    /// `pending`, `confirmed` or `refused`.
    pub status: String,
    /// The company name the registrant gave.
    pub company_name: Option<String>,
    /// The registrant's mobile number (personal: the office and the account itself see it).
    pub contact_phone: Option<String>,
    pub requested_ms: i64,
    pub decided_by: Option<String>,
    pub decided_ms: Option<i64>,
    /// The office's reason for a refusal.
    pub note: Option<String>,
}

record!(EnterpriseAccountRow in "enterprise_accounts" {
    user_id, uscc, status, company_name, contact_phone, requested_ms, decided_by, decided_ms, note,
});

impl Store {
    /// Links an account to an enterprise, confirmed (an administrator's or the demo's link).
    pub async fn link_enterprise_account(
        tx: &mut WriteTx,
        user_id: &str,
        uscc: &str,
    ) -> Result<()> {
        Store::insert_enterprise_account(
            tx,
            &EnterpriseAccountRow {
                user_id: user_id.into(),
                uscc: uscc.into(),
                status: "confirmed".into(),
                company_name: None,
                contact_phone: None,
                requested_ms: 0,
                decided_by: None,
                decided_ms: None,
                note: None,
            },
        )
        .await
    }
    pub async fn insert_enterprise_account(
        tx: &mut WriteTx,
        r: &EnterpriseAccountRow,
    ) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await
    }
    pub async fn put_enterprise_account(
        tx: &mut WriteTx,
        r: &EnterpriseAccountRow,
    ) -> Result<bool> {
        replace(tx, r, 1).await
    }
    /// The enterprise a user acts for, once the link is confirmed.
    pub async fn enterprise_of_user(&self, user_id: &str) -> Result<Option<String>> {
        Ok(self
            .enterprise_account(user_id)
            .await?
            .filter(|a| a.status == "confirmed")
            .map(|a| a.uscc))
    }
    /// An account's link, whatever its status.
    pub async fn enterprise_account(&self, user_id: &str) -> Result<Option<EnterpriseAccountRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "user_id = $1", &[Val::t(user_id)], "")
            .await?
            .into_iter()
            .next())
    }
    pub async fn enterprise_account_in(
        tx: &mut WriteTx,
        user_id: &str,
    ) -> Result<Option<EnterpriseAccountRow>> {
        Ok(select(tx.conn(), "user_id = $1", &[Val::t(user_id)], "")
            .await?
            .into_iter()
            .next())
    }
    /// Links of one status, the oldest request first.
    pub async fn enterprise_accounts(
        &self,
        status: &str,
        limit: i64,
    ) -> Result<Vec<EnterpriseAccountRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "status = $1",
            &[Val::t(status), Val::i(limit)],
            "ORDER BY requested_ms, user_id LIMIT $2",
        )
        .await
    }
}

/// One firm in a head enterprise's partner reserve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveRow {
    pub head_uscc: String,
    pub partner_uscc: String,
    /// What the partner is authorised for.
    pub scope: String,
    /// ISO dates (`YYYY-MM-DD`).
    pub authorised_on: String,
    pub valid_until: Option<String>,
    pub added_by: String,
    pub added_ms: i64,
    pub removed_ms: Option<i64>,
}

record!(ReserveRow in "partner_reserve" {
    head_uscc, partner_uscc, scope, authorised_on, valid_until, added_by, added_ms, removed_ms,
});

impl Store {
    /// Puts a partner in a reserve (again, when removed before: the row is replaced).
    pub async fn put_reserve(tx: &mut WriteTx, r: &ReserveRow) -> Result<()> {
        if !replace(tx, r, 2).await? {
            insert(tx, std::slice::from_ref(r)).await?;
        }
        Ok(())
    }
    pub async fn reserve_row_in(
        tx: &mut WriteTx,
        head: &str,
        partner: &str,
    ) -> Result<Option<ReserveRow>> {
        Ok(select(
            tx.conn(),
            "head_uscc = $1 AND partner_uscc = $2",
            &[Val::t(head), Val::t(partner)],
            "",
        )
        .await?
        .into_iter()
        .next())
    }
    /// A head enterprise's current partners (all heads' when `head` is `None`).
    pub async fn reserve_of(&self, head: Option<&str>, limit: i64) -> Result<Vec<ReserveRow>> {
        let mut c = self.pool().acquire().await?;
        match head {
            Some(h) => {
                select(
                    &mut c,
                    "head_uscc = $1 AND removed_ms IS NULL",
                    &[Val::t(h), Val::i(limit)],
                    "ORDER BY added_ms DESC LIMIT $2",
                )
                .await
            }
            None => {
                select(
                    &mut c,
                    "removed_ms IS NULL",
                    &[Val::i(limit)],
                    "ORDER BY head_uscc, added_ms DESC LIMIT $1",
                )
                .await
            }
        }
    }
    /// The reserves a firm is in (current).
    pub async fn reserves_holding(&self, partner: &str) -> Result<Vec<ReserveRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "partner_uscc = $1 AND removed_ms IS NULL",
            &[Val::t(partner)],
            "ORDER BY added_ms DESC",
        )
        .await
    }
}
