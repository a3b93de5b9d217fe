//! Identities: the resident ID bound to an applicant account, authorisations between persons,
//! and the identity checks window clerks record.

use crate::tables::{cols_list, insert_rows, int_at, read_row, table, text_at, Val, TABLES};
use crate::WriteTx;
use crate::{Result, Store};
use sqlx::AnyConnection;
use uuid::Uuid;

/// A person's authorisation of another to file in their name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorisationRecord {
    pub id: Uuid,
    pub grantor_id_no: String,
    pub agent_id_no: String,
    /// `None`: any matter.
    pub matter_code: Option<String>,
    pub valid_from_ms: i64,
    pub valid_until_ms: i64,
    /// `user:<id>` of whoever recorded it (the grantor's account, or a clerk at a window).
    pub recorded_by: String,
    pub recorded_ms: i64,
    pub revoked_ms: Option<i64>,
}

impl AuthorisationRecord {
    fn to_vals(&self) -> Vec<Val> {
        vec![
            Val::t(self.id.to_string()),
            Val::t(&self.grantor_id_no),
            Val::t(&self.agent_id_no),
            Val::ot(self.matter_code.clone()),
            Val::i(self.valid_from_ms),
            Val::i(self.valid_until_ms),
            Val::t(&self.recorded_by),
            Val::i(self.recorded_ms),
            Val::Int(self.revoked_ms),
        ]
    }

    fn from_vals(v: Vec<Val>) -> Result<AuthorisationRecord> {
        let text = |i: usize| text_at(&v, i);
        let int = |i: usize| int_at(&v, i);
        Ok(AuthorisationRecord {
            id: crate::uuid(&text(0).unwrap_or_default())?,
            grantor_id_no: text(1).unwrap_or_default(),
            agent_id_no: text(2).unwrap_or_default(),
            matter_code: text(3),
            valid_from_ms: int(4).unwrap_or(0),
            valid_until_ms: int(5).unwrap_or(0),
            recorded_by: text(6).unwrap_or_default(),
            recorded_ms: int(7).unwrap_or(0),
            revoked_ms: int(8),
        })
    }

    /// In force at `now` for `matter`.
    pub fn covers(&self, matter: &str, now_ms: i64) -> bool {
        self.revoked_ms.is_none()
            && self.valid_from_ms <= now_ms
            && now_ms < self.valid_until_ms
            && self.matter_code.as_deref().is_none_or(|m| m == matter)
    }
}

/// Whom a clerk saw, recorded with the filing or receipt it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCheck {
    pub case_id: Uuid,
    /// `file` or `receive`.
    pub action: String,
    pub presenter_id_no: String,
    pub authorisation_id: Option<Uuid>,
    pub checked_by: Uuid,
    pub window_id: Option<String>,
    pub at_ms: i64,
}

fn auth_table() -> &'static crate::tables::Table {
    table("authorisations").unwrap_or(&TABLES[0])
}

