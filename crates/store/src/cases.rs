//! Cases as stored: the record, receipt numbers, writing and reading one case.

use crate::codec::*;
use crate::tables::{bind, insert_rows, table, Ty, Val, TABLES};
use crate::*;
use corridor_domain::case::{LegalClock, Status};
use corridor_domain::catalogue::ServiceMode;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::Date;
use uuid::Uuid;

/// A filed case as stored (and, as JSON, as it travels between nodes).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CaseRecord {
    pub id: Uuid,
    pub receipt_no: String,
    pub matter_code: String,
    pub catalogue_version: i64,
    pub mode: ServiceMode,
    pub status: Status,
    pub applicant_user: Option<Uuid>,
    pub applicant_name: String,
    pub applicant_id_no: Option<String>,
    pub applicant_uscc: Option<String>,
    pub applicant_phone: Option<String>,
    pub receiving_city: String,
    pub receiving_window: Option<String>,
    pub competent_city: String,
    pub competent_authority: String,
    /// The form data as JSON text.
    pub form: String,
    pub filed_ms: i64,
    pub updated_ms: i64,
    pub filed_on: Date,
    pub clock: LegalClock,
    pub reason: Option<String>,
}

impl CaseRecord {
    pub fn to_vals(&self) -> Vec<Val> {
        let c = &self.clock;
        vec![
            Val::t(self.id.to_string()),
            Val::t(&self.receipt_no),
            Val::t(&self.matter_code),
            Val::i(self.catalogue_version),
            Val::t(self.mode.as_str()),
            Val::t(self.status.as_str()),
            Val::ot(self.applicant_user.map(|u| u.to_string())),
            Val::t(&self.applicant_name),
            Val::ot(self.applicant_id_no.clone()),
            Val::ot(self.applicant_uscc.clone()),
            Val::ot(self.applicant_phone.clone()),
            Val::t(&self.receiving_city),
            Val::ot(self.receiving_window.clone()),
            Val::t(&self.competent_city),
            Val::t(&self.competent_authority),
            Val::t(&self.form),
            Val::i(self.filed_ms),
            Val::i(self.updated_ms),
            Val::t(date_str(self.filed_on)),
            Val::i(c.statutory_days.into()),
            Val::ot(c.accepted_on.map(date_str)),
            Val::i(c.paused_days.into()),
            Val::ot(c.paused_since.map(date_str)),
            Val::ot(c.deadline.map(date_str)),
            Val::ot(c.decided_on.map(date_str)),
            Val::Int(c.decision_days.map(i64::from)),
            Val::ot(self.reason.clone()),
            Val::i(c.promised_days.into()),
            Val::ot(c.promised_deadline.map(date_str)),
            Val::Int(c.received_ms),
            Val::Int(c.forwarded_ms),
        ]
    }

    pub fn from_row(r: &AnyRow) -> Result<CaseRecord> {
        let s = |i: usize| -> Result<String> { Ok(r.try_get::<String, _>(i)?) };
        let os = |i: usize| -> Result<Option<String>> { Ok(r.try_get::<Option<String>, _>(i)?) };
        let n = |i: usize| -> Result<i64> { Ok(r.try_get::<i64, _>(i)?) };
        let bad = |what: &str, v: &str| StoreError::Corrupt(format!("{what} '{v}'"));
        let mode_s = s(4)?;
        let status_s = s(5)?;
        Ok(CaseRecord {
            id: uuid(&s(0)?)?,
            receipt_no: s(1)?,
            matter_code: s(2)?,
            catalogue_version: n(3)?,
            mode: ServiceMode::parse(&mode_s).ok_or_else(|| bad("mode", &mode_s))?,
            status: Status::parse(&status_s).ok_or_else(|| bad("status", &status_s))?,
            applicant_user: os(6)?.as_deref().map(uuid).transpose()?,
            applicant_name: s(7)?,
            applicant_id_no: os(8)?,
            applicant_uscc: os(9)?,
            applicant_phone: os(10)?,
            receiving_city: s(11)?,
            receiving_window: os(12)?,
            competent_city: s(13)?,
            competent_authority: s(14)?,
            form: s(15)?,
            filed_ms: n(16)?,
            updated_ms: n(17)?,
            filed_on: parse_date(&s(18)?)?,
            clock: LegalClock {
                statutory_days: n(19)? as u32,
                accepted_on: opt_date(os(20)?)?,
                paused_days: n(21)? as u32,
                paused_since: opt_date(os(22)?)?,
                deadline: opt_date(os(23)?)?,
                decided_on: opt_date(os(24)?)?,
                decision_days: r.try_get::<Option<i64>, _>(25)?.map(|d| d as u32),
                promised_days: n(27)? as u32,
                promised_deadline: opt_date(os(28)?)?,
                received_ms: r.try_get::<Option<i64>, _>(29)?,
                forwarded_ms: r.try_get::<Option<i64>, _>(30)?,
            },
            reason: os(26)?,
        })
    }
}

