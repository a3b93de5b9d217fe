//! Notices to applicants and the mail outbox they make (issue #27): see `0027_notices.sql`.

use crate::{Result, Store, WriteTx};
use sqlx::{AnyConnection, Row};

/// A notice to write with the change it tells of; the text in both languages, the account's
/// choice (and its e-mail address) read in the same statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub id: String,
    pub user_id: String,
    pub case_id: String,
    pub kind: String,
    pub created_ms: i64,
    pub zh: (String, String),
    pub en: (String, String),
}

/// A notice as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRecord {
    pub id: String,
    pub user_id: String,
    pub case_id: String,
    pub kind: String,
    pub lang: String,
    pub subject: String,
    pub body: String,
    pub created_ms: i64,
    pub mail_to: Option<String>,
    /// `pending`, `sent`, or none (no address).
    pub mail_state: Option<String>,
    pub attempts: i64,
    pub next_ms: i64,
    pub sent_ms: Option<i64>,
    pub last_error: Option<String>,
}

const NOTICE_COLS: &str = "id, user_id, case_id, kind, lang, subject, body, created_ms, \
     mail_to, mail_state, attempts, next_ms, sent_ms, last_error";

impl NoticeRecord {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<NoticeRecord> {
        Ok(NoticeRecord {
            id: r.try_get(0)?,
            user_id: r.try_get(1)?,
            case_id: r.try_get(2)?,
            kind: r.try_get(3)?,
            lang: r.try_get(4)?,
            subject: r.try_get(5)?,
            body: r.try_get(6)?,
            created_ms: r.try_get(7)?,
            mail_to: r.try_get(8)?,
            mail_state: r.try_get(9)?,
            attempts: r.try_get(10)?,
            next_ms: r.try_get(11)?,
            sent_ms: r.try_get(12)?,
            last_error: r.try_get(13)?,
        })
    }
}

/// An account's e-mail address for notices and the language they are written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    pub lang: String,
}

/// How many mails wait, were sent, and how many of those waiting have failed at least once
/// (for `/metrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailCounts {
    pub pending: i64,
    pub failing: i64,
    pub sent: i64,
}

/// How many notices one statement writes (9 parameters each).
const CHUNK: usize = 100;

