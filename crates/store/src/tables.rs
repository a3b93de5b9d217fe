//! The table list in one place: column names and types drive bulk inserts, export and import,
//! so the two backends and the export format cannot drift apart.

use crate::Backend;
use crate::{Result, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Text,
    Int,
}

pub struct Table {
    pub name: &'static str,
    pub cols: &'static [(&'static str, Ty)],
    /// ORDER BY for a deterministic export.
    pub order: &'static str,
}

use Ty::{Int as I, Text as T};

/// Every table, in an order that satisfies references on import.
pub const TABLES: &[Table] = &[
    Table {
        name: "jurisdictions",
        cols: &[("code", T), ("doc", T)],
        order: "code",
    },
    Table {
        name: "authority_kinds",
        cols: &[("code", T), ("doc", T)],
        order: "code",
    },
    Table {
        name: "authorities",
        cols: &[("id", T), ("city", T), ("kind", T), ("doc", T)],
        order: "id",
    },
    Table {
        name: "windows",
        cols: &[("id", T), ("city", T), ("doc", T)],
        order: "id",
    },
    Table {
        name: "catalogue_versions",
        cols: &[
            ("version", I),
            ("published_ms", I),
            ("note", T),
            ("digest", T),
            ("matter_count", I),
        ],
        order: "version",
    },
    Table {
        name: "matters",
        cols: &[
            ("code", T),
            ("version", I),
            ("authority_kind", T),
            ("doc", T),
        ],
        order: "code, version",
    },
    Table {
        name: "calendar_years",
        cols: &[("year", I), ("doc", T)],
        order: "year",
    },
    Table {
        name: "users",
        cols: &[
            ("id", T),
            ("username", T),
            ("password_hash", T),
            ("role", T),
            ("city", T),
            ("window_id", T),
            ("authority_id", T),
            ("display_name", T),
            ("created_ms", I),
            ("resident_id", T),
        ],
        order: "id",
    },
    Table {
        name: "authorisations",
        cols: AUTHORISATION_COLS,
        order: "id",
    },
    Table {
        name: "sessions",
        cols: &[
            ("token_hash", T),
            ("user_id", T),
            ("created_ms", I),
            ("expires_ms", I),
        ],
        order: "token_hash",
    },
    Table {
        name: "receipt_counters",
        cols: &[("city", T), ("day", T), ("next", I)],
        order: "city, day",
    },
    Table {
        name: "cases",
        cols: CASE_COLS,
        order: "id",
    },
    Table {
        name: "audit_events",
        cols: &[
            ("id", T),
            ("stream", T),
            ("seq", I),
            ("at_ms", I),
            ("actor", T),
            ("role", T),
            ("action", T),
            ("before_doc", T),
            ("after_doc", T),
            ("prev_hash", T),
            ("hash", T),
        ],
        order: "stream, seq",
    },
    Table {
        name: "identity_checks",
        cols: &[
            ("case_id", T),
            ("action", T),
            ("presenter_id_no", T),
            ("authorisation_id", T),
            ("checked_by", T),
            ("window_id", T),
            ("at_ms", I),
        ],
        order: "case_id, action",
    },
    Table {
        name: "attachments",
        cols: &[
            ("id", T),
            ("case_id", T),
            ("material", I),
            ("file_name", T),
            ("kind", T),
            ("size", I),
            ("sha256", T),
            ("added_by", T),
            ("added_role", T),
            ("added_ms", I),
        ],
        order: "case_id, added_ms, id",
    },
    Table {
        name: "material_checks",
        cols: &[
            ("case_id", T),
            ("material", I),
            ("received", I),
            ("original_seen", I),
            ("checked_by", T),
            ("checked_ms", I),
        ],
        order: "case_id, material",
    },
    Table {
        name: "inbox",
        cols: &[
            ("sender", T),
            ("id", T),
            ("envelope_sha256", T),
            ("kind", T),
            ("case_id", T),
            ("case_seq", I),
            ("envelope", T),
            ("received_ms", I),
            ("applied_ms", I),
            ("receipt", T),
        ],
        order: "sender, id",
    },
    Table {
        name: "outbox",
        cols: &[
            ("id", T),
            ("recipient", T),
            ("kind", T),
            ("case_id", T),
            ("case_seq", I),
            ("envelope", T),
            ("created_ms", I),
            ("attempts", I),
            ("next_attempt_ms", I),
            ("last_error", T),
            ("delivered_ms", I),
            ("receipt", T),
            ("parked_ms", I),
        ],
        order: "id",
    },
    Table {
        name: "node_statistics",
        cols: &[
            ("sender", T),
            ("city", T),
            ("computed_ms", I),
            ("received_ms", I),
        ],
        order: "sender",
    },
    Table {
        name: "fed_stats_city",
        cols: &[
            ("sender", T),
            ("month", T),
            ("receiving_city", T),
            ("competent_city", T),
            ("status", T),
            ("decided", I),
            ("on_time", I),
            ("n", I),
        ],
        order: "sender, month, receiving_city, competent_city, status, decided, on_time",
    },
    Table {
        name: "fed_stats_matter",
        cols: &[
            ("sender", T),
            ("month", T),
            ("matter_code", T),
            ("decided", I),
            ("on_time", I),
            ("n", I),
        ],
        order: "sender, month, matter_code, decided, on_time",
    },
    Table {
        name: "fed_stats_days",
        cols: &[("sender", T), ("month", T), ("decision_days", I), ("n", I)],
        order: "sender, month, decision_days",
    },
    Table {
        name: "inbox_streams",
        cols: &[("sender", T), ("case_id", T), ("applied_seq", I)],
        order: "sender, case_id",
    },
    Table {
        name: "audit_heads",
        cols: &[("stream", T), ("seq", I), ("hash", T)],
        order: "stream",
    },
    Table {
        name: "signing_keys",
        cols: &[
            ("kid", T),
            ("authority_id", T),
            ("public_key", T),
            ("private_enc", T),
            ("not_before", I),
            ("not_after", I),
            ("revoked_at", I),
            ("created_ms", I),
        ],
        order: "kid",
    },
    Table {
        name: "licences",
        cols: LICENCE_COLS,
        order: "id",
    },
    Table {
        name: "enterprises",
        cols: &[
            ("uscc", T),
            ("name_zh", T),
            ("name_en", T),
            ("city", T),
            ("industry", T),
            ("cluster", T),
            ("head", I),
            ("doc", T),
            ("updated_ms", I),
        ],
        order: "uscc",
    },
    Table {
        name: "enterprise_accounts",
        cols: &[
            ("user_id", T),
            ("uscc", T),
            ("status", T),
            ("company_name", T),
            ("contact_phone", T),
            ("requested_ms", I),
            ("decided_by", T),
            ("decided_ms", I),
            ("note", T),
        ],
        order: "user_id",
    },
    Table {
        name: "needs",
        cols: &[
            ("id", T),
            ("owner_uscc", T),
            ("kind", T),
            ("status", T),
            ("deadline", T),
            ("doc", T),
            ("created_ms", I),
            ("created_by", T),
            ("updated_ms", I),
        ],
        order: "id",
    },
    Table {
        name: "matches",
        cols: &[
            ("need_id", T),
            ("uscc", T),
            ("stage", T),
            ("meetings", I),
            ("score_milli", I),
            ("suggested_on", T),
            ("contacted_on", T),
            ("qualified_on", T),
            ("declined_on", T),
            ("updated_ms", I),
        ],
        order: "need_id, uscc",
    },
    Table {
        name: "match_events",
        cols: &[
            ("need_id", T),
            ("uscc", T),
            ("seq", I),
            ("stage", T),
            ("on_date", T),
            ("at_ms", I),
            ("actor", T),
            ("note", T),
        ],
        order: "need_id, uscc, seq",
    },
    Table {
        name: "listings",
        cols: &[
            ("id", T),
            ("owner_uscc", T),
            ("status", T),
            ("doc", T),
            ("created_by", T),
            ("created_ms", I),
            ("updated_ms", I),
        ],
        order: "id",
    },
    Table {
        name: "auction_sessions",
        cols: &[
            ("id", T),
            ("doc", T),
            ("starts_ms", I),
            ("created_by", T),
            ("created_ms", I),
        ],
        order: "id",
    },
    Table {
        name: "lots",
        cols: &[
            ("id", T),
            ("session_id", T),
            ("ord", I),
            ("listing_id", T),
            ("seller_uscc", T),
            ("status", T),
            ("rules", T),
            ("state", T),
            ("close_ms", I),
            ("reserve_secret", T),
            ("settlement", T),
            ("confirm_by_ms", I),
            ("buyer_confirmed_ms", I),
            ("seller_confirmed_ms", I),
            ("contract_case", T),
            ("updated_ms", I),
            ("contract_form", T),
        ],
        order: "id",
    },
    Table {
        name: "session_bidders",
        cols: &[
            ("session_id", T),
            ("uscc", T),
            ("user_id", T),
            ("status", T),
            ("deposit", I),
            ("applied_ms", I),
            ("decided_by", T),
            ("decided_ms", I),
        ],
        order: "session_id, uscc",
    },
    Table {
        name: "bids",
        cols: &[
            ("lot_id", T),
            ("seq", I),
            ("bidder", T),
            ("amount", I),
            ("hash", T),
            ("at_ms", I),
            ("revealed_ms", I),
        ],
        order: "lot_id, seq",
    },
    Table {
        name: "documents",
        cols: &[
            ("id", T),
            ("holder", T),
            ("file_name", T),
            ("kind", T),
            ("size", I),
            ("sha256", T),
            ("added_by", T),
            ("added_ms", I),
        ],
        order: "holder, added_ms, id",
    },
    Table {
        name: "finance_members",
        cols: &[
            ("uscc", T),
            ("name_zh", T),
            ("name_en", T),
            ("kind", T),
            ("city", T),
            ("products", T),
            ("added_by", T),
            ("added_ms", I),
        ],
        order: "uscc",
    },
    Table {
        name: "financing_needs",
        cols: &[
            ("id", T),
            ("uscc", T),
            ("status", T),
            ("doc", T),
            ("amount", I),
            ("financed_amount", I),
            ("financed_by", T),
            ("financed_on", T),
            ("created_by", T),
            ("created_ms", I),
            ("updated_ms", I),
        ],
        order: "id",
    },
    Table {
        name: "finance_matches",
        cols: &[
            ("need_id", T),
            ("member_uscc", T),
            ("stage", T),
            ("amount", I),
            ("updated_by", T),
            ("updated_ms", I),
        ],
        order: "need_id, member_uscc",
    },
    Table {
        name: "calls",
        cols: &[
            ("id", T),
            ("title_zh", T),
            ("title_en", T),
            ("scope_zh", T),
            ("scope_en", T),
            ("clusters", T),
            ("kinds", T),
            ("opens", T),
            ("closes", T),
            ("created_by", T),
            ("created_ms", I),
        ],
        order: "id",
    },
    Table {
        name: "call_needs",
        cols: &[
            ("need_id", T),
            ("call_id", T),
            ("review", T),
            ("note", T),
            ("reviewed_by", T),
            ("reviewed_ms", I),
        ],
        order: "need_id",
    },
    Table {
        name: "proposals",
        cols: &[
            ("id", T),
            ("need_id", T),
            ("uscc", T),
            ("body", T),
            ("created_by", T),
            ("created_ms", I),
        ],
        order: "id",
    },
    Table {
        name: "partner_reserve",
        cols: &[
            ("head_uscc", T),
            ("partner_uscc", T),
            ("scope", T),
            ("authorised_on", T),
            ("valid_until", T),
            ("added_by", T),
            ("added_ms", I),
            ("removed_ms", I),
        ],
        order: "head_uscc, partner_uscc",
    },
    Table {
        name: "projects",
        cols: &[
            ("id", T),
            ("need_id", T),
            ("owner_uscc", T),
            ("status", T),
            ("doc", T),
            ("created_by", T),
            ("created_ms", I),
            ("updated_ms", I),
        ],
        order: "id",
    },
    Table {
        name: "project_members",
        cols: &[("project_id", T), ("uscc", T)],
        order: "project_id, uscc",
    },
];