/// The columns of `cases`, in the order of [`CaseRecord::to_vals`].
pub const CASE_COLS: &[(&str, Ty)] = &[
    ("id", Ty::Text),
    ("receipt_no", Ty::Text),
    ("matter_code", Ty::Text),
    ("catalogue_version", Ty::Int),
    ("mode", Ty::Text),
    ("status", Ty::Text),
    ("applicant_user", Ty::Text),
    ("applicant_name", Ty::Text),
    ("applicant_id_no", Ty::Text),
    ("applicant_uscc", Ty::Text),
    ("applicant_phone", Ty::Text),
    ("receiving_city", Ty::Text),
    ("receiving_window", Ty::Text),
    ("competent_city", Ty::Text),
    ("competent_authority", Ty::Text),
    ("form", Ty::Text),
    ("filed_ms", Ty::Int),
    ("updated_ms", Ty::Int),
    ("filed_on", Ty::Text),
    ("statutory_days", Ty::Int),
    ("accepted_on", Ty::Text),
    ("paused_days", Ty::Int),
    ("paused_since", Ty::Text),
    ("deadline", Ty::Text),
    ("decided_on", Ty::Text),
    ("decision_days", Ty::Int),
    ("reason", Ty::Text),
    ("promised_days", Ty::Int),
    ("promised_deadline", Ty::Text),
    ("received_ms", Ty::Int),
    ("forwarded_ms", Ty::Int),
];

pub(crate) fn case_cols() -> String {
    CASE_COLS
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn cases_table() -> &'static crate::Table {
    table("cases").unwrap_or(&TABLES[0])
}

/// Filters for case lists; each set field narrows the list.
/// `receipt_upsert!` for a bulk load's counters (see [`Store::reserve_receipt_seqs`]).
pub const RECEIPT_UPSERT: &str = receipt_upsert!();

impl Store {
    // ---------- cases ----------

    /// Takes the next receipt number of a city for a day (unique per city, no global sequence).
    pub async fn next_receipt_seq(tx: &mut WriteTx, city: &str, day: &str) -> Result<i64> {
        let conn: &mut AnyConnection = tx.conn();
        let n: i64 = sqlx::query_scalar(
            "INSERT INTO receipt_counters (city, day, next) VALUES ($1, $2, 1) \
             ON CONFLICT (city, day) DO UPDATE SET next = receipt_counters.next + 1 RETURNING next",
        )
        .bind(city.to_string())
        .bind(day.to_string())
        .fetch_one(&mut *conn)
        .await?;
        Ok(n)
    }

    /// Reserves `count` receipt numbers at once; returns the first.
    pub async fn reserve_receipt_seqs(
        tx: &mut WriteTx,
        city: &str,
        day: &str,
        count: i64,
    ) -> Result<i64> {
        let conn: &mut AnyConnection = tx.conn();
        let last: i64 = sqlx::query_scalar(concat!(
            "INSERT INTO receipt_counters (city, day, next) VALUES ($1, $2, $3) ",
            receipt_upsert!(),
            " RETURNING next"
        ))
        .bind(city.to_string())
        .bind(day.to_string())
        .bind(count)
        .fetch_one(&mut *conn)
        .await?;
        Ok(last - count + 1)
    }

