//! The industry chain's tables: enterprises (with the search outbox written in the same
//! transaction), enterprise accounts, needs and the match pipeline. Records travel as JSON
//! documents beside the columns that queries filter on; the application owns their types.

use crate::tables::{insert_rows, params, table, Val, TABLES};
use crate::WriteTx;
use crate::{Result, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// One enterprise row: the filter columns and the whole record as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseRow {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub city: String,
    pub industry: String,
    pub cluster: String,
    pub head: bool,
    pub doc: String,
}

/// What an upsert of many enterprises did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedRow {
    pub id: String,
    pub owner_uscc: String,
    pub kind: String,
    pub status: String,
    pub deadline: Option<String>,
    pub doc: String,
    pub created_ms: i64,
    pub created_by: String,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchRow {
    pub need_id: String,
    pub uscc: String,
    pub stage: String,
    pub meetings: i64,
    pub score_milli: i64,
    pub suggested_on: String,
    pub contacted_on: Option<String>,
    pub qualified_on: Option<String>,
    pub declined_on: Option<String>,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchEventRow {
    pub uscc: String,
    pub seq: i64,
    pub stage: String,
    pub on_date: String,
    pub at_ms: i64,
    pub actor: String,
    pub note: String,
}

fn tbl(name: &str) -> &'static crate::Table {
    table(name).unwrap_or(&TABLES[0])
}

fn ent_from(r: &AnyRow) -> Result<EnterpriseRow> {
    Ok(EnterpriseRow {
        uscc: r.try_get(0)?,
        name_zh: r.try_get(1)?,
        name_en: r.try_get(2)?,
        city: r.try_get(3)?,
        industry: r.try_get(4)?,
        cluster: r.try_get(5)?,
        head: r.try_get::<i64, _>(6)? != 0,
        doc: r.try_get(7)?,
    })
}

const ENT_COLS: &str = "uscc, name_zh, name_en, city, industry, cluster, head, doc";
pub(crate) const NEED_COLS: &str =
    "id, owner_uscc, kind, status, deadline, doc, created_ms, created_by, updated_ms";
const MATCH_COLS: &str = "need_id, uscc, stage, meetings, score_milli, suggested_on, \
                          contacted_on, qualified_on, declined_on, updated_ms";

fn need_from(r: &AnyRow) -> Result<NeedRow> {
    need_at(r, 0)
}

/// A need from the [`NEED_COLS`] that start at column `at` of `r`.
pub(crate) fn need_at(r: &AnyRow, at: usize) -> Result<NeedRow> {
    Ok(NeedRow {
        id: r.try_get(at)?,
        owner_uscc: r.try_get(at + 1)?,
        kind: r.try_get(at + 2)?,
        status: r.try_get(at + 3)?,
        deadline: r.try_get(at + 4)?,
        doc: r.try_get(at + 5)?,
        created_ms: r.try_get(at + 6)?,
        created_by: r.try_get(at + 7)?,
        updated_ms: r.try_get(at + 8)?,
    })
}

fn match_from(r: &AnyRow) -> Result<MatchRow> {
    Ok(MatchRow {
        need_id: r.try_get(0)?,
        uscc: r.try_get(1)?,
        stage: r.try_get(2)?,
        meetings: r.try_get(3)?,
        score_milli: r.try_get(4)?,
        suggested_on: r.try_get(5)?,
        contacted_on: r.try_get(6)?,
        qualified_on: r.try_get(7)?,
        declined_on: r.try_get(8)?,
        updated_ms: r.try_get(9)?,
    })
}

