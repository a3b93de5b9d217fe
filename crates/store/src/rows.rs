//! Typed records and the queries over them.

use crate::tables::{bind, cols_list, insert_rows, read_row, table, Val, CASE_COLS, TABLES};
use crate::{Result, Store, StoreError};
use corridor_domain::audit::{AuditEvent, GENESIS};
use corridor_domain::case::{LegalClock, Status};
use corridor_domain::catalogue::ServiceMode;
use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::Date;
use uuid::Uuid;

/// The `ON CONFLICT` clause that adds receipt numbers to a city's day (the row's `next` is the
/// count of numbers used), as a literal so that filing's statement can be built from it too.
macro_rules! receipt_upsert {
    () => {
        "ON CONFLICT (city, day) DO UPDATE SET next = receipt_counters.next + excluded.next"
    };
}

const DATE_FMT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub fn date_str(d: Date) -> String {
    d.format(DATE_FMT).unwrap_or_default()
}
pub fn parse_date(s: &str) -> Result<Date> {
    Date::parse(s, DATE_FMT).map_err(|e| StoreError::Corrupt(format!("date '{s}': {e}")))
}
fn opt_date(v: Option<String>) -> Result<Option<Date>> {
    v.as_deref().map(parse_date).transpose()
}
pub(crate) fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("uuid '{s}': {e}")))
}
fn to_doc<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}
fn from_doc<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A filed case as stored.
#[derive(Debug, Clone, PartialEq)]
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
            },
            reason: os(26)?,
        })
    }
}

fn case_cols() -> String {
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
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub applicant_user: Option<Uuid>,
    pub receiving_window: Option<String>,
    pub competent_authority: Option<String>,
    pub statuses: Vec<Status>,
    pub matter_code: Option<String>,
    pub receiving_city: Option<String>,
    pub competent_city: Option<String>,
    /// Cases whose deadline is on or before this date and that still await a decision.
    pub deadline_by: Option<Date>,
    pub receipt_no: Option<String>,
    /// Sort by deadline (reviewer queues) instead of newest first.
    pub by_deadline: bool,
    /// Keyset paging: only cases after this one in the list's order.
    pub after: Option<CaseCursor>,
    /// Count at most this many (default [`COUNT_CAP`]).
    pub count_cap: Option<i64>,
}

/// A position in a case list: the sort key of its last case (keyset paging, so a deep page
/// costs what the first does, where `OFFSET` reads and discards every row before it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseCursor {
    /// For lists by deadline (`None`: the case has no deadline; those come last).
    pub deadline: Option<String>,
    pub filed_ms: i64,
    pub id: String,
}

impl CaseCursor {
    pub fn of(c: &CaseRecord) -> CaseCursor {
        CaseCursor {
            deadline: c.clock.deadline.map(date_str),
            filed_ms: c.filed_ms,
            id: c.id.to_string(),
        }
    }

    /// `<deadline or ->.<filed_ms>.<id>`, safe in a URL.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}",
            self.deadline.as_deref().unwrap_or("-"),
            self.filed_ms,
            self.id
        )
    }

    pub fn decode(s: &str) -> Option<CaseCursor> {
        let mut it = s.splitn(3, '.');
        let d = it.next()?;
        let filed_ms = it.next()?.parse().ok()?;
        let id = Uuid::parse_str(it.next()?).ok()?.to_string();
        let deadline = match d {
            "-" => None,
            d => Some(date_str(parse_date(d).ok()?)),
        };
        Some(CaseCursor {
            deadline,
            filed_ms,
            id,
        })
    }

    /// The condition "after this cursor" in a list's order, with its values.
    fn condition(&self, by_deadline: bool, vals: &mut Vec<Val>) -> String {
        let mut p = |v: Val| push(vals, v);
        let fm = p(Val::i(self.filed_ms));
        let fm2 = p(Val::i(self.filed_ms));
        let id = p(Val::t(self.id.clone()));
        if !by_deadline {
            // `filed_ms <= x` first, so that an index in this order seeks to the cursor.
            return format!("filed_ms <= {fm} AND (filed_ms < {fm2} OR id > {id})");
        }
        let tail = format!("(filed_ms > {fm} OR (filed_ms = {fm2} AND id > {id}))");
        match &self.deadline {
            None => format!("(deadline IS NULL AND {tail})"),
            Some(d) => {
                let d1 = p(Val::t(d.clone()));
                let d2 = p(Val::t(d.clone()));
                format!("(deadline IS NULL OR deadline > {d1} OR (deadline = {d2} AND {tail}))")
            }
        }
    }
}

/// How a case page is selected: its order, and whether ids are chosen before rows are read.
struct Select<'a> {
    deferred: bool,
    order: &'a str,
}

impl<'a> From<&'a str> for Select<'a> {
    fn from(order: &'a str) -> Select<'a> {
        Select {
            deferred: false,
            order,
        }
    }
}

/// Adds a value to a statement's parameters; returns its placeholder.
fn push(vals: &mut Vec<Val>, v: Val) -> String {
    vals.push(v);
    format!("${}", vals.len())
}

/// Case lists count their scope up to this many cases; beyond it the count says "at least".
pub const COUNT_CAP: i64 = 10_000;

/// How many cases a list's filter matches: exact up to the cap, else at least that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseCount {
    pub n: i64,
    pub exact: bool,
}

/// How many delta rows of one scope `case_counts` may hold on PostgreSQL before a count folds
/// them (see [`Store::list_cases`]).
const FOLD_AT: i64 = 64;

