//! Rows as records: a [`Record`] is a row type of one table whose columns [`crate::tables`]
//! lists, mapped to values and back in that column order (the one export and import use), and
//! read, inserted and replaced by the generic functions here. [`record!`] writes the mapping
//! from the field list.

use crate::tables::{bind, cols_list, insert_rows, int_at, read_row, table, text_at, Ty, Val};
use crate::{Result, StoreError, Table, WriteTx};
use sqlx::AnyConnection;

/// A field's type as a column: text or a whole number, each nullable as an `Option`; a date
/// as its `YYYY-MM-DD` text.
pub trait Column: Sized {
    /// The column's type in the table.
    const TY: Ty;
    fn to_val(&self) -> Val;
    /// The field from a column read (`None`: absent, or null where the field is required).
    fn from_val(v: &[Val], i: usize) -> Option<Self>;
}

impl Column for String {
    const TY: Ty = Ty::Text;
    fn to_val(&self) -> Val {
        Val::t(self)
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        text_at(v, i)
    }
}

impl Column for Option<String> {
    const TY: Ty = Ty::Text;
    fn to_val(&self) -> Val {
        Val::ot(self.clone())
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        Some(text_at(v, i))
    }
}

impl Column for i64 {
    const TY: Ty = Ty::Int;
    fn to_val(&self) -> Val {
        Val::i(*self)
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        int_at(v, i)
    }
}

impl Column for Option<i64> {
    const TY: Ty = Ty::Int;
    fn to_val(&self) -> Val {
        Val::Int(*self)
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        Some(int_at(v, i))
    }
}

impl Column for uuid::Uuid {
    const TY: Ty = Ty::Text;
    fn to_val(&self) -> Val {
        Val::t(self.to_string())
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        uuid::Uuid::parse_str(&text_at(v, i)?).ok()
    }
}

/// Stored as 0 or 1.
impl Column for bool {
    const TY: Ty = Ty::Int;
    fn to_val(&self) -> Val {
        Val::i(*self as i64)
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        Some(int_at(v, i)? != 0)
    }
}

impl Column for time::Date {
    const TY: Ty = Ty::Text;
    fn to_val(&self) -> Val {
        Val::t(crate::codec::date_str(*self))
    }
    fn from_val(v: &[Val], i: usize) -> Option<Self> {
        crate::codec::parse_date(&text_at(v, i)?).ok()
    }
}

/// `impl Record` for a struct whose fields are its table's columns, in the table's column order:
/// `record!(ListingRow in "listings" { id, owner_uscc, status, ... });`. The field list is the
/// table's: [`crate::tables::TABLES`] takes the columns, their names and types, from here.
macro_rules! record {
    ($ty:ident in $table:literal { $($field:ident),+ $(,)? }) => {
        impl $crate::record::Record for $ty {
            const TABLE: &'static str = $table;
            const COLS: &'static [(&'static str, $crate::tables::Ty)] = &[$((
                stringify!($field),
                $crate::record::column_type(|r: &$ty| &r.$field),
            )),+];
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

/// The type of the column a field is stored in, told from the field's type.
pub const fn column_type<R, C: Column>(_field: fn(&R) -> &C) -> Ty {
    C::TY
}

/// The table a record is a row of, its columns those of the record's fields in order, ordered
/// by `order` in an export.
pub const fn table_of<R: Record>(order: &'static str) -> Table {
    Table {
        name: R::TABLE,
        cols: R::COLS,
        order,
    }
}

/// A row type of one table.
pub trait Record: Sized {
    const TABLE: &'static str;
    /// The table's columns: the fields, in the order of the values, with their types.
    const COLS: &'static [(&'static str, Ty)];
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