impl Store {
    /// Inserts or replaces enterprises by USCC in one transaction, with one outbox row for
    /// each created or changed record. A record identical to the stored one is left alone,
    /// so importing the same file twice changes nothing.
    pub async fn upsert_enterprises(
        &self,
        rows: &[EnterpriseRow],
        now_ms: i64,
    ) -> Result<UpsertCounts> {
        if rows.is_empty() {
            return Ok(UpsertCounts::default());
        }
        let mut tx = self.begin_write().await?;
        let counts = Self::upsert_enterprises_in(&mut tx, rows, now_ms).await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// [`Store::upsert_enterprises`] in the caller's transaction.
    pub async fn upsert_enterprises_in(
        tx: &mut WriteTx,
        rows: &[EnterpriseRow],
        now_ms: i64,
    ) -> Result<UpsertCounts> {
        let backend = tx.backend();
        let tx: &mut AnyConnection = tx.conn();
        let mut counts = UpsertCounts::default();
        // The last occurrence of a code within the batch wins.
        let mut latest: BTreeMap<&str, &EnterpriseRow> = BTreeMap::new();
        for r in rows {
            if latest.insert(r.uscc.as_str(), r).is_some() {
                counts.unchanged += 1;
            }
        }
        let keys: Vec<&str> = latest.keys().copied().collect();
        let mut existing: BTreeMap<String, String> = BTreeMap::new();
        for chunk in keys.chunks(500) {
            let sql = format!(
                "SELECT uscc, doc FROM enterprises WHERE uscc IN ({})",
                params(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(*k);
            }
            for r in q.fetch_all(&mut *tx).await? {
                existing.insert(r.try_get(0)?, r.try_get(1)?);
            }
        }
        let mut fresh = Vec::new();
        let mut outbox = Vec::new();
        for (k, r) in &latest {
            match existing.get(*k) {
                Some(doc) if doc == &r.doc => counts.unchanged += 1,
                Some(_) => {
                    counts.updated += 1;
                    sqlx::query(
                        "UPDATE enterprises SET name_zh = $2, name_en = $3, city = $4, \
                         industry = $5, cluster = $6, head = $7, doc = $8, updated_ms = $9 \
                         WHERE uscc = $1",
                    )
                    .bind(&r.uscc)
                    .bind(&r.name_zh)
                    .bind(&r.name_en)
                    .bind(&r.city)
                    .bind(&r.industry)
                    .bind(&r.cluster)
                    .bind(r.head as i64)
                    .bind(&r.doc)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?;
                    outbox.push(vec![Val::t(r.uscc.clone())]);
                }
                None => {
                    counts.created += 1;
                    fresh.push(vec![
                        Val::t(r.uscc.clone()),
                        Val::t(r.name_zh.clone()),
                        Val::t(r.name_en.clone()),
                        Val::t(r.city.clone()),
                        Val::t(r.industry.clone()),
                        Val::t(r.cluster.clone()),
                        Val::i(r.head as i64),
                        Val::t(r.doc.clone()),
                        Val::i(now_ms),
                    ]);
                    outbox.push(vec![Val::t(r.uscc.clone())]);
                }
            }
        }
        insert_rows(&mut *tx, backend, tbl("enterprises"), &fresh).await?;
        insert_rows(&mut *tx, backend, &OUTBOX, &outbox).await?;
        Ok(counts)
    }

    pub async fn enterprise(&self, uscc: &str) -> Result<Option<EnterpriseRow>> {
        let r = sqlx::query(&format!(
            "SELECT {ENT_COLS} FROM enterprises WHERE uscc = $1"
        ))
        .bind(uscc)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(ent_from).transpose()
    }

    /// The enterprises with these codes (those that exist), in no particular order.
    pub async fn enterprises_by_uscc(&self, usccs: &[String]) -> Result<Vec<EnterpriseRow>> {
        self.by_uscc(usccs, ENT_COLS).await
    }

    /// The same rows without their profile documents (`doc` is empty): enough to name
    /// enterprises on a list, without reading and copying every profile.
    pub async fn enterprise_names(&self, usccs: &[String]) -> Result<Vec<EnterpriseRow>> {
        self.by_uscc(
            usccs,
            "uscc, name_zh, name_en, city, industry, cluster, head, ''",
        )
        .await
    }

    async fn by_uscc(&self, usccs: &[String], cols: &str) -> Result<Vec<EnterpriseRow>> {
        let mut out = Vec::with_capacity(usccs.len());
        for chunk in usccs.chunks(500) {
            let sql = format!(
                "SELECT {cols} FROM enterprises WHERE uscc IN ({})",
                params(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(k);
            }
            for r in q.fetch_all(self.pool()).await? {
                out.push(ent_from(&r)?);
            }
        }
        Ok(out)
    }

    /// Every enterprise in code order, in pages of `batch` (for export and reindex):
    /// `while let Some(rows) = pages.next().await? { … }`.
    pub fn enterprise_pages(&self, batch: i64) -> EnterprisePages<'_> {
        EnterprisePages {
            store: self,
            after: String::new(),
            batch,
        }
    }

    /// Enterprises in code order after `after` (keyset paging).
    async fn enterprises_after(&self, after: &str, limit: i64) -> Result<Vec<EnterpriseRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {ENT_COLS} FROM enterprises WHERE uscc > $1 ORDER BY uscc LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(ent_from).collect()
    }

    pub async fn count_enterprises(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM enterprises")
            .fetch_one(self.pool())
            .await?)
    }