impl CaseFilter {
    /// The `case_counts` scope that counts this list exactly, if there is one: one window, one
    /// competent authority or one applicant, with or without states and nothing else.
    /// An explicit `count_cap` asks for the capped count.
    fn kept_count_scope(&self) -> Option<String> {
        if self.count_cap.is_some()
            || self.matter_code.is_some()
            || self.receiving_city.is_some()
            || self.competent_city.is_some()
            || self.receipt_no.is_some()
            || self.deadline_by.is_some()
        {
            return None;
        }
        match (
            self.applicant_user,
            &self.receiving_window,
            &self.competent_authority,
        ) {
            (Some(u), None, None) => Some(format!("u:{u}")),
            (None, Some(w), None) => Some(format!("w:{w}")),
            (None, None, Some(a)) => Some(format!("a:{a}")),
            _ => None,
        }
    }

    fn where_clause(&self) -> (String, Vec<Val>) {
        let mut conds: Vec<String> = Vec::new();
        let mut vals = Vec::new();
        let mut push = |cond: &str, v: Val, vals: &mut Vec<Val>| {
            vals.push(v);
            conds.push(cond.replace('?', &format!("${}", vals.len())));
        };
        if let Some(u) = self.applicant_user {
            push("applicant_user = ?", Val::t(u.to_string()), &mut vals);
        }
        if let Some(w) = &self.receiving_window {
            push("receiving_window = ?", Val::t(w), &mut vals);
        }
        if let Some(a) = &self.competent_authority {
            push("competent_authority = ?", Val::t(a), &mut vals);
        }
        if let Some(m) = &self.matter_code {
            push("matter_code = ?", Val::t(m), &mut vals);
        }
        if let Some(c) = &self.receiving_city {
            push("receiving_city = ?", Val::t(c), &mut vals);
        }
        if let Some(c) = &self.competent_city {
            push("competent_city = ?", Val::t(c), &mut vals);
        }
        if let Some(r) = &self.receipt_no {
            push("receipt_no = ?", Val::t(r), &mut vals);
        }
        if let Some(d) = self.deadline_by {
            push("deadline <= ?", Val::t(date_str(d)), &mut vals);
            conds.push("status IN ('accepted', 'resubmitted')".into());
        }
        if !self.statuses.is_empty() {
            let mut parts = Vec::new();
            for s in &self.statuses {
                vals.push(Val::t(s.as_str()));
                parts.push(format!("${}", vals.len()));
            }
            conds.push(format!("status IN ({})", parts.join(", ")));
        }
        let w = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        (w, vals)
    }
}

/// A user account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: Uuid,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub city: Option<String>,
    pub window_id: Option<String>,
    pub authority_id: Option<String>,
    pub display_name: String,
    pub created_ms: i64,
    /// A natural person's verified resident ID number (applicant accounts).
    pub resident_id: Option<String>,
}

impl UserRecord {
    fn to_vals(&self) -> Vec<Val> {
        vec![
            Val::t(self.id.to_string()),
            Val::t(&self.username),
            Val::t(&self.password_hash),
            Val::t(&self.role),
            Val::ot(self.city.clone()),
            Val::ot(self.window_id.clone()),
            Val::ot(self.authority_id.clone()),
            Val::t(&self.display_name),
            Val::i(self.created_ms),
            Val::ot(self.resident_id.clone()),
        ]
    }
    fn from_row(r: &AnyRow) -> Result<UserRecord> {
        Ok(UserRecord {
            id: uuid(&r.try_get::<String, _>(0)?)?,
            username: r.try_get(1)?,
            password_hash: r.try_get(2)?,
            role: r.try_get(3)?,
            city: r.try_get(4)?,
            window_id: r.try_get(5)?,
            authority_id: r.try_get(6)?,
            display_name: r.try_get(7)?,
            created_ms: r.try_get(8)?,
            resident_id: r.try_get(9)?,
        })
    }
}

const USER_COLS: &str = "id, username, password_hash, role, city, window_id, authority_id, \
    display_name, created_ms, resident_id";

/// Counts for statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupCount {
    pub key: String,
    pub total: i64,
    pub decided: i64,
    pub on_time: i64,
}

impl Store {
    // ---------- reference data ----------