/// Columns never written to an export: private keys stay on their node, even encrypted.
pub const SECRET_COLUMNS: &[(&str, &str)] = &[("signing_keys", "private_enc")];

pub const AUTHORISATION_COLS: &[(&str, Ty)] = &[
    ("id", T),
    ("grantor_id_no", T),
    ("agent_id_no", T),
    ("matter_code", T),
    ("valid_from_ms", I),
    ("valid_until_ms", I),
    ("recorded_by", T),
    ("recorded_ms", I),
    ("revoked_ms", I),
];

pub const LICENCE_COLS: &[(&str, Ty)] = &[
    ("id", T),
    ("number", T),
    ("case_id", T),
    ("authority_id", T),
    ("kid", T),
    ("licence_type", T),
    ("holder_user", T),
    ("issued_ms", I),
    ("valid_until_ms", I),
    ("envelope", T),
    ("revoked_ms", I),
    ("revoke_reason", T),
];

pub const CASE_COLS: &[(&str, Ty)] = &[
    ("id", T),
    ("receipt_no", T),
    ("matter_code", T),
    ("catalogue_version", I),
    ("mode", T),
    ("status", T),
    ("applicant_user", T),
    ("applicant_name", T),
    ("applicant_id_no", T),
    ("applicant_uscc", T),
    ("applicant_phone", T),
    ("receiving_city", T),
    ("receiving_window", T),
    ("competent_city", T),
    ("competent_authority", T),
    ("form", T),
    ("filed_ms", I),
    ("updated_ms", I),
    ("filed_on", T),
    ("statutory_days", I),
    ("accepted_on", T),
    ("paused_days", I),
    ("paused_since", T),
    ("deadline", T),
    ("decided_on", T),
    ("decision_days", I),
    ("reason", T),
];

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// A column value as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Val {
    Int(Option<i64>),
    Text(Option<String>),
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