    /// Head enterprises, by code.
    pub async fn head_enterprises(&self) -> Result<Vec<EnterpriseRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {ENT_COLS} FROM enterprises WHERE head = 1 ORDER BY uscc"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(ent_from).collect()
    }

    /// The oldest outbox entries: (sequence, USCC).
    pub async fn outbox_batch(&self, limit: i64) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query("SELECT seq, uscc FROM search_outbox ORDER BY seq LIMIT $1")
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn outbox_len(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM search_outbox")
            .fetch_one(self.pool())
            .await?)
    }

    /// The sequence numbers of every outbox entry visible now (before a rebuild).
    pub async fn outbox_seqs(&self) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT seq FROM search_outbox ORDER BY seq")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Forgets these outbox entries, once the index holds them. Exactly these: on
    /// PostgreSQL sequence numbers are taken at insert and transactions commit in any order,
    /// so an entry with a lower number may become visible after higher ones were applied
    /// (deleting "up to N" would drop it unapplied).
    pub async fn outbox_done(&self, seqs: &[i64]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for chunk in seqs.chunks(500) {
            let sql = format!(
                "DELETE FROM search_outbox WHERE seq IN ({})",
                params(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for s in chunk {
                q = q.bind(*s);
            }
            q.execute(tx.conn()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn insert_need(tx: &mut WriteTx, n: &NeedRow) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        insert_rows(
            conn,
            backend,
            tbl("needs"),
            &[vec![
                Val::t(n.id.clone()),
                Val::t(n.owner_uscc.clone()),
                Val::t(n.kind.clone()),
                Val::t(n.status.clone()),
                Val::ot(n.deadline.clone()),
                Val::t(n.doc.clone()),
                Val::i(n.created_ms),
                Val::t(n.created_by.clone()),
                Val::i(n.updated_ms),
            ]],
        )
        .await?;
        Ok(())
    }

    /// Replaces a need's editable parts.
    pub async fn update_need(tx: &mut WriteTx, n: &NeedRow) -> Result<()> {
        let conn: &mut AnyConnection = tx.conn();
        let done = sqlx::query(
            "UPDATE needs SET kind = $2, status = $3, deadline = $4, doc = $5, updated_ms = $6 \
             WHERE id = $1",
        )
        .bind(&n.id)
        .bind(&n.kind)
        .bind(&n.status)
        .bind(&n.deadline)
        .bind(&n.doc)
        .bind(n.updated_ms)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("need {} is gone", n.id)));
        }
        Ok(())
    }

    pub async fn need(&self, id: &str) -> Result<Option<NeedRow>> {
        let r = sqlx::query(&format!("SELECT {NEED_COLS} FROM needs WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(need_from).transpose()
    }

    /// A need as `tx` sees it.
    pub async fn need_in(tx: &mut WriteTx, id: &str) -> Result<Option<NeedRow>> {
        let r = sqlx::query(&format!("SELECT {NEED_COLS} FROM needs WHERE id = $1"))
            .bind(id)
            .fetch_optional(tx.conn())
            .await?;
        r.as_ref().map(need_from).transpose()
    }

    /// Needs, newest first (ids are time-ordered, so ties in the millisecond go by id); of one
    /// owner when given.
    pub async fn needs(
        &self,
        owner: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<NeedRow>, i64)> {
        let (rows, total) = match owner {
            Some(o) => (
                sqlx::query(&format!(
                    "SELECT {NEED_COLS} FROM needs WHERE owner_uscc = $1 \
                     ORDER BY created_ms DESC, id DESC LIMIT $2 OFFSET $3"
                ))
                .bind(o)
                .bind(limit)
                .bind(offset)
                .fetch_all(self.pool())
                .await?,
                sqlx::query_scalar("SELECT COUNT(*) FROM needs WHERE owner_uscc = $1")
                    .bind(o)
                    .fetch_one(self.pool())
                    .await?,
            ),
            None => (
                sqlx::query(&format!(
                    "SELECT {NEED_COLS} FROM needs ORDER BY created_ms DESC, id DESC LIMIT $1 OFFSET $2"
                ))
                .bind(limit)
                .bind(offset)
                .fetch_all(self.pool())
                .await?,
                sqlx::query_scalar("SELECT COUNT(*) FROM needs")
                    .fetch_one(self.pool())
                    .await?,
            ),
        };
        Ok((rows.iter().map(need_from).collect::<Result<_>>()?, total))
    }

    /// The pipelines one enterprise is in as a candidate, past the head enterprise's own
    /// shortlist (`suggested`), most recently moved first, with their needs: at most `limit`.
    pub async fn matches_of_candidate(
        &self,
        uscc: &str,
        limit: i64,
    ) -> Result<Vec<(MatchRow, NeedRow)>> {
        let cols = |t: &str, cols: &str| {
            cols.split(", ")
                .map(|c| format!("{t}.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        sqlx::query(&format!(
            "SELECT {}, {} FROM matches m JOIN needs n ON n.id = m.need_id \
             WHERE m.uscc = $1 AND m.stage <> 'suggested' \
             ORDER BY m.updated_ms DESC, m.need_id LIMIT $2",
            cols("m", MATCH_COLS),
            cols("n", NEED_COLS)
        ))
        .bind(uscc)
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| Ok((match_from(r)?, need_at(r, MATCH_COLS.split(',').count())?)))
        .collect()
    }

    pub async fn matches_of_need(&self, need_id: &str) -> Result<Vec<MatchRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {MATCH_COLS} FROM matches WHERE need_id = $1 ORDER BY score_milli DESC, uscc"
        ))
        .bind(need_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(match_from).collect()
    }

    /// One candidate of a need, if it is in the pipeline.
    pub async fn match_of(&self, need_id: &str, uscc: &str) -> Result<Option<MatchRow>> {
        let row = sqlx::query(&format!(
            "SELECT {MATCH_COLS} FROM matches WHERE need_id = $1 AND uscc = $2"
        ))
        .bind(need_id)
        .bind(uscc)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(match_from).transpose()
    }

    /// Every match of every need of one owner, or of every owner (for statistics and partner
    /// reserves), in one query: by need, best score first.
    pub async fn matches_of_owner(&self, owner: Option<&str>) -> Result<Vec<MatchRow>> {
        let rows = match owner {
            Some(o) => {
                sqlx::query(&format!(
                    "SELECT {MATCH_COLS} FROM matches WHERE need_id IN \
                     (SELECT id FROM needs WHERE owner_uscc = $1) \
                     ORDER BY need_id, score_milli DESC, uscc"
                ))
                .bind(o)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {MATCH_COLS} FROM matches ORDER BY need_id, score_milli DESC, uscc"
                ))
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(match_from).collect()
    }

    pub async fn match_events(&self, need_id: &str, uscc: &str) -> Result<Vec<MatchEventRow>> {
        let rows = sqlx::query(
            "SELECT uscc, seq, stage, on_date, at_ms, actor, note FROM match_events \
             WHERE need_id = $1 AND uscc = $2 ORDER BY seq",
        )
        .bind(need_id)
        .bind(uscc)
        .fetch_all(self.pool())
        .await?;
        events_from(&rows)
    }

    /// Every event of every match of a need, by candidate and in order (one query for a whole
    /// pipeline board).
    pub async fn events_of_need(&self, need_id: &str) -> Result<Vec<MatchEventRow>> {
        let rows = sqlx::query(
            "SELECT uscc, seq, stage, on_date, at_ms, actor, note FROM match_events \
             WHERE need_id = $1 ORDER BY uscc, seq",
        )
        .bind(need_id)
        .fetch_all(self.pool())
        .await?;
        events_from(&rows)
    }
}