    /// Inserts or replaces a reference document (`jurisdictions`, `authority_kinds`, ...).
    pub async fn put_doc<T: Serialize>(
        conn: &mut AnyConnection,
        table_name: &str,
        key: Val,
        extra: &[Val],
        doc: &T,
    ) -> Result<()> {
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
        conn: &mut AnyConnection,
        version: i64,
        published_ms: i64,
        note: &str,
        digest: &str,
        matters: &[(String, String, T)],
    ) -> Result<()> {
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
        insert_rows(conn, table("matters").unwrap_or(&TABLES[0]), &rows).await
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
        let rows = sqlx::query(
            "SELECT version, published_ms, note, digest, matter_count FROM catalogue_versions ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                ))
            })
            .collect()
    }

    // ---------- users and sessions ----------

    pub async fn insert_user(conn: &mut AnyConnection, u: &UserRecord) -> Result<()> {
        let t = table("users").unwrap_or(&TABLES[0]);
        insert_rows(conn, t, &[u.to_vals()])
            .await
            .map_err(|e| match e {
                StoreError::Db(sqlx::Error::Database(d))
                    if d.message().to_lowercase().contains("unique") =>
                {
                    StoreError::Conflict(format!("username '{}' is taken", u.username))
                }
                e => e,
            })
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserRecord>> {
        let r = sqlx::query(&format!(
            "SELECT {USER_COLS} FROM users WHERE username = $1"
        ))
        .bind(username.to_string())
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(UserRecord::from_row).transpose()
    }

    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>> {
        let r = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(UserRecord::from_row).transpose()
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Stores a new session (the token's hash) in a write transaction: sign-ins go through
    /// the single writer with filings and actions, so they queue behind its batches instead of
    /// polling SQLite's write lock.
    /// Replaces a user's password hash (after a sign-in re-hashed it with newer parameters).
    pub async fn set_password_hash(
        conn: &mut AnyConnection,
        user: Uuid,
        password_hash: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash.to_string())
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn insert_session(
        conn: &mut AnyConnection,
        token_hash: &str,
        user: Uuid,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_ms, expires_ms) VALUES ($1, $2, $3, $4)")
            .bind(token_hash.to_string())
            .bind(user.to_string())
            .bind(now_ms)
            .bind(expires_ms)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn session_user(&self, token_hash: &str, now_ms: i64) -> Result<Option<UserRecord>> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM users u JOIN sessions s ON s.user_id = u.id WHERE s.token_hash = $1 AND s.expires_ms > $2",
            USER_COLS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ")
        ))
        .bind(token_hash.to_string())
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(UserRecord::from_row).transpose()
    }

    pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Deletes up to `limit` sessions that expired at or before `now_ms`; returns how many.
    pub async fn purge_sessions(conn: &mut AnyConnection, now_ms: i64, limit: i64) -> Result<u64> {
        let r = sqlx::query(
            "DELETE FROM sessions WHERE token_hash IN \
             (SELECT token_hash FROM sessions WHERE expires_ms <= $1 LIMIT $2)",
        )
        .bind(now_ms)
        .bind(limit)
        .execute(conn)
        .await?;
        Ok(r.rows_affected())
    }

    /// How many sessions are stored (expired or not).
    pub async fn session_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
            .fetch_one(&self.pool)
            .await?)
    }

    // ---------- cases ----------

    /// Takes the next receipt number of a city for a day (unique per city, no global sequence).
    pub async fn next_receipt_seq(conn: &mut AnyConnection, city: &str, day: &str) -> Result<i64> {
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
        conn: &mut AnyConnection,
        city: &str,
        day: &str,
        count: i64,
    ) -> Result<i64> {
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

    pub async fn insert_cases(conn: &mut AnyConnection, cases: &[CaseRecord]) -> Result<()> {
        let rows: Vec<Vec<Val>> = cases.iter().map(CaseRecord::to_vals).collect();
        insert_rows(conn, cases_table(), &rows).await
    }

    /// Writes a changed case if its status is still `expected` (no lost updates).
    pub async fn update_case(
        conn: &mut AnyConnection,
        c: &CaseRecord,
        expected: Status,
    ) -> Result<bool> {
        let vals = c.to_vals();
        let sets: Vec<String> = CASE_COLS
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, (col, _))| format!("{col} = ${}", i + 1))
            .collect();
        let sql = format!(
            "UPDATE cases SET {} WHERE id = $1 AND status = ${}",
            sets.join(", "),
            vals.len() + 1
        );
        let mut q = sqlx::query(&sql);
        for v in &vals {
            q = bind(q, v);
        }
        q = q.bind(expected.as_str().to_string());
        Ok(q.execute(&mut *conn).await?.rows_affected() == 1)
    }

    pub async fn get_case(&self, id: Uuid) -> Result<Option<CaseRecord>> {
        let r = sqlx::query(&format!("SELECT {} FROM cases WHERE id = $1", case_cols()))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
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

    /// A page of cases and the total count matching the filter.
    /// Cases matching `f` in list order (by deadline or newest first), with their count up
    /// to [`COUNT_CAP`].
    pub async fn list_cases(
        &self,
        f: &CaseFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<CaseRecord>, CaseCount)> {
        self.list_cases_with(f, limit, offset, None).await
    }

    /// The plans of the statements [`Store::list_cases`] runs for a page of `f` (SQLite:
    /// `EXPLAIN QUERY PLAN`; PostgreSQL: `EXPLAIN`), without running them. PostgreSQL plans
    /// with sequential scans and sorts disabled, as it would choose on a table large enough
    /// that reading an index in the list's order wins: a `Sort` left in the plan means no
    /// index gives that order, so a page would read and sort everything after its cursor.
    pub async fn list_cases_plans(&self, f: &CaseFilter, limit: i64) -> Result<Vec<String>> {
        let plans = std::sync::Mutex::new(Vec::new());
        self.list_cases_with(f, limit, 0, Some(&plans)).await?;
        Ok(plans.into_inner().unwrap_or_default())
    }

    async fn list_cases_with(
        &self,
        f: &CaseFilter,
        limit: i64,
        offset: i64,
        explain: Option<&std::sync::Mutex<Vec<String>>>,
    ) -> Result<(Vec<CaseRecord>, CaseCount)> {
        let (w, vals) = f.where_clause();
        let total = match f.kept_count_scope() {
            // A window's, an authority's or an applicant's list, in some states or all: the
            // counts kept by the triggers of migration 0010, exact at any size.
            Some(scope) => CaseCount {
                n: self.kept_count(&scope, &f.statuses).await?,
                exact: true,
            },
            None => {
                // Counting stops after COUNT_CAP + 1 rows: an exact total of a 1,000,000-case
                // scope would read them all on every page.
                let cap = f.count_cap.unwrap_or(COUNT_CAP).max(0);
                let count_sql = format!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM cases{w} LIMIT {}) capped",
                    cap + 1
                );
                let mut cq = sqlx::query_scalar::<_, i64>(&count_sql);
                for v in &vals {
                    cq = match v {
                        Val::Int(n) => cq.bind(*n),
                        Val::Text(s) => cq.bind(s.clone()),
                    };
                }
                let counted = cq.fetch_one(&self.pool).await?;
                CaseCount {
                    n: counted.min(cap),
                    exact: counted <= cap,
                }
            }
        };
        // Without a status filter the page is read in order from an index of migration 0006
        // (the same expressions), instead of sorting the caller's whole scope, and a cursor
        // seeks into that index. With one (the queues), the (scope, status, ...) indexes of
        // migration 0007 find the cases in those states; the order indexes would walk every
        // closed case first, so for several states the order is written in an equivalent form
        // that the order indexes do not match. A queue in one state is read in the order of
        // its status index; several states sort the ids that index holds (see below).
        let filtered = !f.statuses.is_empty() || f.deadline_by.is_some();
        let cases = match (&f.after, f.by_deadline, filtered) {
            (Some(c), true, false) => {
                // Cases with a deadline, then those without: two seeks, each in index order.
                let mut rows = Vec::new();
                if let Some(d) = &c.deadline {
                    let mut v = vals.clone();
                    // PostgreSQL rewrites `(deadline IS NULL) = FALSE` into `deadline IS NOT
                    // NULL`, which no longer names the index's `(deadline IS NULL)` column:
                    // the scan then reads every case after the cursor and sorts them (166 ms a
                    // page in the middle of 121,000 cases). `IS FALSE` keeps the column.
                    let has_deadline = match self.backend {
                        crate::Backend::Postgres => "(deadline IS NULL) IS FALSE",
                        crate::Backend::Sqlite => "(deadline IS NULL) = FALSE",
                    };
                    let cond = format!(
                        "{has_deadline} AND (deadline, filed_ms, id) > ({}, {}, {})",
                        push(&mut v, Val::t(d.clone())),
                        push(&mut v, Val::i(c.filed_ms)),
                        push(&mut v, Val::t(c.id.clone()))
                    );
                    rows = self
                        .fetch_cases(&w, v, &cond, "deadline, filed_ms, id", (limit, 0), explain)
                        .await?;
                }
                if (rows.len() as i64) < limit {
                    let mut v = vals.clone();
                    let mut cond = "(deadline IS NULL) = TRUE AND deadline IS NULL".to_string();
                    if c.deadline.is_none() {
                        cond = format!(
                            "{cond} AND (filed_ms, id) > ({}, {})",
                            push(&mut v, Val::i(c.filed_ms)),
                            push(&mut v, Val::t(c.id.clone()))
                        );
                    }
                    let rest = limit - rows.len() as i64;
                    // `deadline` first in the order although it is null in every row here: so
                    // the order is the index's, and PostgreSQL (which does not take `IS NULL`
                    // as pinning a column) reads the page in index order instead of sorting.
                    rows.extend(
                        self.fetch_cases(
                            &w,
                            v,
                            &cond,
                            "deadline, filed_ms, id",
                            (rest, 0),
                            explain,
                        )
                        .await?,
                    );
                }
                rows
            }
            (Some(c), false, false) => {
                let mut v = vals.clone();
                let cond = format!(
                    "filed_ms <= {} AND (filed_ms < {} OR id > {})",
                    push(&mut v, Val::i(c.filed_ms)),
                    push(&mut v, Val::i(c.filed_ms)),
                    push(&mut v, Val::t(c.id.clone()))
                );
                self.fetch_cases(&w, v, &cond, "filed_ms DESC, id", (limit, 0), explain)
                    .await?
            }
            (after, by_deadline, filtered) => {
                let mut v = vals.clone();
                let cond = after
                    .as_ref()
                    .map(|c| c.condition(by_deadline, &mut v))
                    .unwrap_or_default();
                // One status, newest first (a window's submitted queue): the
                // (scope, status, filed_ms DESC, id) indexes of migration 0007 give this order,
                // so a page reads its own rows only, however long the queue.
                let one_status = f.statuses.len() == 1 && f.deadline_by.is_none();
                let order = match (by_deadline, filtered) {
                    (true, false) => "(deadline IS NULL), deadline, filed_ms, id",
                    (true, true) => {
                        "CASE WHEN deadline IS NULL THEN 1 ELSE 0 END, deadline, filed_ms, id"
                    }
                    (false, false) => "filed_ms DESC, id",
                    (false, true) if one_status => "filed_ms DESC, id",
                    (false, true) => "filed_ms + 0 DESC, id",
                };
                // Filtered lists sort their matches: the sort runs on the ids from the
                // covering (scope, status, ...) index, and only the page's rows are read.
                let sql = Select {
                    deferred: filtered,
                    order,
                };
                self.fetch_cases(&w, v, &cond, sql, (limit, offset), explain)
                    .await?
            }
        };
        Ok((cases, total))
    }

    /// The number of cases of `scope` (see [`CaseFilter::kept_count_scope`]) in `statuses`
    /// (all states when empty), from `case_counts`. On PostgreSQL the table holds +1/-1 delta
    /// rows; when a scope has gathered more than [`FOLD_AT`] of them, they are folded into one
    /// row per state, so that a count never sums more than a few dozen rows.
    async fn kept_count(&self, scope: &str, statuses: &[Status]) -> Result<i64> {
        let mut sql = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT), COUNT(*) FROM case_counts \
                       WHERE scope = $1"
            .to_string();
        if !statuses.is_empty() {
            let marks: Vec<String> = (0..statuses.len()).map(|i| format!("${}", i + 2)).collect();
            sql.push_str(&format!(" AND status IN ({})", marks.join(", ")));
        }
        let mut q = sqlx::query_as::<_, (i64, i64)>(&sql).bind(scope.to_string());
        for s in statuses {
            q = q.bind(s.as_str().to_string());
        }
        let (n, rows) = q.fetch_one(&self.pool).await?;
        if self.backend == crate::Backend::Postgres && rows > FOLD_AT {
            // Safe beside the writer and beside another fold, as `compact_stats` is. The fold
            // commits without waiting for its WAL flush: lost in a crash, it leaves the deltas
            // it would have folded, and the sums are the same.
            let mut tx = self.pool.begin().await?;
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "WITH d AS (DELETE FROM case_counts WHERE scope = $1 RETURNING scope, status, n) \
                 INSERT INTO case_counts SELECT scope, status, SUM(n) FROM d GROUP BY scope, status \
                 HAVING SUM(n) <> 0",
            )
            .bind(scope.to_string())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        Ok(n)
    }

    /// `SELECT` cases matching `w` (a WHERE clause or empty) and `cond` (empty or one more
    /// condition), in `sel.order`.
    async fn fetch_cases(
        &self,
        w: &str,
        mut vals: Vec<Val>,
        cond: &str,
        sel: impl Into<Select<'_>>,
        (limit, offset): (i64, i64),
        explain: Option<&std::sync::Mutex<Vec<String>>>,
    ) -> Result<Vec<CaseRecord>> {
        let Select { deferred, order } = sel.into();
        let w = match (w.is_empty(), cond.is_empty()) {
            (_, true) => w.to_string(),
            (true, false) => format!(" WHERE {cond}"),
            (false, false) => format!("{w} AND {cond}"),
        };
        let l = push(&mut vals, Val::i(limit));
        let o = push(&mut vals, Val::i(offset));
        let sql = if deferred {
            // The page's ids first (from an index alone when it covers the filter and the
            // order), then their rows: a sort of many matches then moves ids, not whole cases.
            format!(
                "SELECT {} FROM cases WHERE id IN \
                 (SELECT id FROM cases{w} ORDER BY {order} LIMIT {l} OFFSET {o}) \
                 ORDER BY {order}",
                case_cols()
            )
        } else {
            format!(
                "SELECT {} FROM cases{w} ORDER BY {order} LIMIT {l} OFFSET {o}",
                case_cols()
            )
        };
        if let Some(plans) = explain {
            let plan = self.explain(&sql, &vals).await?;
            if let Ok(mut p) = plans.lock() {
                p.push(plan);
            }
            return Ok(Vec::new());
        }
        let mut q = sqlx::query(&sql);
        for v in &vals {
            q = bind(q, v);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(CaseRecord::from_row).collect()
    }

    /// The plan of `sql` as one text (see [`Store::list_cases_plans`]).
    async fn explain(&self, sql: &str, vals: &[Val]) -> Result<String> {
        let mut tx = self.pool.begin().await?;
        let (prefix, col) = match self.backend {
            crate::Backend::Postgres => {
                for knob in [
                    "enable_seqscan",
                    "enable_sort",
                    "enable_incremental_sort",
                    "enable_bitmapscan",
                ] {
                    sqlx::query(&format!("SET LOCAL {knob} = off"))
                        .execute(&mut *tx)
                        .await?;
                }
                ("EXPLAIN", 0)
            }
            crate::Backend::Sqlite => ("EXPLAIN QUERY PLAN", 3),
        };
        let text = format!("{prefix} {sql}");
        let mut q = sqlx::query(&text);
        for v in vals {
            q = bind(q, v);
        }
        let lines = q
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(col))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        tx.rollback().await?;
        Ok(lines.join("\n"))
    }

    /// Cases by status, from the aggregates the triggers keep.
    pub async fn count_cases_by_status(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT status, CAST(SUM(n) AS BIGINT) FROM stats_city GROUP BY status \
             HAVING SUM(n) <> 0 ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Totals, decided and on-time counts grouped by one dimension, for cases filed in
    /// `since_month` (YYYY-MM) or later. Reads the pre-aggregated tables.
    pub async fn case_counts_by(&self, column: &str, since_month: &str) -> Result<Vec<GroupCount>> {
        let table = match column {
            "receiving_city" | "competent_city" | "status" => "stats_city",
            "matter_code" => "stats_matter",
            _ => return Err(StoreError::Corrupt(format!("cannot group by {column}"))),
        };
        let rows = sqlx::query(&format!(
            "SELECT {column}, CAST(SUM(n) AS BIGINT), CAST(SUM(n * decided) AS BIGINT), \
             CAST(SUM(n * on_time) AS BIGINT) \
             FROM {table} WHERE month >= $1 GROUP BY {column} HAVING SUM(n) <> 0 \
             ORDER BY SUM(n) DESC, {column}"
        ))
        .bind(since_month)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(GroupCount {
                    key: r.try_get(0)?,
                    total: r.try_get(1)?,
                    decided: r.try_get::<Option<i64>, _>(2)?.unwrap_or(0),
                    on_time: r.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
                })
            })
            .collect()
    }

    /// `(total, cross-province)`: cases filed at a window in another province than the
    /// competent city.
    pub async fn cross_province_count(&self, since_month: &str) -> Result<(i64, i64)> {
        let r = sqlx::query(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN SUBSTR(receiving_city, 1, 2) \
             <> SUBSTR(competent_city, 1, 2) THEN n ELSE 0 END), 0) AS BIGINT) \
             FROM stats_city WHERE month >= $1",
        )
        .bind(since_month)
        .fetch_one(&self.pool)
        .await?;
        Ok((r.try_get(0)?, r.try_get(1)?))
    }

    /// Histogram of working days to decision: `(days, count)`.
    pub async fn decision_days_histogram(&self, since_month: &str) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT decision_days, CAST(SUM(n) AS BIGINT) FROM stats_days WHERE month >= $1 \
             GROUP BY decision_days HAVING SUM(n) <> 0 ORDER BY decision_days",
        )
        .bind(since_month)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Cases per filing month and one city column: `(month, city, total, cross-province)`.
    pub async fn cases_per_month(
        &self,
        column: &str,
        since_month: &str,
    ) -> Result<Vec<(String, String, i64, i64)>> {
        let col = match column {
            "receiving_city" | "competent_city" => column,
            _ => return Err(StoreError::Corrupt(format!("cannot group by {column}"))),
        };
        let rows = sqlx::query(&format!(
            "SELECT month, {col}, CAST(SUM(n) AS BIGINT), CAST(SUM(CASE WHEN SUBSTR(receiving_city, 1, 2) \
             <> SUBSTR(competent_city, 1, 2) THEN n ELSE 0 END) AS BIGINT) FROM stats_city \
             WHERE month >= $1 GROUP BY month, {col} HAVING SUM(n) <> 0 ORDER BY month, {col}"
        ))
        .bind(since_month)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }

    /// Folds PostgreSQL's delta rows into one row per key (SQLite keeps one row per key
    /// already). Only keys with more than one row are rewritten, not the whole table (after a
    /// load run on the 100,000-case demo: 27 ms instead of 48 ms for `stats_city`, 5 rows
    /// written instead of 4,949, and as many fewer dead rows for vacuum). Safe to run while
    /// cases are being written, and beside another compaction: a row deleted by one is not
    /// returned to the other.
    pub async fn compact_stats(&self) -> Result<()> {
        if self.backend != crate::Backend::Postgres {
            return Ok(());
        }
        let mut conn = self.pool.acquire().await?;
        compact_stats_on(&mut conn).await
    }

    /// Compares the aggregates with a full scan of `cases`; returns the differences found
    /// (empty when they agree). For tests and `corridor audit stats`.
    pub async fn check_stats(&self) -> Result<Vec<String>> {
        let pairs = [
            (
                "SELECT month, receiving_city, competent_city, status, decided, on_time, CAST(SUM(n) AS BIGINT) \
                 FROM stats_city GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6",
                "SELECT substr(filed_on, 1, 7), receiving_city, competent_city, status, \
                 CASE WHEN decided_on IS NOT NULL THEN 1 ELSE 0 END, \
                 CASE WHEN decided_on IS NOT NULL AND decided_on <= deadline THEN 1 ELSE 0 END, COUNT(*) \
                 FROM cases GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6",
            ),
            (
                "SELECT month, matter_code, decided, on_time, CAST(SUM(n) AS BIGINT) \
                 FROM stats_matter GROUP BY 1, 2, 3, 4 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4",
                "SELECT substr(filed_on, 1, 7), matter_code, \
                 CASE WHEN decided_on IS NOT NULL THEN 1 ELSE 0 END, \
                 CASE WHEN decided_on IS NOT NULL AND decided_on <= deadline THEN 1 ELSE 0 END, COUNT(*) \
                 FROM cases GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            ),
            (
                "SELECT month, CAST(decision_days AS TEXT), CAST(SUM(n) AS BIGINT) FROM stats_days \
                 GROUP BY 1, 2 HAVING SUM(n) <> 0 ORDER BY 1, 2",
                "SELECT substr(filed_on, 1, 7), CAST(decision_days AS TEXT), COUNT(*) FROM cases \
                 WHERE decision_days IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
            ),
            (
                "SELECT scope, status, CAST(SUM(n) AS BIGINT) FROM case_counts \
                 GROUP BY 1, 2 HAVING SUM(n) <> 0 ORDER BY 1, 2",
                case_counts_scan!(),
            ),
        ];
        let mut diffs = Vec::new();
        for (agg, scan) in pairs {
            let fetch = |sql: &'static str| async move {
                let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| {
                                r.try_get::<String, _>(i)
                                    .or_else(|_| r.try_get::<i64, _>(i).map(|v| v.to_string()))
                                    .or_else(|_| r.try_get::<i32, _>(i).map(|v| v.to_string()))
                            })
                            .collect::<std::result::Result<Vec<_>, _>>()
                            .map(|v| v.join(" "))
                    })
                    .collect::<std::result::Result<Vec<_>, sqlx::Error>>()
                    .map_err(StoreError::from)
            };
            let (a, b) = (fetch(agg).await?, fetch(scan).await?);
            let (sa, sb): (std::collections::BTreeSet<_>, std::collections::BTreeSet<_>) =
                (a.into_iter().collect(), b.into_iter().collect());
            diffs.extend(sa.difference(&sb).map(|r| format!("aggregate only: {r}")));
            diffs.extend(sb.difference(&sa).map(|r| format!("cases only: {r}")));
        }
        Ok(diffs)
    }

    // ---------- audit ----------

    /// Appends an event to a stream's chain inside the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn append_event(
        conn: &mut AnyConnection,
        stream: &str,
        at_ms: i64,
        actor: &str,
        role: &str,
        action: &str,
        before: String,
        after: String,
    ) -> Result<AuditEvent> {
        // Serialise appends to one stream: make sure the head row exists, then lock it
        // (PostgreSQL; SQLite writers already hold the database lock from BEGIN IMMEDIATE).
        let lock = if conn.backend_name() == "PostgreSQL" {
            " FOR UPDATE"
        } else {
            ""
        };
        sqlx::query("INSERT INTO audit_heads (stream, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (stream) DO NOTHING")
            .bind(stream.to_string())
            .bind(GENESIS.to_string())
            .execute(&mut *conn)
            .await?;
        let head = sqlx::query(&format!(
            "SELECT seq, hash FROM audit_heads WHERE stream = $1{lock}"
        ))
        .bind(stream.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        let (seq, prev) = match head {
            Some(r) => (r.try_get::<i64, _>(0)? + 1, r.try_get::<String, _>(1)?),
            None => (1, GENESIS.to_string()),
        };
        let ev = AuditEvent {
            id: Uuid::now_v7().to_string(),
            stream: stream.to_string(),
            seq,
            at_ms,
            actor: actor.to_string(),
            role: role.to_string(),
            action: action.to_string(),
            before,
            after,
            prev_hash: prev,
            hash: String::new(),
        }
        .seal();
        Store::insert_events(conn, std::slice::from_ref(&ev)).await?;
        Store::put_heads(conn, &[(stream.to_string(), ev.seq, ev.hash.clone())]).await?;
        Ok(ev)
    }

    /// The heads of these streams (those that exist), locked for this transaction on
    /// PostgreSQL (SQLite writers hold the database lock already): a batch of appends to
    /// several streams reads them in one query.
    pub async fn lock_heads(
        conn: &mut AnyConnection,
        streams: &[String],
    ) -> Result<std::collections::HashMap<String, (i64, String)>> {
        let lock = if conn.backend_name() == "PostgreSQL" {
            " FOR UPDATE"
        } else {
            ""
        };
        let mut out = std::collections::HashMap::with_capacity(streams.len());
        for chunk in streams.chunks(500) {
            let list = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql =
                format!("SELECT stream, seq, hash FROM audit_heads WHERE stream IN ({list}){lock}");
            let mut q = sqlx::query(&sql);
            for st in chunk {
                q = q.bind(st.as_str());
            }
            for r in q.fetch_all(&mut *conn).await? {
                out.insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?));
            }
        }
        Ok(out)
    }

    /// Inserts already-sealed events (bulk intake and demo data).
    pub async fn insert_events(conn: &mut AnyConnection, evs: &[AuditEvent]) -> Result<()> {
        let rows: Vec<Vec<Val>> = evs.iter().map(event_vals).collect();
        insert_rows(conn, table("audit_events").unwrap_or(&TABLES[0]), &rows).await
    }

    /// Sets stream heads (insert or update).
    pub async fn put_heads(
        conn: &mut AnyConnection,
        heads: &[(String, i64, String)],
    ) -> Result<()> {
        // Positional `?` on SQLite (it looks `$N` names up linearly), `$N` on PostgreSQL.
        let positional = conn.backend_name() == "SQLite";
        for chunk in heads.chunks(crate::tables::MAX_PARAMS / 3) {
            let mut sql = String::from("INSERT INTO audit_heads (stream, seq, hash) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                if positional {
                    sql.push_str("(?, ?, ?)");
                } else {
                    sql.push_str(&format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3));
                }
            }
            sql.push(' ');
            sql.push_str(HEAD_UPSERT);
            let mut q = sqlx::query(&sql);
            for (s, seq, h) in chunk {
                q = q.bind(s.clone()).bind(*seq).bind(h.clone());
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    pub async fn events_of(&self, stream: &str) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT id, stream, seq, at_ms, actor, role, action, before_doc, after_doc, prev_hash, hash \
             FROM audit_events WHERE stream = $1 ORDER BY seq",
        )
        .bind(stream.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Walks every stream in order, calling `f` with each stream's events and head.
    pub async fn for_each_stream<F>(&self, mut f: F) -> Result<u64>
    where
        F: FnMut(&str, &[AuditEvent], Option<(i64, &str)>) -> bool,
    {
        let mut heads: std::collections::BTreeMap<String, (i64, String)> =
            sqlx::query("SELECT stream, seq, hash FROM audit_heads")
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
                .collect::<Result<_>>()?;
        let mut rows = sqlx::query(
            "SELECT id, stream, seq, at_ms, actor, role, action, before_doc, after_doc, prev_hash, hash \
             FROM audit_events ORDER BY stream, seq",
        )
        .fetch(&self.pool);
        let mut current: Vec<AuditEvent> = Vec::new();
        let mut n = 0u64;
        let mut go_on = true;
        while let Some(r) = rows.try_next().await? {
            let e = event_from_row(&r)?;
            n += 1;
            if current.first().is_some_and(|c| c.stream != e.stream) {
                let s = current[0].stream.clone();
                let h = heads.remove(&s);
                if !f(&s, &current, h.as_ref().map(|(a, b)| (*a, b.as_str()))) {
                    go_on = false;
                    break;
                }
                current.clear();
            }
            current.push(e);
        }
        drop(rows);
        if go_on && !current.is_empty() {
            let s = current[0].stream.clone();
            let h = heads.remove(&s);
            go_on = f(&s, &current, h.as_ref().map(|(a, b)| (*a, b.as_str())));
        }
        // Heads whose events are all gone.
        if go_on {
            for (s, (seq, hash)) in heads {
                if !f(&s, &[], Some((seq, &hash))) {
                    break;
                }
            }
        }
        Ok(n)
    }

    /// Cases whose audit chain has no head at all (the whole chain was deleted).
    pub async fn cases_without_chain(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT c.id FROM cases c WHERE NOT EXISTS \
             (SELECT 1 FROM audit_heads h WHERE h.stream = 'case:' || c.id) ORDER BY c.id LIMIT 10",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    // ---------- export / import ----------

    /// Writes every table as JSON lines: a header, then `{"t": table, "r": [values]}` per row.
    pub async fn export<W: std::io::Write>(&self, out: &mut W) -> Result<u64> {
        let io = |e: std::io::Error| StoreError::Corrupt(format!("write: {e}"));
        let header = serde_json::json!({
            "format": "corridor-export",
            "version": 1,
            "tables": TABLES.iter().map(|t| t.name).collect::<Vec<_>>(),
        });
        writeln!(out, "{header}").map_err(io)?;
        let mut n = 0;
        for t in TABLES {
            let sql = format!(
                "SELECT {} FROM {} ORDER BY {}",
                cols_list(t),
                t.name,
                t.order
            );
            let mut rows = sqlx::query(&sql).fetch(&self.pool);
            let secret: Vec<usize> = t
                .cols
                .iter()
                .enumerate()
                .filter(|(_, (c, _))| crate::tables::SECRET_COLUMNS.contains(&(t.name, c)))
                .map(|(i, _)| i)
                .collect();
            while let Some(r) = rows.try_next().await? {
                let mut vals = read_row(t, &r)?;
                for i in &secret {
                    vals[*i] = Val::Text(None);
                }
                let line = serde_json::json!({ "t": t.name, "r": vals });
                writeln!(out, "{line}").map_err(io)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Loads an export into this (empty) store in one transaction.
    pub async fn import<R: std::io::BufRead>(&self, input: R) -> Result<u64> {
        if !self.is_empty().await? {
            return Err(StoreError::Conflict("import needs an empty store".into()));
        }
        let mut lines = input.lines();
        let bad = |n: usize, what: String| StoreError::Corrupt(format!("line {n}: {what}"));
        let header = lines
            .next()
            .ok_or_else(|| bad(1, "empty file".into()))?
            .map_err(|e| bad(1, e.to_string()))?;
        let h: serde_json::Value =
            serde_json::from_str(&header).map_err(|e| bad(1, e.to_string()))?;
        if h["format"] != "corridor-export" || h["version"] != 1 {
            return Err(bad(1, "not a corridor export (version 1)".into()));
        }
        let mut tx = self.begin_write().await?;
        let mut batch: Vec<Vec<Val>> = Vec::new();
        let mut batch_table: Option<&'static crate::Table> = None;
        let mut n = 0u64;
        for (i, line) in lines.enumerate() {
            let ln = i + 2;
            let line = line.map_err(|e| bad(ln, e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value =
                serde_json::from_str(&line).map_err(|e| bad(ln, e.to_string()))?;
            let name = v["t"].as_str().ok_or_else(|| bad(ln, "no table".into()))?;
            let t = table(name).ok_or_else(|| bad(ln, format!("unknown table {name}")))?;
            let arr = v["r"].as_array().ok_or_else(|| bad(ln, "no row".into()))?;
            if arr.len() != t.cols.len() {
                return Err(bad(ln, format!("{name} row has {} values", arr.len())));
            }
            let row = arr
                .iter()
                .zip(t.cols)
                .map(|(x, (c, ty))| match (ty, x) {
                    (_, serde_json::Value::Null) => Ok(match ty {
                        crate::Ty::Int => Val::Int(None),
                        crate::Ty::Text => Val::Text(None),
                    }),
                    (crate::Ty::Int, serde_json::Value::Number(num)) => num
                        .as_i64()
                        .map(Val::i)
                        .ok_or_else(|| bad(ln, format!("{c}: not an integer"))),
                    (crate::Ty::Text, serde_json::Value::String(s)) => Ok(Val::t(s.clone())),
                    _ => Err(bad(ln, format!("{c}: wrong type"))),
                })
                .collect::<Result<Vec<_>>>()?;
            if batch_table.is_some_and(|bt| bt.name != t.name) || batch.len() >= 2000 {
                if let Some(bt) = batch_table {
                    insert_rows(&mut tx, bt, &batch).await?;
                }
                batch.clear();
            }
            batch_table = Some(t);
            batch.push(row);
            n += 1;
        }
        if let Some(bt) = batch_table {
            insert_rows(&mut tx, bt, &batch).await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}

fn event_from_row(r: &AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        id: r.try_get(0)?,
        stream: r.try_get(1)?,
        seq: r.try_get(2)?,
        at_ms: r.try_get(3)?,
        actor: r.try_get(4)?,
        role: r.try_get(5)?,
        action: r.try_get(6)?,
        before: r.try_get(7)?,
        after: r.try_get(8)?,
        prev_hash: r.try_get(9)?,
        hash: r.try_get(10)?,
    })
}

/// An audit event as the values of an `audit_events` row.
pub fn event_vals(e: &AuditEvent) -> Vec<Val> {
    vec![
        Val::t(&e.id),
        Val::t(&e.stream),
        Val::i(e.seq),
        Val::i(e.at_ms),
        Val::t(&e.actor),
        Val::t(&e.role),
        Val::t(&e.action),
        Val::t(&e.before),
        Val::t(&e.after),
        Val::t(&e.prev_hash),
        Val::t(&e.hash),
    ]
}

/// `receipt_upsert!` for a bulk load's counters (see [`Store::reserve_receipt_seqs`]).
pub const RECEIPT_UPSERT: &str = receipt_upsert!();

/// The `ON CONFLICT` clause that moves an audit stream's head forward.
pub const HEAD_UPSERT: &str =
    "ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash";

/// [`Store::compact_stats`] on a given PostgreSQL connection.
pub(crate) async fn compact_stats_on(conn: &mut AnyConnection) -> Result<()> {
    for (table, keys) in [
        (
            "stats_city",
            "month, receiving_city, competent_city, status, decided, on_time",
        ),
        ("stats_matter", "month, matter_code, decided, on_time"),
        ("stats_days", "month, decision_days"),
        ("case_counts", "scope, status"),
    ] {
        sqlx::query(&format!(
            "WITH d AS (DELETE FROM {table} WHERE ({keys}) IN \
             (SELECT {keys} FROM {table} GROUP BY {keys} HAVING COUNT(*) > 1) RETURNING *) \
             INSERT INTO {table} SELECT {keys}, SUM(n) FROM d GROUP BY {keys} HAVING SUM(n) <> 0"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
