//! The table list in one place: column names and types drive bulk inserts, export and import,
//! so the two backends and the export format cannot drift apart.

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

use crate::record::table_of;
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
        name: "bundles",
        cols: &[("code", T), ("doc", T)],
        order: "code",
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
        cols: crate::cases::CASE_COLS,
        order: "id",
    },
    table_of::<crate::joint::JointRecord>("id"),
    table_of::<crate::joint::JointPart>("case_id"),
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
    table_of::<crate::materials::AttachmentRecord>("case_id, added_ms, id"),
    table_of::<crate::materials::MaterialCheckRecord>("case_id, material"),
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
        name: "user_contacts",
        cols: &[("user_id", T), ("email", T), ("lang", T), ("updated_ms", I)],
        order: "user_id",
    },
    Table {
        name: "notices",
        cols: &[
            ("id", T),
            ("user_id", T),
            ("case_id", T),
            ("kind", T),
            ("lang", T),
            ("subject", T),
            ("body", T),
            ("created_ms", I),
            ("mail_to", T),
            ("mail_state", T),
            ("attempts", I),
            ("next_ms", I),
            ("sent_ms", I),
            ("last_error", T),
        ],
        order: "id",
    },
    Table {
        name: "amount_rules",
        cols: &[
            ("city", T),
            ("matter_code", T),
            ("version", I),
            ("rule", T),
            ("published_ms", I),
            ("published_by", T),
            ("note", T),
            ("effective_from", T),
        ],
        order: "city, matter_code, version",
    },
    Table {
        name: "case_amounts",
        cols: &[
            ("case_id", T),
            ("city", T),
            ("matter_code", T),
            ("rule_version", I),
            ("kind", T),
            ("amount_fen", I),
            ("total_fen", I),
            ("computed", T),
            ("decided_ms", I),
        ],
        order: "case_id",
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
        name: "fed_stats_limits",
        cols: &[
            ("sender", T),
            ("month", T),
            ("competent_city", T),
            ("matter_code", T),
            ("decided", I),
            ("on_time", I),
            ("promise", I),
            ("n", I),
        ],
        order: "sender, month, competent_city, matter_code, decided, on_time, promise",
    },
    Table {
        name: "fed_stats_forward",
        cols: &[
            ("sender", T),
            ("month", T),
            ("receiving_city", T),
            ("minutes", I),
            ("n", I),
        ],
        order: "sender, month, receiving_city, minutes",
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
    table_of::<crate::accounts::EnterpriseAccountRow>("user_id"),
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
    table_of::<crate::auctions::ListingRow>("id"),
    table_of::<crate::auctions::AuctionSessionRow>("id"),
    table_of::<crate::auctions::LotRow>("id"),
    table_of::<crate::auctions::BidderRow>("session_id, uscc"),
    table_of::<crate::auctions::BidRow>("lot_id, seq"),
    table_of::<crate::documents::DocumentRow>("holder, added_ms, id"),
    table_of::<crate::finance::FinanceMemberRow>("uscc"),
    table_of::<crate::finance::FinancingNeedRow>("id"),
    table_of::<crate::finance::FinanceMatchRow>("need_id, member_uscc"),
    table_of::<crate::calls::CallRow>("id"),
    table_of::<crate::calls::CallNeedRow>("need_id"),
    table_of::<crate::calls::ProposalRow>("id"),
    table_of::<crate::accounts::ReserveRow>("head_uscc, partner_uscc"),
    table_of::<crate::projects::ProjectRow>("id"),
    table_of::<crate::projects::MemberRow>("project_id, uscc"),
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

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

mod rows;
pub use rows::*;

/// `$from, $from+1, …`: `n` placeholders (for `IN (…)`).
pub(crate) fn params(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows `SELECT {cols} FROM {table} WHERE {column} IN (…)` finds for `ids`, as `tx` sees
/// them, each read by `read` (500 ids a statement).
pub(crate) async fn rows_with_ids<T>(
    tx: &mut crate::WriteTx,
    (cols, table, column): (&str, &str, &str),
    ids: &[uuid::Uuid],
    read: impl Fn(&sqlx::any::AnyRow) -> crate::Result<T>,
) -> crate::Result<Vec<T>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let list = params(1, chunk.len());
        let sql = format!("SELECT {cols} FROM {table} WHERE {column} IN ({list})");
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.to_string());
        }
        let conn: &mut sqlx::AnyConnection = tx.conn();
        for r in q.fetch_all(&mut *conn).await? {
            out.push(read(&r)?);
        }
    }
    Ok(out)
}