fn events_from(rows: &[AnyRow]) -> Result<Vec<MatchEventRow>> {
    rows.iter()
        .map(|r| {
            Ok(MatchEventRow {
                uscc: r.try_get(0)?,
                seq: r.try_get(1)?,
                stage: r.try_get(2)?,
                on_date: r.try_get(3)?,
                at_ms: r.try_get(4)?,
                actor: r.try_get(5)?,
                note: r.try_get(6)?,
            })
        })
        .collect()
}

impl Store {
    /// Writes a match (insert or replace) and appends its event, in the caller's transaction.
    /// `expect_stage` guards against two people moving the same match at once: if the match
    /// is no longer there, a conflict, and nothing changes.
    pub async fn put_match(
        tx: &mut WriteTx,
        m: &MatchRow,
        expect_stage: Option<&str>,
        ev: &MatchEventRow,
    ) -> Result<()> {
        let backend = tx.backend();
        let conn: &mut AnyConnection = tx.conn();
        let cur: Option<String> =
            sqlx::query_scalar("SELECT stage FROM matches WHERE need_id = $1 AND uscc = $2")
                .bind(&m.need_id)
                .bind(&m.uscc)
                .fetch_optional(&mut *conn)
                .await?;
        if cur.as_deref() != expect_stage {
            return Err(StoreError::Conflict(format!(
                "the match is at {} now",
                cur.as_deref().unwrap_or("no stage")
            )));
        }
        sqlx::query("DELETE FROM matches WHERE need_id = $1 AND uscc = $2")
            .bind(&m.need_id)
            .bind(&m.uscc)
            .execute(&mut *conn)
            .await?;
        insert_rows(
            &mut *conn,
            backend,
            tbl("matches"),
            &[vec![
                Val::t(m.need_id.clone()),
                Val::t(m.uscc.clone()),
                Val::t(m.stage.clone()),
                Val::i(m.meetings),
                Val::i(m.score_milli),
                Val::t(m.suggested_on.clone()),
                Val::ot(m.contacted_on.clone()),
                Val::ot(m.qualified_on.clone()),
                Val::ot(m.declined_on.clone()),
                Val::i(m.updated_ms),
            ]],
        )
        .await?;
        let seq: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(seq) FROM match_events WHERE need_id = $1 AND uscc = $2",
        )
        .bind(&m.need_id)
        .bind(&m.uscc)
        .fetch_one(&mut *conn)
        .await?;
        insert_rows(
            &mut *conn,
            backend,
            tbl("match_events"),
            &[vec![
                Val::t(m.need_id.clone()),
                Val::t(m.uscc.clone()),
                Val::i(seq.unwrap_or(0) + 1),
                Val::t(ev.stage.clone()),
                Val::t(ev.on_date.clone()),
                Val::i(ev.at_ms),
                Val::t(ev.actor.clone()),
                Val::t(ev.note.clone()),
            ]],
        )
        .await?;
        Ok(())
    }
}

/// The outbox as a table for bulk inserts (its sequence is assigned by the engine).
static OUTBOX: crate::Table = crate::Table {
    name: "search_outbox",
    cols: &[("uscc", crate::Ty::Text)],
    order: "seq",
};

/// Walks the enterprise registry in code order, a page at a time (see
/// [`Store::enterprise_pages`]).
pub struct EnterprisePages<'a> {
    store: &'a Store,
    after: String,
    batch: i64,
}

impl EnterprisePages<'_> {
    /// The next page, or `None` after the last.
    pub async fn next(&mut self) -> Result<Option<Vec<EnterpriseRow>>> {
        let rows = self
            .store
            .enterprises_after(&self.after, self.batch)
            .await?;
        match rows.last() {
            Some(last) => {
                self.after = last.uscc.clone();
                Ok(Some(rows))
            }
            None => Ok(None),
        }
    }
}
