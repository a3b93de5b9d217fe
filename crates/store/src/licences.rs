//! Signing keys and issued licences.

use crate::tables::{bind, insert_rows, table, Val, LICENCE_COLS, TABLES};
use crate::WriteTx;
use crate::{Result, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub kid: String,
    pub authority_id: String,
    pub public_key: String,
    /// Encrypted private key; `None` after an import (keys never travel in exports).
    pub private_enc: Option<String>,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: Option<i64>,
    pub revoked_at: Option<i64>,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LicenceRecord {
    pub id: Uuid,
    pub number: String,
    pub case_id: Uuid,
    pub authority_id: String,
    pub kid: String,
    pub licence_type: String,
    pub holder_user: Option<Uuid>,
    pub issued_ms: i64,
    pub valid_until_ms: Option<i64>,
    /// The signed envelope, base64url.
    pub envelope: String,
    pub revoked_ms: Option<i64>,
    pub revoke_reason: Option<String>,
}

const KEY_COLS: &str =
    "kid, authority_id, public_key, private_enc, not_before, not_after, revoked_at, created_ms";

fn key_from_row(r: &AnyRow) -> Result<KeyRecord> {
    Ok(KeyRecord {
        kid: r.try_get(0)?,
        authority_id: r.try_get(1)?,
        public_key: r.try_get(2)?,
        private_enc: r.try_get(3)?,
        not_before: r.try_get(4)?,
        not_after: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
        created_ms: r.try_get(7)?,
    })
}

fn uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("uuid '{s}': {e}")))
}

fn licence_cols() -> String {
    LICENCE_COLS
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ")
}

impl LicenceRecord {
    pub fn to_vals(&self) -> Vec<Val> {
        vec![
            Val::t(self.id.to_string()),
            Val::t(&self.number),
            Val::t(self.case_id.to_string()),
            Val::t(&self.authority_id),
            Val::t(&self.kid),
            Val::t(&self.licence_type),
            Val::ot(self.holder_user.map(|u| u.to_string())),
            Val::i(self.issued_ms),
            Val::Int(self.valid_until_ms),
            Val::t(&self.envelope),
            Val::Int(self.revoked_ms),
            Val::ot(self.revoke_reason.clone()),
        ]
    }
    fn from_row(r: &AnyRow) -> Result<LicenceRecord> {
        Ok(LicenceRecord {
            id: uuid(&r.try_get::<String, _>(0)?)?,
            number: r.try_get(1)?,
            case_id: uuid(&r.try_get::<String, _>(2)?)?,
            authority_id: r.try_get(3)?,
            kid: r.try_get(4)?,
            licence_type: r.try_get(5)?,
            holder_user: r
                .try_get::<Option<String>, _>(6)?
                .as_deref()
                .map(uuid)
                .transpose()?,
            issued_ms: r.try_get(7)?,
            valid_until_ms: r.try_get(8)?,
            envelope: r.try_get(9)?,
            revoked_ms: r.try_get(10)?,
            revoke_reason: r.try_get(11)?,
        })
    }
}

