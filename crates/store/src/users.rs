//! Accounts and sign-in sessions.

use crate::codec::*;
use crate::tables::{insert_rows, table, Val, TABLES};
use crate::*;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

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

pub(crate) const USER_COLS: &str =
    "id, username, password_hash, role, city, window_id, authority_id, \
    display_name, created_ms, resident_id";

impl Store {
    // ---------- users and sessions ----------

    pub async fn insert_user(tx: &mut WriteTx, u: &UserRecord) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let t = table("users").unwrap_or(&TABLES[0]);
        insert_rows(conn, backend, t, &[u.to_vals()])
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
        tx: &mut WriteTx,
        user: Uuid,
        password_hash: &str,
    ) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash.to_string())
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn insert_session(
        tx: &mut WriteTx,
        token_hash: &str,
        user: Uuid,
        now_ms: i64,
        expires_ms: i64,
    ) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
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

    pub async fn delete_session(tx: &mut WriteTx, token_hash: &str) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Deletes up to `limit` sessions that expired at or before `now_ms`; returns how many.
    pub async fn purge_sessions(tx: &mut WriteTx, now_ms: i64, limit: i64) -> Result<u64> {
        let conn: &mut AnyConnection = tx.conn();
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
}
