//! Rows as values: reading a row of a [`Table`], binding values, and inserting rows in batches
//! (plain or upserting) within the database's parameter limit.

use super::{Table, Ty};
use crate::Backend;
use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

/// A column value as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Val {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(Some(s))
    }
}

impl From<i64> for Val {
    fn from(n: i64) -> Val {
        Val::Int(Some(n))
    }
}

impl Val {
    pub fn t(s: impl Into<String>) -> Val {
        Val::Text(Some(s.into()))
    }
    pub fn ot(s: Option<impl Into<String>>) -> Val {
        Val::Text(s.map(Into::into))
    }
    pub fn i(n: i64) -> Val {
        Val::Int(Some(n))
    }
}

/// The text in column `i` of a row read by [`read_row`] (`None`: null, or not text).
pub fn text_at(v: &[Val], i: usize) -> Option<String> {
    match v.get(i) {
        Some(Val::Text(t)) => t.clone(),
        _ => None,
    }
}

/// The number in column `i` of a row read by [`read_row`] (`None`: null, or not a number).
pub fn int_at(v: &[Val], i: usize) -> Option<i64> {
    match v.get(i) {
        Some(Val::Int(n)) => *n,
        _ => None,
    }
}

pub(crate) fn bind<'q>(
    q: Query<'q, Any, AnyArguments<'q>>,
    v: &Val,
) -> Query<'q, Any, AnyArguments<'q>> {
    match v {
        Val::Int(n) => q.bind(*n),
        Val::Text(s) => q.bind(s.clone()),
    }
}

pub fn cols_list(t: &Table) -> String {
    t.cols
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads one row into values by the table's column types.
pub fn read_row(t: &Table, r: &AnyRow) -> Result<Vec<Val>> {
    t.cols
        .iter()
        .enumerate()
        .map(|(i, (_, ty))| {
            Ok(match ty {
                Ty::Int => Val::Int(r.try_get::<Option<i64>, _>(i)?),
                Ty::Text => Val::Text(r.try_get::<Option<String>, _>(i)?),
            })
        })
        .collect()
}

/// Parameters per statement in bulk inserts.
pub const MAX_PARAMS: usize = 30_000;

/// Checks that every row has the table's columns with their types.
pub fn check_rows(t: &Table, rows: &[Vec<Val>]) -> Result<()> {
    for row in rows {
        if row.len() != t.cols.len() {
            return Err(StoreError::Corrupt(format!(
                "{}: row has {} values, table has {} columns",
                t.name,
                row.len(),
                t.cols.len()
            )));
        }
        for (v, (_, ty)) in row.iter().zip(t.cols) {
            let ok = matches!((v, ty), (Val::Int(_), Ty::Int) | (Val::Text(_), Ty::Text));
            if !ok {
                return Err(StoreError::Corrupt(format!(
                    "{}: value {v:?} has the wrong type",
                    t.name
                )));
            }
        }
    }
    Ok(())
}

/// Inserts many rows with multi-row `VALUES`, in chunks that stay under parameter limits.
pub async fn insert_rows(
    conn: &mut AnyConnection,
    backend: crate::Backend,
    t: &Table,
    rows: &[Vec<Val>],
) -> Result<()> {
    insert_rows_upsert(conn, backend, t, rows, "").await
}

/// [`insert_rows`] with a conflict clause (`ON CONFLICT ...`) after the values.
pub async fn insert_rows_upsert(
    conn: &mut AnyConnection,
    backend: crate::Backend,
    t: &Table,
    rows: &[Vec<Val>],
    upsert: &str,
) -> Result<()> {
    check_rows(t, rows)?;
    let ncols = t.cols.len();
    // Large statements: SQLite copies each page a statement changes into its statement
    // journal once per statement, so a few big statements beat many small ones (both
    // engines allow well over 30,000 parameters; SQLite's limit is 32,766).
    let per = (MAX_PARAMS / ncols).max(1);
    // SQLite resolves `$N` names with a linear scan per parameter, which makes a 900-value
    // statement quadratic; plain `?` binds by position there.
    let positional = backend == Backend::Sqlite;
    for chunk in rows.chunks(per) {
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", t.name, cols_list(t));
        let mut n = 0;
        for ri in 0..chunk.len() {
            if ri > 0 {
                sql.push(',');
            }
            sql.push('(');
            for ci in 0..ncols {
                n += 1;
                if ci > 0 {
                    sql.push(',');
                }
                if positional {
                    sql.push('?');
                } else {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
            sql.push(')');
        }
        if !upsert.is_empty() {
            sql.push(' ');
            sql.push_str(upsert);
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = bind(q, v);
            }
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
