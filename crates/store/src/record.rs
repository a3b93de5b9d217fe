//! Rows as records: a [`Record`] is a row type of one table whose columns [`crate::tables`]
//! lists, mapped to values and back in that column order (the one export and import use), and
//! read, inserted and replaced by the generic functions here. [`record!`] writes the mapping
//! from the field list.

use crate::tables::{bind, cols_list, insert_rows, int_at, read_row, table, text_at, Val};
use crate::{Result, StoreError, Table, WriteTx};
use sqlx::AnyConnection;

/// A field's type as a column: text or a whole number, each nullable as an `Option`; a date
/// as its `YYYY-MM-DD` text.
pub trait Column: Sized {
    fn to_val(&self) -> Val;
    /// The field from a column read (`None`: absent, or null where the field is required).
    fn from_val(v: &[Val], i: usize) -> Option<Self>;
}

impl Column for String {
    fn to_val(&self) -> Val {
        Val::t(self)
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        text_at(v, i)
    }
}

impl Column for Option<String> {
    fn to_val(&self) -> Val {
        Val::ot(self.clone())
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        Some(text_at(v, i))
    }
}

impl Column for i64 {
    fn to_val(&self) -> Val {
        Val::i(*self)
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        int_at(v, i)
    }
}

impl Column for Option<i64> {
    fn to_val(&self) -> Val {
        Val::Int(*self)
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        Some(int_at(v, i))
    }
}

impl Column for time::Date {
    fn to_val(&self) -> Val {
        Val::t(crate::codec::date_str(*self))
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        crate::codec::parse_date(&text_at(v, i)?).ok()
    }
}

/// `impl Record` for a struct whose fields are its table's columns, listed in the table's
/// column order: `record!(ListingRow in "listings" { id, owner_uscc, status, ... });`.
macro_rules! record {
    ($ty:ident in $table:literal { $($field:ident),+ $(,)? }) => {
        impl $crate::record::Record for $ty {
            const TABLE: &'static str = $table;
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];
            fn vals(&self) -> Vec<$crate::tables::Val> {
                vec![$($crate::record::Column::to_val(&self.$field)),+]
            }
            fn from_vals(v: &[$crate::tables::Val]) -> Option<Self> {
                let mut i = 0..;
                Some($ty {
                    $($field: $crate::record::Column::from_val(v, i.next()?)?),+
                })
            }
        }
    };
}
pub(crate) use record;

/// A row type of one table.
pub trait Record: Sized {
    const TABLE: &'static str;
    /// The fields in the order of the values, which must be the table's columns in order.
    const FIELDS: &'static [&'static str];
    fn vals(&self) -> Vec<Val>;
    fn from_vals(v: &[Val]) -> Option<Self>;
}

fn t_of<R: Record>() -> Result<&'static Table> {
    table(R::TABLE).ok_or_else(|| StoreError::Corrupt(format!("no table {}", R::TABLE)))
}

/// Reads the rows of `R`'s table matching `filter` (SQL after WHERE, with `$1`… bound to
/// `args`), then `tail` (ORDER BY, LIMIT).
pub(crate) async fn select<R: Record>(
    conn: &mut AnyConnection,
    filter: &str,
    args: &[Val],
    tail: &str,
) -> Result<Vec<R>> {
    let t = t_of::<R>()?;
    let sql = format!(
        "SELECT {} FROM {} WHERE {filter} {tail}",
        cols_list(t),
        t.name
    );
    let mut q = sqlx::query(&sql);
    for a in args {
        q = bind(q, a);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let v = read_row(t, r)?;
            R::from_vals(&v).ok_or_else(|| StoreError::Corrupt(format!("a row of {}", t.name)))
        })
        .collect()
}

pub(crate) async fn insert<R: Record>(tx: &mut WriteTx, rows: &[R]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = tx.backend();
    let t = t_of::<R>()?;
    let vals: Vec<Vec<Val>> = rows.iter().map(Record::vals).collect();
    insert_rows(tx.conn(), backend, t, &vals).await
}

/// Replaces a row whole: every column but the first `keys` is set from `r`.
pub(crate) async fn replace<R: Record>(tx: &mut WriteTx, r: &R, keys: usize) -> Result<bool> {
    let t = t_of::<R>()?;
    let v = r.vals();
    let set = t.cols[keys..]
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let key = t.cols[..keys]
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ${}", t.cols.len() - keys + i + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    let sql = format!("UPDATE {} SET {set} WHERE {key}", t.name);
    let mut q = sqlx::query(&sql);
    for a in v[keys..].iter().chain(&v[..keys]) {
        q = bind(q, a);
    }
    Ok(q.execute(tx.conn()).await?.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agrees<R: Record>() {
        let t = table(R::TABLE).expect("a table of the list");
        let cols: Vec<&str> = t.cols.iter().map(|(c, _)| *c).collect();
        assert_eq!(cols, R::FIELDS, "the columns of {}", R::TABLE);
    }

    /// A record's values are its table's columns in the order `tables` lists them (the order
    /// export, import and the bulk inserts use).
    #[test]
    fn every_record_is_its_tables_columns_in_order() {
        use crate::{accounts::*, auctions::*, calls::*, documents::*, finance::*, joint::*};
        agrees::<EnterpriseAccountRow>();
        agrees::<ReserveRow>();
        agrees::<ListingRow>();
        agrees::<AuctionSessionRow>();
        agrees::<LotRow>();
        agrees::<BidderRow>();
        agrees::<BidRow>();
        agrees::<CallRow>();
        agrees::<CallNeedRow>();
        agrees::<ProposalRow>();
        agrees::<DocumentRow>();
        agrees::<FinanceMemberRow>();
        agrees::<FinancingNeedRow>();
        agrees::<FinanceMatchRow>();
        agrees::<JointRecord>();
        agrees::<JointPart>();
        agrees::<crate::projects::ProjectRow>();
        agrees::<crate::projects::MemberRow>();
    }
}