impl Store {
    pub async fn insert_key(tx: &mut WriteTx, k: &KeyRecord) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let vals = vec![
            Val::t(&k.kid),
            Val::t(&k.authority_id),
            Val::t(&k.public_key),
            Val::ot(k.private_enc.clone()),
            Val::i(k.not_before),
            Val::Int(k.not_after),
            Val::Int(k.revoked_at),
            Val::i(k.created_ms),
        ];
        insert_rows(
            conn,
            backend,
            table("signing_keys").unwrap_or(&TABLES[0]),
            &[vals],
        )
        .await
    }

    pub async fn keys(&self) -> Result<Vec<KeyRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLS} FROM signing_keys ORDER BY authority_id, not_before, kid"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }

    /// One key by its id.
    pub async fn key(&self, kid: &str) -> Result<Option<KeyRecord>> {
        let r = sqlx::query(&format!(
            "SELECT {KEY_COLS} FROM signing_keys WHERE kid = $1"
        ))
        .bind(kid.to_string())
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(key_from_row).transpose()
    }

    /// The key an authority signs with now: in service, not revoked, newest first.
    pub async fn active_key(&self, authority_id: &str) -> Result<Option<KeyRecord>> {
        let r = sqlx::query(&format!(
            "SELECT {KEY_COLS} FROM signing_keys WHERE authority_id = $1 AND not_after IS NULL AND revoked_at IS NULL \
             ORDER BY not_before DESC, kid DESC LIMIT 1"
        ))
        .bind(authority_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(key_from_row).transpose()
    }

    /// Takes a key out of service from `at` (it keeps verifying what it signed before).
    pub async fn retire_key(tx: &mut WriteTx, kid: &str, at: i64) -> Result<bool> {
        let sql = "UPDATE signing_keys SET not_after = $1 WHERE kid = $2 AND not_after IS NULL";
        Store::key_update(tx, sql, kid, at).await
    }

    /// Runs a one-key update (`$1` the time, `$2` the key id); whether the key was changed.
    async fn key_update(tx: &mut WriteTx, sql: &str, kid: &str, at: i64) -> Result<bool> {
        let conn: &mut AnyConnection = tx.conn();
        let done = sqlx::query(sql)
            .bind(at)
            .bind(kid.to_string())
            .execute(&mut *conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a key compromised from `at`; it also leaves service.
    pub async fn revoke_key(tx: &mut WriteTx, kid: &str, at: i64) -> Result<bool> {
        let sql = "UPDATE signing_keys SET revoked_at = $1, not_after = COALESCE(not_after, $1) \
                   WHERE kid = $2";
        Store::key_update(tx, sql, kid, at).await
    }

    pub async fn insert_licence(tx: &mut WriteTx, l: &LicenceRecord) -> Result<()> {
        Store::insert_licences(tx, std::slice::from_ref(l)).await
    }

    pub async fn insert_licences(tx: &mut WriteTx, ls: &[LicenceRecord]) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let rows: Vec<Vec<Val>> = ls.iter().map(LicenceRecord::to_vals).collect();
        insert_rows(
            conn,
            backend,
            table("licences").unwrap_or(&TABLES[0]),
            &rows,
        )
        .await
    }

    pub async fn get_licence(&self, id: Uuid) -> Result<Option<LicenceRecord>> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM licences WHERE id = $1",
            licence_cols()
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(LicenceRecord::from_row).transpose()
    }

    /// The licences of these cases, as `tx` sees them.
    pub async fn licences_of_cases_in(
        tx: &mut WriteTx,
        ids: &[Uuid],
    ) -> Result<Vec<LicenceRecord>> {
        let of = (&*licence_cols(), "licences", "case_id");
        crate::tables::rows_with_ids(tx, of, ids, LicenceRecord::from_row).await
    }

    pub async fn licence_of_case(&self, case_id: Uuid) -> Result<Option<LicenceRecord>> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM licences WHERE case_id = $1",
            licence_cols()
        ))
        .bind(case_id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(LicenceRecord::from_row).transpose()
    }

    /// Licences of a holder or of an authority (or all), newest first, with the total.
    /// A page of licences newest first (`issued_ms DESC, id`), the holder's, the authority's
    /// or all, from `offset` or, keyset, after the licence `after` (`(issued_ms, id)` of the
    /// previous page's last row: the index is entered there, as fast at any depth). Also the
    /// count of the whole list, capped at [`crate::COUNT_CAP`], and whether it is exact.
    pub async fn list_licences(
        &self,
        holder: Option<Uuid>,
        authority: Option<&str>,
        after: Option<(i64, Uuid)>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<LicenceRecord>, i64, bool)> {
        let (w, v) = match (holder, authority) {
            (Some(h), _) => (" WHERE holder_user = $1", Some(h.to_string())),
            (None, Some(a)) => (" WHERE authority_id = $1", Some(a.to_string())),
            (None, None) => ("", None),
        };
        let mut n = if v.is_some() { 1 } else { 0 };
        // Counting stops after COUNT_CAP + 1 rows, as for case lists: an exact count of
        // millions of licences costs more than the page itself.
        let count_sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM licences{w} LIMIT {}) t",
            crate::COUNT_CAP + 1
        );
        let mut cq = sqlx::query_scalar::<_, i64>(&count_sql);
        if let Some(v) = &v {
            cq = cq.bind(v.clone());
        }
        let total = cq.fetch_one(&self.pool).await?;
        // The cursor as a range the index starts at (as for case lists): issued no later
        // than the last row, and either earlier or after it in id order.
        let seek = match after {
            Some(_) => {
                let s = format!(
                    "{} issued_ms <= ${} AND (issued_ms < ${} OR id > ${})",
                    if v.is_some() { " AND" } else { " WHERE" },
                    n + 1,
                    n + 2,
                    n + 3
                );
                n += 3;
                s
            }
            None => String::new(),
        };
        let sql = format!(
            "SELECT {} FROM licences{w}{seek} ORDER BY issued_ms DESC, id LIMIT ${} OFFSET ${}",
            licence_cols(),
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(&sql);
        if let Some(v) = &v {
            q = bind(q, &Val::t(v.clone()));
        }
        if let Some((ms, id)) = after {
            q = q.bind(ms).bind(ms).bind(id.to_string());
        }
        let rows = q.bind(limit).bind(offset).fetch_all(&self.pool).await?;
        Ok((
            rows.iter()
                .map(LicenceRecord::from_row)
                .collect::<Result<_>>()?,
            total.min(crate::COUNT_CAP),
            total <= crate::COUNT_CAP,
        ))
    }

    /// Revokes licence `id` of case `case` (issued here, or a copy another node issued): whether
    /// it was valid here until now (false: already revoked, or not held here).
    pub async fn revoke_licence(
        tx: &mut WriteTx,
        (id, case): (Uuid, Uuid),
        at_ms: i64,
        reason: &str,
    ) -> Result<bool> {
        let conn: &mut AnyConnection = tx.conn();
        let sql = "UPDATE licences SET revoked_ms = $1, revoke_reason = $2 \
                   WHERE id = $3 AND case_id = $4 AND revoked_ms IS NULL";
        Ok(sqlx::query(sql)
            .bind(at_ms)
            .bind(reason.to_string())
            .bind(id.to_string())
            .bind(case.to_string())
            .execute(&mut *conn)
            .await?
            .rows_affected()
            == 1)
    }

    /// The licence numbered `number`.
    pub async fn licence_by_number(&self, number: &str) -> Result<Option<LicenceRecord>> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM licences WHERE number = $1",
            licence_cols()
        ))
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(LicenceRecord::from_row).transpose()
    }

    /// The licence numbered `number` if it is revoked (a verification needs no more of the
    /// revocation list than this).
    pub async fn revoked_licence(&self, number: &str) -> Result<Option<LicenceRecord>> {
        let r = sqlx::query(&format!(
            "SELECT {} FROM licences WHERE number = $1 AND revoked_ms IS NOT NULL",
            licence_cols()
        ))
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(LicenceRecord::from_row).transpose()
    }

    /// Every revoked licence, in the order they were revoked (index `licences_revoked`).
    pub async fn revoked_licences(&self) -> Result<Vec<LicenceRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM licences WHERE revoked_ms IS NOT NULL ORDER BY revoked_ms, id",
            licence_cols()
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(LicenceRecord::from_row).collect()
    }
}