    pub async fn insert_cases(tx: &mut WriteTx, cases: &[CaseRecord]) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let rows: Vec<Vec<Val>> = cases.iter().map(CaseRecord::to_vals).collect();
        insert_rows(conn, backend, cases_table(), &rows).await
    }

    /// Writes a changed case if its status and its competent authority are still `expected`
    /// (no lost updates: an action decided on the case as it was is not applied after another
    /// changed it, a transfer included).
    pub async fn update_case(
        tx: &mut WriteTx,
        c: &CaseRecord,
        (expected, authority): (Status, &str),
    ) -> Result<bool> {
        let conn: &mut AnyConnection = tx.conn();
        let vals = c.to_vals();
        let sets: Vec<String> = CASE_COLS
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, (col, _))| format!("{col} = ${}", i + 1))
            .collect();
        let sql = format!(
            "UPDATE cases SET {} WHERE id = $1 AND status = ${} AND competent_authority = ${}",
            sets.join(", "),
            vals.len() + 1,
            vals.len() + 2
        );
        let mut q = sqlx::query(&sql);
        for v in &vals {
            q = bind(q, v);
        }
        q = q
            .bind(expected.as_str().to_string())
            .bind(authority.to_string());
        Ok(q.execute(&mut *conn).await?.rows_affected() == 1)
    }

    pub async fn get_case(&self, id: Uuid) -> Result<Option<CaseRecord>> {
        let r = sqlx::query(&format!("SELECT {} FROM cases WHERE id = $1", case_cols()))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(CaseRecord::from_row).transpose()
    }

    /// A case as the writer's transaction sees it.
    /// The cases of these ids that exist, as `tx` sees them (a batch's look-up).
    pub async fn get_cases_in(tx: &mut WriteTx, ids: &[Uuid]) -> Result<Vec<CaseRecord>> {
        let of = (&*case_cols(), "cases", "id");
        crate::tables::rows_with_ids(tx, of, ids, CaseRecord::from_row).await
    }

    pub async fn get_case_in(tx: &mut WriteTx, id: Uuid) -> Result<Option<CaseRecord>> {
        let conn: &mut AnyConnection = tx.conn();
        let r = sqlx::query(&format!("SELECT {} FROM cases WHERE id = $1", case_cols()))
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
        r.as_ref().map(CaseRecord::from_row).transpose()
    }

    pub async fn get_case_by_receipt(&self, receipt: &str) -> Result<Option<CaseRecord>> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM cases WHERE receipt_no = $1",
            case_cols()
        ))
        .bind(receipt.to_string())
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(CaseRecord::from_row).transpose()
    }

    /// Cases filed before promised limits were tracked (migration 0029: `promised_days` 0), in
    /// id order after `after`, at most `limit`.
    pub async fn cases_without_promise(
        &self,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<CaseRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM cases WHERE promised_days = 0 AND id > $1 ORDER BY id LIMIT $2",
            case_cols()
        ))
        .bind(after.map(|u| u.to_string()).unwrap_or_default())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(CaseRecord::from_row).collect()
    }

    /// When each of these cases was first received and first forwarded, from their audit
    /// events: `(case, action, at_ms)`.
    pub async fn window_times(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, String, i64)>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let list = crate::tables::params(1, chunk.len());
            let sql = format!(
                "SELECT stream, action, CAST(MIN(at_ms) AS BIGINT) FROM audit_events \
                 WHERE stream IN ({list}) AND action IN ('receive', 'forward') \
                 GROUP BY stream, action"
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(format!("case:{id}"));
            }
            for r in q.fetch_all(&self.pool).await? {
                let stream: String = r.try_get(0)?;
                let id = uuid(stream.trim_start_matches("case:"))?;
                out.push((id, r.try_get(1)?, r.try_get(2)?));
            }
        }
        Ok(out)
    }
}