impl Store {
    /// Writes notices in the writer's transaction: each takes its account's language and
    /// address (Chinese and no mail when the account set none).
    pub async fn insert_notices(tx: &mut WriteTx, ns: &[NewNotice]) -> Result<()> {
        for chunk in ns.chunks(CHUNK) {
            let values = (0..chunk.len())
                .map(|i| {
                    let b = i * 9;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7,
                        b + 8,
                        b + 9
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            // VALUES names its columns column1.. on both backends.
            let sql = format!(
                "INSERT INTO notices ({NOTICE_COLS}) \
                 SELECT v.column1, v.column2, v.column3, v.column4, COALESCE(c.lang, 'zh'), \
                 CASE WHEN c.lang = 'en' THEN v.column7 ELSE v.column5 END, \
                 CASE WHEN c.lang = 'en' THEN v.column8 ELSE v.column6 END, \
                 v.column9, c.email, CASE WHEN c.email IS NULL THEN NULL ELSE 'pending' END, \
                 0, v.column9, NULL, NULL \
                 FROM (VALUES {values}) AS v LEFT JOIN user_contacts c ON c.user_id = v.column2"
            );
            let mut q = sqlx::query(&sql);
            for n in chunk {
                q = q
                    .bind(n.id.clone())
                    .bind(n.user_id.clone())
                    .bind(n.case_id.clone())
                    .bind(n.kind.clone())
                    .bind(n.zh.0.clone())
                    .bind(n.zh.1.clone())
                    .bind(n.en.0.clone())
                    .bind(n.en.1.clone())
                    .bind(n.created_ms);
            }
            let conn: &mut AnyConnection = tx.conn();
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// An account's newest notices first (at most `limit`), and how many it has.
    pub async fn notices_of(
        &self,
        user_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<NoticeRecord>, i64)> {
        let rows = sqlx::query(&format!(
            "SELECT {NOTICE_COLS} FROM notices WHERE user_id = $1 \
             ORDER BY created_ms DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(user_id.to_string())
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let total: i64 =
            sqlx::query("SELECT CAST(COUNT(*) AS BIGINT) FROM notices WHERE user_id = $1")
                .bind(user_id.to_string())
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
        let list = rows
            .iter()
            .map(NoticeRecord::from_row)
            .collect::<Result<_>>()?;
        Ok((list, total))
    }

    /// The notices of one case (newest first), for its page.
    pub async fn notices_of_case(&self, case_id: &str) -> Result<Vec<NoticeRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {NOTICE_COLS} FROM notices WHERE case_id = $1 ORDER BY created_ms DESC, id DESC \
             LIMIT 200"
        ))
        .bind(case_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(NoticeRecord::from_row).collect()
    }

    /// Mails due for an attempt at `now`, oldest first.
    pub async fn mail_due(&self, now: i64, limit: i64) -> Result<Vec<NoticeRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {NOTICE_COLS} FROM notices WHERE mail_state = 'pending' AND next_ms <= $1 \
             ORDER BY next_ms, id LIMIT $2"
        ))
        .bind(now)
        .bind(limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(NoticeRecord::from_row).collect()
    }

    /// Records a mail's attempt: sent (`Ok`), or failed with the time of the next one.
    pub async fn mail_attempted(
        tx: &mut WriteTx,
        id: &str,
        outcome: std::result::Result<i64, (i64, String)>,
    ) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        let q = match outcome {
            Ok(at_ms) => sqlx::query(
                "UPDATE notices SET attempts = attempts + 1, mail_state = 'sent', sent_ms = $1, \
                 last_error = NULL WHERE id = $2 AND mail_state = 'pending'",
            )
            .bind(at_ms),
            Err((next_ms, error)) => sqlx::query(
                "UPDATE notices SET attempts = attempts + 1, next_ms = $1, last_error = $2 \
                 WHERE id = $3 AND mail_state = 'pending'",
            )
            .bind(next_ms)
            .bind(error),
        };
        q.bind(id.to_string()).execute(&mut *conn).await?;
        Ok(())
    }

    pub async fn mail_counts(&self) -> Result<MailCounts> {
        let r = sqlx::query(
            "SELECT CAST(COALESCE(SUM(CASE WHEN mail_state = 'pending' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN mail_state = 'pending' AND attempts > 0 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN mail_state = 'sent' THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM notices WHERE mail_state IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(MailCounts {
            pending: r.try_get(0)?,
            failing: r.try_get(1)?,
            sent: r.try_get(2)?,
        })
    }

    pub async fn contact_of(&self, user_id: &str) -> Result<Option<Contact>> {
        let r = sqlx::query("SELECT email, lang FROM user_contacts WHERE user_id = $1")
            .bind(user_id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        r.map(|r| {
            Ok(Contact {
                email: r.try_get(0)?,
                lang: r.try_get(1)?,
            })
        })
        .transpose()
    }

    pub async fn set_contact(
        tx: &mut WriteTx,
        user_id: &str,
        c: &Contact,
        now_ms: i64,
    ) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        sqlx::query(
            "INSERT INTO user_contacts (user_id, email, lang, updated_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET email = $2, lang = $3, updated_ms = $4",
        )
        .bind(user_id.to_string())
        .bind(c.email.clone())
        .bind(c.lang.clone())
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
        // Mails not yet sent follow the account's choice: to the new address, or, with the
        // address removed, not at all (the notices stay on the pages).
        let q = match &c.email {
            Some(to) => sqlx::query(
                "UPDATE notices SET mail_to = $2 WHERE user_id = $1 AND mail_state = 'pending'",
            )
            .bind(user_id.to_string())
            .bind(to.clone()),
            None => sqlx::query(
                "UPDATE notices SET mail_to = NULL, mail_state = NULL \
                 WHERE user_id = $1 AND mail_state = 'pending'",
            )
            .bind(user_id.to_string()),
        };
        q.execute(&mut *conn).await?;
        Ok(())
    }
}
