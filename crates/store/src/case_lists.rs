//! Case lists: filters, keyset cursors, counts up to a cap, and their query plans.

use crate::codec::*;
use crate::tables::{bind, Val};
use crate::*;
use corridor_domain::case::Status;
use sqlx::Row;
use time::Date;
use uuid::Uuid;

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
    /// The same against the promised deadline.
    pub promised_by: Option<Date>,
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
pub(crate) struct Select<'a> {
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
pub(crate) fn push(vals: &mut Vec<Val>, v: Val) -> String {
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
pub(crate) const FOLD_AT: i64 = 64;

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
            || self.promised_by.is_some()
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
        }
        if let Some(d) = self.promised_by {
            push("promised_deadline <= ?", Val::t(date_str(d)), &mut vals);
        }
        if self.deadline_by.is_some() || self.promised_by.is_some() {
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

impl Store {
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
}