impl Store {
    /// Binds an account to a verified resident ID number.
    pub async fn set_resident_id(tx: &mut WriteTx, user: Uuid, resident_id: &str) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        sqlx::query("UPDATE users SET resident_id = $1 WHERE id = $2")
            .bind(resident_id.to_string())
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn insert_authorisation(tx: &mut WriteTx, a: &AuthorisationRecord) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        insert_rows(conn, backend, auth_table(), &[a.to_vals()]).await
    }

    /// The authorisations a person has given or been given, newest first (at most 200).
    pub async fn authorisations_of(&self, id_no: &str) -> Result<Vec<AuthorisationRecord>> {
        let t = auth_table();
        let rows = sqlx::query(&format!(
            "SELECT {} FROM authorisations WHERE grantor_id_no = $1 OR agent_id_no = $1 \
             ORDER BY recorded_ms DESC, id DESC LIMIT 200",
            cols_list(t)
        ))
        .bind(id_no.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| AuthorisationRecord::from_vals(read_row(t, r)?))
            .collect()
    }

    /// An authorisation from `grantor` to `agent` in force at `now` for `matter`.
    pub async fn authorisation_for(
        &self,
        grantor: &str,
        agent: &str,
        matter: &str,
        now_ms: i64,
    ) -> Result<Option<AuthorisationRecord>> {
        let t = auth_table();
        let rows = sqlx::query(&format!(
            "SELECT {} FROM authorisations WHERE grantor_id_no = $1 AND agent_id_no = $2 \
             AND revoked_ms IS NULL AND valid_until_ms > $3 ORDER BY valid_until_ms DESC LIMIT 50",
            cols_list(t)
        ))
        .bind(grantor.to_string())
        .bind(agent.to_string())
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let a = AuthorisationRecord::from_vals(read_row(t, r)?)?;
            if a.covers(matter, now_ms) {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }

    pub async fn authorisation(&self, id: Uuid) -> Result<Option<AuthorisationRecord>> {
        let t = auth_table();
        let r = sqlx::query(&format!(
            "SELECT {} FROM authorisations WHERE id = $1",
            cols_list(t)
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?;
        r.map(|r| AuthorisationRecord::from_vals(read_row(t, &r)?))
            .transpose()
    }

    /// Marks an authorisation revoked; false when it was already.
    pub async fn revoke_authorisation(tx: &mut WriteTx, id: Uuid, now_ms: i64) -> Result<bool> {
        let conn: &mut AnyConnection = tx.conn();
        let r = sqlx::query(
            "UPDATE authorisations SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL",
        )
        .bind(now_ms)
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn insert_identity_checks(tx: &mut WriteTx, checks: &[IdentityCheck]) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        if checks.is_empty() {
            return Ok(());
        }
        let t = table("identity_checks").unwrap_or(&TABLES[0]);
        let rows: Vec<Vec<Val>> = checks
            .iter()
            .map(|c| {
                vec![
                    Val::t(c.case_id.to_string()),
                    Val::t(&c.action),
                    Val::t(&c.presenter_id_no),
                    Val::ot(c.authorisation_id.map(|a| a.to_string())),
                    Val::t(c.checked_by.to_string()),
                    Val::ot(c.window_id.clone()),
                    Val::i(c.at_ms),
                ]
            })
            .collect();
        insert_rows(conn, backend, t, &rows).await
    }

    /// The identity checks recorded for a case, in the order they were made.
    pub async fn identity_checks(&self, case_id: Uuid) -> Result<Vec<IdentityCheck>> {
        let rows = sqlx::query(
            "SELECT case_id, action, presenter_id_no, authorisation_id, checked_by, window_id, \
             at_ms FROM identity_checks WHERE case_id = $1 ORDER BY at_ms",
        )
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                use sqlx::Row;
                Ok(IdentityCheck {
                    case_id: crate::uuid(&r.try_get::<String, _>(0)?)?,
                    action: r.try_get(1)?,
                    presenter_id_no: r.try_get(2)?,
                    authorisation_id: r
                        .try_get::<Option<String>, _>(3)?
                        .map(|a| crate::uuid(&a))
                        .transpose()?,
                    checked_by: crate::uuid(&r.try_get::<String, _>(4)?)?,
                    window_id: r.try_get(5)?,
                    at_ms: r.try_get(6)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::AUTHORISATION_COLS;

    #[test]
    fn the_columns_match_the_table_list() {
        assert_eq!(
            AUTHORISATION_COLS.len(),
            AuthorisationRecord {
                id: Uuid::nil(),
                grantor_id_no: String::new(),
                agent_id_no: String::new(),
                matter_code: None,
                valid_from_ms: 0,
                valid_until_ms: 0,
                recorded_by: String::new(),
                recorded_ms: 0,
                revoked_ms: None,
            }
            .to_vals()
            .len()
        );
    }
}
