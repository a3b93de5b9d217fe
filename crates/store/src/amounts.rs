//! Amount rules and the amounts decisions record (issue #27 point 3): see `0028_amounts.sql`.

use crate::{Result, Store, WriteTx};
use sqlx::{AnyConnection, Row};

/// One published version of a city's rule for a matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountRuleRecord {
    pub city: String,
    pub matter_code: String,
    pub version: i64,
    /// `corridor_domain::amount::AmountRule` as JSON.
    pub rule: String,
    pub published_ms: i64,
    pub published_by: String,
    pub note: String,
    /// The CST date (YYYY-MM-DD) it takes effect; `None`: the day it was published.
    pub effective_from: Option<String>,
}

/// The amount a decision granted or charged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaseAmountRecord {
    pub case_id: String,
    pub city: String,
    pub matter_code: String,
    pub rule_version: i64,
    pub kind: String,
    pub amount_fen: i64,
    pub total_fen: i64,
    /// `corridor_domain::amount::Computed` as JSON: the steps, the basis.
    pub computed: String,
    pub decided_ms: i64,
}

impl CaseAmountRecord {
    /// The row as the bulk loader writes it (`case_amounts`' columns in order).
    pub fn to_vals(&self) -> Vec<crate::Val> {
        use crate::Val;
        vec![
            Val::t(&self.case_id),
            Val::t(&self.city),
            Val::t(&self.matter_code),
            Val::i(self.rule_version),
            Val::t(&self.kind),
            Val::i(self.amount_fen),
            Val::i(self.total_fen),
            Val::t(&self.computed),
            Val::i(self.decided_ms),
        ]
    }
}

const RULE_COLS: &str =
    "city, matter_code, version, rule, published_ms, published_by, note, effective_from";
const AMOUNT_COLS: &str =
    "case_id, city, matter_code, rule_version, kind, amount_fen, total_fen, computed, decided_ms";

fn rule_row(r: &sqlx::any::AnyRow) -> Result<AmountRuleRecord> {
    Ok(AmountRuleRecord {
        city: r.try_get(0)?,
        matter_code: r.try_get(1)?,
        version: r.try_get(2)?,
        rule: r.try_get(3)?,
        published_ms: r.try_get(4)?,
        published_by: r.try_get(5)?,
        note: r.try_get(6)?,
        effective_from: r.try_get(7)?,
    })
}

impl Store {
    /// Every version of every rule, by city, matter and version (which is in force on a day
    /// is the application's rule: their effective dates decide).
    pub async fn amount_rules_all(&self) -> Result<Vec<AmountRuleRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {RULE_COLS} FROM amount_rules ORDER BY matter_code, city, version"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(rule_row).collect()
    }

    /// Every version of one city's rule for a matter, the newest first.
    pub async fn amount_rule_history(
        &self,
        city: &str,
        matter: &str,
    ) -> Result<Vec<AmountRuleRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {RULE_COLS} FROM amount_rules WHERE city = $1 AND matter_code = $2 \
             ORDER BY version DESC"
        ))
        .bind(city.to_string())
        .bind(matter.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(rule_row).collect()
    }

    /// Publishes a rule as the next version of its (city, matter); returns the version.
    pub async fn publish_amount_rule(tx: &mut WriteTx, r: &AmountRuleRecord) -> Result<i64> {
        let conn: &mut AnyConnection = tx.conn();
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(version) FROM amount_rules WHERE city = $1 AND matter_code = $2",
        )
        .bind(r.city.clone())
        .bind(r.matter_code.clone())
        .fetch_one(&mut *conn)
        .await?;
        let version = last.unwrap_or(0) + 1;
        sqlx::query(&format!(
            "INSERT INTO amount_rules ({RULE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(r.city.clone())
        .bind(r.matter_code.clone())
        .bind(version)
        .bind(r.rule.clone())
        .bind(r.published_ms)
        .bind(r.published_by.clone())
        .bind(r.note.clone())
        .bind(r.effective_from.clone())
        .execute(&mut *conn)
        .await?;
        Ok(version)
    }

    /// Publishes the shipped rules of the (city, matter)s that have none yet (an operator's
    /// rule is never replaced); returns how many.
    pub async fn seed_amount_rules(tx: &mut WriteTx, rules: &[AmountRuleRecord]) -> Result<u64> {
        let conn: &mut AnyConnection = tx.conn();
        let mut n = 0;
        for r in rules {
            let done = sqlx::query(&format!(
                "INSERT INTO amount_rules ({RULE_COLS}) SELECT $1, $2, 1, $3, $4, $5, $6, NULL \
                 WHERE NOT EXISTS (SELECT 1 FROM amount_rules WHERE city = $1 AND matter_code = $2)"
            ))
            .bind(r.city.clone())
            .bind(r.matter_code.clone())
            .bind(r.rule.clone())
            .bind(r.published_ms)
            .bind(r.published_by.clone())
            .bind(r.note.clone())
            .execute(&mut *conn)
            .await?;
            n += done.rows_affected();
        }
        Ok(n)
    }

    /// Records a decision's amount (once: a repeated message does not change it).
    pub async fn put_case_amount(tx: &mut WriteTx, a: &CaseAmountRecord) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        sqlx::query(&format!(
            "INSERT INTO case_amounts ({AMOUNT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (case_id) DO NOTHING"
        ))
        .bind(a.case_id.clone())
        .bind(a.city.clone())
        .bind(a.matter_code.clone())
        .bind(a.rule_version)
        .bind(a.kind.clone())
        .bind(a.amount_fen)
        .bind(a.total_fen)
        .bind(a.computed.clone())
        .bind(a.decided_ms)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The amounts decided, by deciding city, matter and kind: how many and their total (fen),
    /// decided at or after `since_ms`.
    pub async fn amount_totals(
        &self,
        since_ms: i64,
    ) -> Result<Vec<(String, String, String, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT city, matter_code, kind, CAST(COUNT(*) AS BIGINT), CAST(SUM(total_fen) AS BIGINT) \
             FROM case_amounts WHERE decided_ms >= $1 \
             GROUP BY city, matter_code, kind ORDER BY city, matter_code, kind",
        )
        .bind(since_ms)
        .fetch_all(self.pool())
        .await?)
    }

    /// The amount a case's decision recorded, if any.
    pub async fn case_amount(&self, case_id: &str) -> Result<Option<CaseAmountRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {AMOUNT_COLS} FROM case_amounts WHERE case_id = $1"
        ))
        .bind(case_id.to_string())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok(CaseAmountRecord {
                case_id: r.try_get(0)?,
                city: r.try_get(1)?,
                matter_code: r.try_get(2)?,
                rule_version: r.try_get(3)?,
                kind: r.try_get(4)?,
                amount_fen: r.try_get(5)?,
                total_fen: r.try_get(6)?,
                computed: r.try_get(7)?,
                decided_ms: r.try_get(8)?,
            })
        })
        .transpose()
    }
}
