//! Joint filings and their parts (issue #27 points 2 and 4): see `0031_joint_filings.sql`. A
//! part is a case of its own; `joint_parts` ties it to its filing.

use crate::codec::date_str;
use crate::record::{insert, record, select};
use crate::tables::Val;
use crate::{Result, Store, WriteTx};
use sqlx::{AnyConnection, Row};
use time::Date;

/// A joint filing as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JointRecord {
    pub id: String,
    /// `multi_site` or `bundle`.
    pub kind: String,
    pub code: String,
    pub applicant_user: Option<String>,
    pub applicant_name: String,
    pub receiving_city: String,
    pub filed_ms: i64,
    pub filed_on: Date,
    pub deadline: Date,
    pub promised_deadline: Date,
    pub outcome: Option<String>,
    /// The part whose action decided the outcome, and its reason.
    pub outcome_case: Option<String>,
    pub outcome_reason: Option<String>,
    pub decided_ms: Option<i64>,
}

record!(JointRecord in "joint_filings" {
    id, kind, code, applicant_user, applicant_name, receiving_city, filed_ms, filed_on, deadline,
    promised_deadline, outcome, outcome_case, outcome_reason, decided_ms,
});

/// A part: which case, of which filing, under which key, in which place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JointPart {
    pub case_id: String,
    pub joint_id: String,
    pub part_key: String,
    pub seq: i64,
}

record!(JointPart in "joint_parts" { case_id, joint_id, part_key, seq });

/// Whose joint filings a list shows.
#[derive(Debug, Clone)]
pub enum JointScope {
    /// An applicant's own.
    User(String),
    /// Those with a part decided by this authority.
    Authority(String),
    /// Those with a part received at this window.
    Window(String),
    All,
}

impl Store {
    /// Writes a filing and its parts (in the writer's transaction, with the parts' cases).
    pub async fn insert_joint(
        tx: &mut WriteTx,
        j: &JointRecord,
        parts: &[JointPart],
    ) -> Result<()> {
        insert(tx, std::slice::from_ref(j)).await?;
        insert(tx, parts).await
    }

    pub async fn joint(&self, id: &str) -> Result<Option<JointRecord>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "id = $1", &[Val::t(id)], "").await?.pop())
    }

    /// A filing's parts in their order.
    pub async fn joint_parts(&self, id: &str) -> Result<Vec<JointPart>> {
        let mut c = self.pool().acquire().await?;
        select(&mut c, "joint_id = $1", &[Val::t(id)], "ORDER BY seq").await
    }

    /// The filing a case is a part of, if any.
    pub async fn part_of(&self, case_id: &str) -> Result<Option<JointPart>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "case_id = $1", &[Val::t(case_id)], "")
            .await?
            .pop())
    }

    /// Records how a filing ended, once: `false` if it had ended already.
    pub async fn set_joint_outcome(
        tx: &mut WriteTx,
        id: &str,
        outcome: &str,
        case_id: &str,
        reason: Option<&str>,
        at_ms: i64,
    ) -> Result<bool> {
        let conn: &mut AnyConnection = tx.conn();
        let n = sqlx::query(
            "UPDATE joint_filings SET outcome = $1, outcome_case = $2, outcome_reason = $3, \
             decided_ms = $4 WHERE id = $5 AND outcome IS NULL",
        )
        .bind(outcome.to_string())
        .bind(case_id.to_string())
        .bind(reason.map(str::to_string))
        .bind(at_ms)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// A page of filings in `scope`, newest first, and how many there are.
    pub async fn list_joints(
        &self,
        scope: &JointScope,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<JointRecord>, i64)> {
        let parts = "id IN (SELECT p.joint_id FROM joint_parts p JOIN cases c ON c.id = p.case_id";
        let (filter, args) = match scope {
            JointScope::User(u) => ("applicant_user = $1".to_string(), vec![Val::t(u)]),
            JointScope::Authority(a) => (
                format!("{parts} WHERE c.competent_authority = $1)"),
                vec![Val::t(a)],
            ),
            JointScope::Window(w) => (
                format!("{parts} WHERE c.receiving_window = $1)"),
                vec![Val::t(w)],
            ),
            JointScope::All => ("1 = 1".to_string(), vec![]),
        };
        let mut c = self.pool().acquire().await?;
        let n = args.len();
        let tail = format!(
            "ORDER BY filed_ms DESC, id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut paged = args.clone();
        paged.extend([Val::i(limit), Val::i(offset)]);
        let list = select(&mut c, &filter, &paged, &tail).await?;
        let count = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM joint_filings WHERE {filter}");
        let mut q = sqlx::query_scalar::<_, i64>(&count);
        for a in &args {
            if let Val::Text(Some(t)) = a {
                q = q.bind(t.clone());
            }
        }
        let total = q.fetch_one(&mut *c).await?;
        Ok((list, total))
    }

    /// Joint filings filed on or after `since`, by kind and outcome (none: open): how many, and
    /// how many of the open ones are past the whole's deadline on `today`.
    pub async fn joint_counts(
        &self,
        since: Date,
        today: Date,
    ) -> Result<Vec<(String, Option<String>, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT kind, outcome, CAST(COUNT(*) AS BIGINT), \
             CAST(SUM(CASE WHEN outcome IS NULL AND deadline < $2 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM joint_filings WHERE filed_on >= $1 GROUP BY kind, outcome ORDER BY kind, outcome",
        )
        .bind(date_str(since))
        .bind(date_str(today))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }
}
