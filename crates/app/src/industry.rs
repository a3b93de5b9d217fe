//! Industry-chain matchmaking: the enterprise registry, search, needs, ranked matches with
//! explanations, and the pipeline from suggestion to qualified supplier.
//!
//! The search index follows the database through an outbox: every change to an enterprise
//! writes an outbox row in the same transaction, and one writer task applies the outbox to
//! the index, commits it, and only then deletes the rows it applied. A crash in between
//! applies them again (an upsert is idempotent), so the index may lag but never misses a
//! change. `reindex` rebuilds the index from the table.
//!
//! Access: anyone signed in may search the registry (it holds no personal data). An
//! enterprise account edits only its own profile, and not its recognitions (flags). Needs,
//! their matches and pipelines are seen and worked by the head enterprise that owns them and
//! by the joint office (and the administrator).

use crate::{App, AppError, AppResult, ErrorCode};
use corridor_domain::case::{Principal, Role};
use corridor_domain::catalogue::FieldError;
use corridor_industry::matching::{self, NeedKind, NeedSpec, NeedStatus, Stage, Weights};
use corridor_industry::search::{EnterpriseIndex, Filters};
use corridor_industry::tantivy;
use corridor_industry::Enterprise;
use corridor_store::{EnterpriseRow, MatchEventRow, MatchRow, NeedRow, Store, UpsertCounts};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use time::Date;
use tokio::sync::{mpsc, oneshot, Notify};
use uuid::Uuid;

/// Where the search index lives.
#[derive(Debug, Clone, Default)]
pub enum IndexMode {
    /// In memory, rebuilt from the database at start (tests, small demos).
    #[default]
    InMemory,
    /// On disk in this folder; one process (the server) writes it.
    Dir(PathBuf),
    /// No index and no writer: for command-line tools that run beside a server. Searches
    /// find nothing; the outbox waits for the server.
    Off,
}

/// How the industry part is set up.
#[derive(Debug, Clone, Default)]
pub struct IndustryOptions {
    pub index: IndexMode,
    pub weights: Weights,
}

enum IndexCmd {
    Sync(oneshot::Sender<AppResult<u64>>),
    Reindex(oneshot::Sender<AppResult<u64>>),
}

pub struct Industry {
    pub index: Arc<EnterpriseIndex>,
    cmd: mpsc::Sender<IndexCmd>,
    wake: Arc<Notify>,
    pub weights: Weights,
    ranks: std::sync::Mutex<RankCache>,
}

/// Rankings already computed, valid for one generation of the index. A ranking reads and
/// scores hundreds of candidates (about 11 ms of CPU at 20,000 enterprises) and needs are
/// ranked far more often than the registry changes. Any change to the index (a new
/// generation) empties the cache.
#[derive(Default)]
struct RankCache {
    generation: u64,
    map: std::collections::HashMap<String, Arc<Vec<matching::Ranked>>>,
}

impl RankCache {
    /// At most this many rankings are kept; when full it starts over.
    const CAPACITY: usize = 64;

    fn get(&mut self, generation: u64, key: &str) -> Option<Arc<Vec<matching::Ranked>>> {
        if self.generation != generation {
            self.map.clear();
            self.generation = generation;
        }
        self.map.get(key).cloned()
    }

    fn put(&mut self, generation: u64, key: String, r: Arc<Vec<matching::Ranked>>) {
        if self.generation != generation {
            return;
        }
        if self.map.len() >= Self::CAPACITY {
            self.map.clear();
        }
        self.map.insert(key, r);
    }
}

fn ix_err(e: tantivy::TantivyError) -> AppError {
    tracing::error!(error = %e, "search index error");
    AppError::new(
        ErrorCode::Internal,
        "a search index error occurred; it has been logged",
    )
}

impl Industry {
    /// Opens the index and starts its writer task.
    pub(crate) fn start(store: Store, opts: &IndustryOptions) -> AppResult<Industry> {
        let index = match &opts.index {
            IndexMode::Dir(d) => EnterpriseIndex::open(d),
            IndexMode::InMemory | IndexMode::Off => EnterpriseIndex::in_memory(),
        }
        .map_err(ix_err)?;
        let index = Arc::new(index);
        let (tx, rx) = mpsc::channel(16);
        let wake = Arc::new(Notify::new());
        if !matches!(opts.index, IndexMode::Off) {
            let writer = index.writer().map_err(|e| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("the search index is in use by another process: {e}"),
                )
            })?;
            tokio::spawn(index_writer(store, index.clone(), writer, rx, wake.clone()));
        }
        Ok(Industry {
            index,
            cmd: tx,
            wake,
            weights: opts.weights,
            ranks: Default::default(),
        })
    }

    async fn ask(&self, make: fn(oneshot::Sender<AppResult<u64>>) -> IndexCmd) -> AppResult<u64> {
        let (tx, rx) = oneshot::channel();
        self.cmd
            .send(make(tx))
            .await
            .map_err(|_| AppError::new(ErrorCode::Internal, "the index writer has stopped"))?;
        rx.await
            .map_err(|_| AppError::new(ErrorCode::Internal, "the index writer has stopped"))?
    }
}

/// Applies outbox rows to the index until none are left; returns how many were applied.
pub async fn drain_outbox(
    store: &Store,
    index: &Arc<EnterpriseIndex>,
    writer: &mut Option<tantivy::IndexWriter>,
) -> AppResult<u64> {
    let mut applied = 0;
    loop {
        let batch = store.outbox_batch(5000).await?;
        if batch.is_empty() {
            return Ok(applied);
        }
        let seqs: Vec<i64> = batch.iter().map(|b| b.0).collect();
        let codes: Vec<String> = batch
            .iter()
            .map(|b| b.1.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let rows = store.enterprises_by_uscc(&codes).await?;
        let mut present: BTreeMap<String, Enterprise> = BTreeMap::new();
        for r in rows {
            present.insert(r.uscc.clone(), doc_of(&r)?);
        }
        let gone: Vec<String> = codes
            .into_iter()
            .filter(|c| !present.contains_key(c))
            .collect();
        with_writer(index, writer, move |ix, w| {
            for e in present.values() {
                ix.upsert(w, e)?;
            }
            for c in &gone {
                ix.delete(w, c);
            }
            ix.commit(w)
        })
        .await?;
        store.outbox_done(&seqs).await?;
        applied += batch.len() as u64;
    }
}

/// Rebuilds the index from the enterprises table; searches see the old index until the
/// new one is committed. Returns the number of enterprises indexed.
pub async fn rebuild_index(
    store: &Store,
    index: &Arc<EnterpriseIndex>,
    writer: &mut Option<tantivy::IndexWriter>,
) -> AppResult<u64> {
    // Outbox entries visible now are covered by the rebuild; any committed later (whatever
    // their number) stay in the outbox and are applied afterwards.
    let covered = store.outbox_seqs().await?;
    with_writer(index, writer, |ix, w| ix.clear(w)).await?;
    let mut after = String::new();
    let mut n = 0u64;
    loop {
        let rows = store.enterprises_after(&after, 5000).await?;
        let Some(last) = rows.last() else { break };
        after = last.uscc.clone();
        let docs = rows.iter().map(doc_of).collect::<AppResult<Vec<_>>>()?;
        n += docs.len() as u64;
        with_writer(index, writer, move |ix, w| {
            for e in &docs {
                ix.add(w, e)?;
            }
            Ok(())
        })
        .await?;
    }
    with_writer(index, writer, |ix, w| ix.commit(w)).await?;
    store.outbox_done(&covered).await?;
    drain_outbox(store, index, writer).await?;
    Ok(n)
}

/// Runs blocking index work off the async threads.
async fn with_writer<F>(
    index: &Arc<EnterpriseIndex>,
    writer: &mut Option<tantivy::IndexWriter>,
    f: F,
) -> AppResult<()>
where
    F: FnOnce(&EnterpriseIndex, &mut tantivy::IndexWriter) -> tantivy::Result<()> + Send + 'static,
{
    let mut w = writer
        .take()
        .ok_or_else(|| AppError::new(ErrorCode::Internal, "the index writer was lost"))?;
    let ix = index.clone();
    let (w, r) = tokio::task::spawn_blocking(move || {
        let r = f(&ix, &mut w);
        (w, r)
    })
    .await
    .map_err(|e| AppError::new(ErrorCode::Internal, format!("index task: {e}")))?;
    *writer = Some(w);
    r.map_err(ix_err)
}

fn doc_of(r: &EnterpriseRow) -> AppResult<Enterprise> {
    serde_json::from_str(&r.doc).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("stored enterprise {} is unreadable: {e}", r.uscc),
        )
    })
}

async fn index_writer(
    store: Store,
    index: Arc<EnterpriseIndex>,
    writer: tantivy::IndexWriter,
    mut rx: mpsc::Receiver<IndexCmd>,
    wake: Arc<Notify>,
) {
    let mut writer = Some(writer);
    // An index that does not hold what the table holds (first start, an in-memory index, an
    // import into the database while no server ran) is rebuilt.
    match store.count_enterprises().await {
        Ok(n) if n as u64 != index.len() => {
            match rebuild_index(&store, &index, &mut writer).await {
                Ok(n) => tracing::info!(enterprises = n, "search index rebuilt"),
                Err(e) => tracing::error!(error = %e, "search index rebuild failed"),
            }
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "counting enterprises"),
    }
    loop {
        let cmd = tokio::select! {
            c = rx.recv() => match c {
                Some(c) => Some(c),
                None => return,
            },
            _ = wake.notified() => None,
            _ = tokio::time::sleep(Duration::from_millis(500)) => None,
        };
        if writer.is_none() {
            // A panic inside tantivy lost the writer; nothing more can be indexed.
            if let Some(IndexCmd::Sync(tx) | IndexCmd::Reindex(tx)) = cmd {
                let _ = tx.send(Err(AppError::new(
                    ErrorCode::Internal,
                    "the index writer was lost",
                )));
            }
            continue;
        }
        match cmd {
            None => {
                if store.pool().is_closed() {
                    // The store was closed (a command such as `corridor demo` is ending).
                    return;
                }
                if let Err(e) = drain_outbox(&store, &index, &mut writer).await {
                    if store.pool().is_closed() {
                        return;
                    }
                    tracing::error!(error = %e, "applying the search outbox");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
            Some(IndexCmd::Sync(tx)) => {
                let _ = tx.send(drain_outbox(&store, &index, &mut writer).await);
            }
            Some(IndexCmd::Reindex(tx)) => {
                let _ = tx.send(rebuild_index(&store, &index, &mut writer).await);
            }
        }
    }
}

pub fn row_of(e: &Enterprise) -> AppResult<EnterpriseRow> {
    Ok(EnterpriseRow {
        uscc: e.uscc.clone(),
        name_zh: e.name_zh.clone(),
        name_en: e.name_en.clone(),
        city: e.city.clone(),
        industry: e.industry.clone(),
        cluster: e.cluster.as_str().to_string(),
        head: e.flags.head,
        doc: serde_json::to_string(e).map_err(|x| AppError::bad(x.to_string()))?,
    })
}

// ---- views ----

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnterpriseQuery {
    /// Free text in Chinese and/or English (names, capabilities, products).
    pub q: Option<String>,
    /// A city code.
    pub city: Option<String>,
    /// A cluster, e.g. `new_materials`.
    pub cluster: Option<String>,
    /// A GB/T 4754 class prefix: `C`, `C26`, `C265`, `C2651`.
    pub industry: Option<String>,
    /// Comma-separated flags that must all hold: `high_tech`, `specialised`, `head`, `listed`.
    pub flag: Option<String>,
    /// Comma-separated certifications that must all be held, e.g. `AS9100`.
    pub cert: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<i64>,
    /// 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

impl EnterpriseQuery {
    pub fn filters(&self) -> Filters {
        let list = |s: &Option<String>| -> Vec<String> {
            s.as_deref()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect()
        };
        let one = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(String::from)
        };
        Filters {
            city: one(&self.city),
            cluster: one(&self.cluster),
            industry: one(&self.industry),
            flags: list(&self.flag),
            certifications: list(&self.cert),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseHit {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub score: f32,
    pub city: String,
    pub cluster: String,
    pub industry: String,
    pub flags: Vec<String>,
    pub certifications: Vec<String>,
    /// Query terms found, by field.
    pub matched: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseSearch {
    pub total: usize,
    pub page: i64,
    pub per_page: i64,
    pub hits: Vec<EnterpriseHit>,
    /// Facet (`city`, `cluster`, `cert`, `flag`) → value → count over all matches.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignalView {
    /// `text`, `cluster`, `industry`, `preferred_city`, `corridor_city`, `high_tech`, `specialised`.
    pub name: String,
    pub value: f32,
    pub weight: f32,
    pub contribution: f32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    pub rank: usize,
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub score: f32,
    pub city: String,
    pub cluster: String,
    pub industry: String,
    pub flags: Vec<String>,
    pub certifications: Vec<String>,
    /// Query terms found, by field.
    pub matched: BTreeMap<String, Vec<String>>,
    /// Each signal's value, weight and contribution; they add up to `score`.
    pub signals: Vec<SignalView>,
    /// The candidate's stage when it is in this need's pipeline.
    pub stage: Option<Stage>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewNeed {
    /// The head enterprise the need is for. A head enterprise's own account may omit it;
    /// the joint office must give it.
    #[serde(default)]
    pub owner_uscc: Option<String>,
    /// The last day to respond (YYYY-MM-DD).
    #[serde(default)]
    pub deadline: Option<String>,
    #[serde(flatten)]
    pub spec: NeedSpec,
    /// Anything else in the body: refused, named in the error.
    #[serde(flatten, skip_serializing)]
    #[schema(ignore)]
    pub unknown: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NeedView {
    pub id: String,
    pub owner_uscc: String,
    pub owner_name_zh: String,
    pub owner_name_en: String,
    pub status: NeedStatus,
    pub deadline: Option<String>,
    pub created: String,
    #[serde(flatten)]
    pub spec: NeedSpec,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NeedUpdate {
    pub status: NeedStatus,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct StageMove {
    pub uscc: String,
    pub stage: Stage,
    /// The day it happened (YYYY-MM-DD); today when omitted.
    #[serde(default)]
    pub on: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchEventView {
    pub stage: Stage,
    pub on: String,
    pub actor: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchView {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub city: String,
    pub stage: Stage,
    pub meetings: i64,
    pub score: f32,
    pub suggested_on: String,
    pub contacted_on: Option<String>,
    pub qualified_on: Option<String>,
    pub declined_on: Option<String>,
    pub events: Vec<MatchEventView>,
}

/// A need whose head enterprise has taken this enterprise beyond its shortlist: where the
/// candidate stands. The head enterprise's notes and its ranking score are its own and are
/// not shown.
/// The most opportunities one enterprise is shown.
pub const OPPORTUNITIES_MAX: i64 = 200;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Opportunity {
    pub need_id: String,
    pub title_zh: String,
    pub title_en: String,
    pub kind: NeedKind,
    pub owner_uscc: String,
    pub owner_name_zh: String,
    pub owner_name_en: String,
    pub need_status: NeedStatus,
    /// The need's deadline (YYYY-MM-DD), if it has one.
    pub deadline: Option<String>,
    pub stage: Stage,
    pub meetings: i64,
    pub contacted_on: Option<String>,
    pub qualified_on: Option<String>,
    pub declined_on: Option<String>,
    /// When the head enterprise last moved this candidate (RFC 3339).
    pub updated: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NeedStats {
    pub need_id: String,
    pub title_zh: String,
    pub title_en: String,
    pub kind: NeedKind,
    pub status: NeedStatus,
    /// Enterprises in the pipeline.
    pub candidates: i64,
    /// Stage → count.
    pub by_stage: BTreeMap<String, i64>,
    pub meetings: i64,
    pub qualified: i64,
    /// Days from first contact to qualification, one per qualified candidate.
    pub days_to_qualify: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReserveEntry {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub city: String,
    /// The furthest stage reached on any of the head enterprise's needs.
    pub best_stage: Stage,
    pub needs: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeadStats {
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub needs: i64,
    pub open_needs: i64,
    pub candidates: i64,
    pub meetings: i64,
    pub qualified: i64,
    /// Bottleneck-technology needs with at least one qualified partner: joint-tackling
    /// projects started.
    pub projects_started: i64,
    /// Median days from first contact to qualification.
    pub median_days_to_qualify: Option<f64>,
    /// Partner reserve: every enterprise contacted or further on any need, not declined.
    pub reserve: Vec<ReserveEntry>,
    pub by_need: Vec<NeedStats>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndustryStats {
    pub heads: Vec<HeadStats>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReindexReport {
    pub enterprises: u64,
}

/// Whose needs a caller may see.
enum Scope {
    All,
    Own(String),
}

fn parse_day(s: &str, field: &str) -> AppResult<Date> {
    corridor_store::parse_date(s)
        .ok()
        .filter(|d| corridor_domain::text::plausible_date(*d))
        .ok_or_else(|| {
            AppError::fields(vec![FieldError {
                field: field.into(),
                reason: "a date as YYYY-MM-DD between 1900 and 2100".into(),
            }])
        })
}

fn field_err(field: &str, reason: impl Into<String>) -> AppError {
    AppError::fields(vec![FieldError {
        field: field.into(),
        reason: reason.into(),
    }])
}

fn stage_of(s: &str) -> AppResult<Stage> {
    Stage::parse(s).ok_or_else(|| AppError::new(ErrorCode::Internal, format!("stored stage '{s}'")))
}

impl App {
    pub fn industry(&self) -> &Industry {
        &self.industry
    }

    /// Waits until every change so far is in the search index.
    pub async fn sync_search(&self) -> AppResult<u64> {
        self.industry.ask(IndexCmd::Sync).await
    }

    /// Rebuilds the search index from the database (administrator).
    pub async fn reindex(&self, p: &Principal) -> AppResult<ReindexReport> {
        if p.role != Role::Admin {
            return Err(AppError::forbidden(
                "only an administrator rebuilds the index",
            ));
        }
        Ok(ReindexReport {
            enterprises: self.industry.ask(IndexCmd::Reindex).await?,
        })
    }

    /// Stores enterprises (a profile edit, an import). Records must be valid. Through the
    /// single writer, like every other write of a running node.
    pub async fn upsert_enterprises(&self, es: &[Enterprise]) -> AppResult<UpsertCounts> {
        let rows = Arc::new(es.iter().map(row_of).collect::<AppResult<Vec<_>>>()?);
        if rows.is_empty() {
            return Ok(UpsertCounts::default());
        }
        let now = self.now_ms();
        let counts = Arc::new(std::sync::Mutex::new(UpsertCounts::default()));
        let out = counts.clone();
        self.write(Box::new(move |conn| {
            let (rows, out) = (rows.clone(), out.clone());
            Box::pin(async move {
                let c = Store::upsert_enterprises_in(conn, &rows, now).await?;
                // A job may run twice (alone, if its batch failed): the last run is the answer.
                if let Ok(mut o) = out.lock() {
                    *o = c;
                }
                Ok(())
            })
        }))
        .await?;
        self.industry.wake.notify_one();
        let c = *counts
            .lock()
            .map_err(|_| AppError::new(ErrorCode::Internal, "lock"))?;
        Ok(c)
    }

    async fn scope(&self, p: &Principal) -> AppResult<Scope> {
        match p.role {
            Role::JointOffice | Role::Admin => Ok(Scope::All),
            Role::Applicant => match self
                .store
                .enterprise_of_user(&p.user_id.to_string())
                .await?
            {
                Some(u) => Ok(Scope::Own(u)),
                None => Err(AppError::forbidden(
                    "this account does not act for an enterprise",
                )),
            },
            _ => Err(AppError::forbidden(
                "needs are worked by head enterprises and the joint office",
            )),
        }
    }

    /// The enterprise this account acts for, if any.
    pub async fn my_enterprise(&self, p: &Principal) -> AppResult<Option<String>> {
        Ok(self
            .store
            .enterprise_of_user(&p.user_id.to_string())
            .await?)
    }

    pub async fn search_enterprises(
        &self,
        _p: &Principal,
        q: &EnterpriseQuery,
    ) -> AppResult<EnterpriseSearch> {
        let per_page = q.per_page.unwrap_or(20).clamp(1, 100);
        let page = q.page.unwrap_or(1).clamp(1, 10_000);
        let text = corridor_domain::text::field(
            "q",
            q.q.as_deref().unwrap_or_default(),
            corridor_domain::text::Limit::line(500).optional(),
        )
        .map_err(|e| AppError::fields(vec![e]))?
        .unwrap_or_default();
        let filters = q.filters();
        if let Some(i) = &filters.industry {
            let b = i.as_bytes();
            let ok =
                b.len() <= 5 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit);
            if !ok {
                return Err(field_err(
                    "industry",
                    "a GB/T 4754 class prefix: a section letter and up to four digits, e.g. C26",
                ));
            }
        }
        let ix = self.industry.index.clone();
        let offset = ((page - 1) * per_page) as usize;
        let r = tokio::task::spawn_blocking(move || {
            ix.search(&text, &filters, offset, per_page as usize)
        })
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(ix_err)?;
        Ok(EnterpriseSearch {
            total: r.total,
            page,
            per_page,
            hits: r
                .hits
                .into_iter()
                .map(|h| EnterpriseHit {
                    uscc: h.uscc,
                    name_zh: h.name_zh,
                    name_en: h.name_en,
                    score: h.score,
                    city: h.meta.city,
                    cluster: h.meta.cluster,
                    industry: h.meta.industry,
                    flags: h.meta.flags,
                    certifications: h.meta.certifications,
                    matched: h
                        .matched
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                })
                .collect(),
            facets: r.facets,
        })
    }

    pub async fn enterprise(&self, _p: &Principal, uscc: &str) -> AppResult<Enterprise> {
        let r = self
            .store
            .enterprise(uscc)
            .await?
            .ok_or_else(|| AppError::not_found(format!("enterprise {uscc}")))?;
        doc_of(&r)
    }

    /// Creates or replaces an enterprise profile. The office and the administrator edit any;
    /// an enterprise account edits only its own, and keeps the recognitions (flags) on record.
    pub async fn put_enterprise(
        &self,
        p: &Principal,
        uscc: &str,
        mut e: Enterprise,
    ) -> AppResult<Enterprise> {
        if e.uscc != uscc {
            return Err(field_err("uscc", "differs from the code in the address"));
        }
        match p.role {
            Role::JointOffice | Role::Admin => {}
            Role::Applicant if self.my_enterprise(p).await?.as_deref() == Some(uscc) => {
                let cur = self.enterprise(p, uscc).await?;
                e.flags = cur.flags;
            }
            _ => {
                return Err(AppError::forbidden(
                    "an enterprise edits only its own profile",
                ))
            }
        }
        let e = e.normalised().map_err(|x| field_err(x.field, x.reason))?;
        self.upsert_enterprises(std::slice::from_ref(&e)).await?;
        Ok(e)
    }

    async fn need_view(&self, n: &NeedRow) -> AppResult<NeedView> {
        let spec: NeedSpec = serde_json::from_str(&n.doc)
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("stored need: {e}")))?;
        let owner = self.store.enterprise(&n.owner_uscc).await?;
        Ok(NeedView {
            id: n.id.clone(),
            owner_uscc: n.owner_uscc.clone(),
            owner_name_zh: owner
                .as_ref()
                .map(|o| o.name_zh.clone())
                .unwrap_or_default(),
            owner_name_en: owner
                .as_ref()
                .map(|o| o.name_en.clone())
                .unwrap_or_default(),
            status: NeedStatus::parse(&n.status).unwrap_or(NeedStatus::Open),
            deadline: n.deadline.clone(),
            created: corridor_store::date_str(
                time::OffsetDateTime::from_unix_timestamp(n.created_ms / 1000)
                    .map(|t| t.date())
                    .unwrap_or(self.today()),
            ),
            spec,
        })
    }

    pub async fn create_need(&self, p: &Principal, n: NewNeed) -> AppResult<NeedView> {
        if let Some(k) = n.unknown.keys().next() {
            return Err(field_err(k, "unknown field"));
        }
        let owner = match (self.scope(p).await?, n.owner_uscc) {
            (Scope::All, Some(o)) => o,
            (Scope::All, None) => {
                return Err(field_err(
                    "owner_uscc",
                    "the head enterprise the need is for",
                ))
            }
            (Scope::Own(mine), Some(o)) if o != mine => {
                return Err(AppError::forbidden(
                    "an enterprise posts needs only for itself",
                ))
            }
            (Scope::Own(mine), _) => mine,
        };
        let o = self
            .store
            .enterprise(&owner)
            .await?
            .ok_or_else(|| field_err("owner_uscc", "no such enterprise in the registry"))?;
        if !o.head {
            return Err(AppError::forbidden("needs are posted for head enterprises"));
        }
        let spec = n
            .spec
            .normalised()
            .map_err(|x| field_err(x.field, x.reason))?;
        let deadline = match n.deadline.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => {
                let day = parse_day(d, "deadline")?;
                if day < self.today() {
                    return Err(field_err("deadline", "the deadline has passed"));
                }
                Some(corridor_store::date_str(day))
            }
            None => None,
        };
        let now = self.now_ms();
        let row = NeedRow {
            id: Uuid::now_v7().to_string(),
            owner_uscc: owner,
            kind: spec.kind.as_str().into(),
            status: NeedStatus::Open.as_str().into(),
            deadline,
            doc: serde_json::to_string(&spec).map_err(|e| AppError::bad(e.to_string()))?,
            created_ms: now,
            created_by: p.username.clone(),
            updated_ms: now,
        };
        let r = row.clone();
        self.write(Box::new(move |conn| {
            let r = r.clone();
            Box::pin(async move { Ok(Store::insert_need(conn, &r).await?) })
        }))
        .await?;
        self.need_view(&row).await
    }

    async fn need_row(&self, p: &Principal, id: &str) -> AppResult<NeedRow> {
        let scope = self.scope(p).await?;
        let n = self
            .store
            .need(id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("need {id}")))?;
        match scope {
            Scope::Own(u) if u != n.owner_uscc => Err(AppError::forbidden(
                "a head enterprise sees only its own needs",
            )),
            _ => Ok(n),
        }
    }

    pub async fn need(&self, p: &Principal, id: &str) -> AppResult<NeedView> {
        let n = self.need_row(p, id).await?;
        self.need_view(&n).await
    }

    pub async fn needs(
        &self,
        p: &Principal,
        page: i64,
        per_page: i64,
    ) -> AppResult<crate::cases::Page<NeedView>> {
        let per_page = per_page.clamp(1, 200);
        let page = page.clamp(1, 1_000_000);
        let owner = match self.scope(p).await? {
            Scope::All => None,
            Scope::Own(u) => Some(u),
        };
        let (rows, total) = self
            .store
            .needs(
                owner.as_deref(),
                per_page,
                (page - 1).saturating_mul(per_page),
            )
            .await?;
        let mut items = Vec::new();
        for r in &rows {
            items.push(self.need_view(r).await?);
        }
        Ok(crate::cases::Page {
            items,
            total,
            page,
            per_page,
            total_exact: true,
            next_after: None,
        })
    }

    pub async fn update_need(&self, p: &Principal, id: &str, u: NeedUpdate) -> AppResult<NeedView> {
        let mut n = self.need_row(p, id).await?;
        n.status = u.status.as_str().into();
        n.updated_ms = self.now_ms();
        let r = n.clone();
        self.write(Box::new(move |conn| {
            let r = r.clone();
            Box::pin(async move { Ok(Store::update_need(conn, &r).await?) })
        }))
        .await?;
        self.need_view(&n).await
    }

    fn members(&self) -> BTreeSet<String> {
        self.reference()
            .jurisdictions
            .iter()
            .filter(|j| j.member)
            .map(|j| j.code.to_string())
            .collect()
    }

    /// Ranks for a need; the need's owner is never its own candidate.
    async fn rank_spec(
        &self,
        spec: &NeedSpec,
        limit: usize,
        owner: &str,
    ) -> AppResult<Vec<matching::Ranked>> {
        self.rank_with(spec, limit, owner, true).await
    }

    /// Ranks with the matched terms (`explain`) or without them (a score is all that is
    /// needed).
    async fn rank_with(
        &self,
        spec: &NeedSpec,
        limit: usize,
        owner: &str,
        explain: bool,
    ) -> AppResult<Vec<matching::Ranked>> {
        let ix = self.industry.index.clone();
        let members = self.members();
        let generation = ix.generation();
        let key = format!(
            "{explain}|{limit}|{owner}|{}|{}",
            members.iter().cloned().collect::<Vec<_>>().join(","),
            serde_json::to_string(spec).unwrap_or_default()
        );
        let cached = self
            .industry
            .ranks
            .lock()
            .ok()
            .and_then(|mut c| c.get(generation, &key));
        if let Some(r) = cached {
            return Ok(r.as_ref().clone());
        }
        let spec = spec.clone();
        let w = self.industry.weights;
        let mut r = tokio::task::spawn_blocking(move || {
            if explain {
                matching::rank(&ix, &spec, &w, &members, limit + 1)
            } else {
                matching::rank_unexplained(&ix, &spec, &w, &members, limit + 1)
            }
        })
        .await
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
        .map_err(ix_err)?;
        r.retain(|x| x.uscc != owner);
        r.truncate(limit);
        if let Ok(mut c) = self.industry.ranks.lock() {
            c.put(generation, key, Arc::new(r.clone()));
        }
        Ok(r)
    }

    /// The need's best candidates, ranked and explained, with their pipeline stage.
    pub async fn rank_need(
        &self,
        p: &Principal,
        id: &str,
        limit: usize,
    ) -> AppResult<Vec<CandidateView>> {
        let n = self.need_row(p, id).await?;
        let v = self.need_view(&n).await?;
        let ranked = self
            .rank_spec(&v.spec, limit.clamp(1, 200), &n.owner_uscc)
            .await?;
        let stages: BTreeMap<String, String> = self
            .store
            .matches_of_need(id)
            .await?
            .into_iter()
            .map(|m| (m.uscc, m.stage))
            .collect();
        Ok(ranked
            .into_iter()
            .enumerate()
            .map(|(i, r)| CandidateView {
                rank: i + 1,
                stage: stages.get(&r.uscc).and_then(|s| Stage::parse(s)),
                uscc: r.uscc,
                name_zh: r.name_zh,
                name_en: r.name_en,
                score: r.score,
                city: r.meta.city,
                cluster: r.meta.cluster,
                industry: r.meta.industry,
                flags: r.meta.flags,
                certifications: r.meta.certifications,
                matched: r
                    .matched
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                signals: r
                    .signals
                    .into_iter()
                    .map(|s| SignalView {
                        name: s.name.into(),
                        value: s.value,
                        weight: s.weight,
                        contribution: s.contribution,
                    })
                    .collect(),
            })
            .collect())
    }

    /// Moves a candidate along the need's pipeline (entering it at any stage the first time).
    pub async fn move_match(&self, p: &Principal, id: &str, m: StageMove) -> AppResult<MatchView> {
        let n = self.need_row(p, id).await?;
        let on = match m.on.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => parse_day(d, "on")?,
            None => self.today(),
        };
        if on > self.today() {
            return Err(field_err("on", "a stage cannot be dated in the future"));
        }
        let note = corridor_domain::text::field(
            "note",
            m.note.as_deref().unwrap_or_default(),
            corridor_domain::text::Limit::paragraph(2000).optional(),
        )
        .map_err(|e| AppError::fields(vec![e]))?
        .unwrap_or_default();
        if m.uscc == n.owner_uscc {
            return Err(field_err(
                "uscc",
                "an enterprise is not a candidate for its own need",
            ));
        }
        let ent = self
            .store
            .enterprise_names(std::slice::from_ref(&m.uscc))
            .await?
            .pop()
            .ok_or_else(|| field_err("uscc", "no such enterprise in the registry"))?;
        let cur = self.store.match_of(id, &m.uscc).await?;
        let on_s = corridor_store::date_str(on);
        let mut row = match &cur {
            Some(c) => {
                let from = stage_of(&c.stage)?;
                if !from.can_move_to(m.stage) {
                    return Err(AppError::new(
                        ErrorCode::InvalidStage,
                        format!(
                            "a match cannot move from {} to {}",
                            from.as_str(),
                            m.stage.as_str()
                        ),
                    ));
                }
                let last = self.store.match_events(id, &m.uscc).await?;
                if last.last().is_some_and(|e| e.on_date > on_s) {
                    return Err(field_err("on", "earlier than the match's last stage"));
                }
                c.clone()
            }
            None => {
                let spec: NeedSpec = serde_json::from_str(&n.doc)
                    .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
                let score = self
                    .rank_with(
                        &spec,
                        self.industry.weights.candidates,
                        &n.owner_uscc,
                        false,
                    )
                    .await?
                    .into_iter()
                    .find(|r| r.uscc == m.uscc)
                    .map_or(0.0, |r| r.score);
                MatchRow {
                    need_id: id.into(),
                    uscc: m.uscc.clone(),
                    stage: Stage::Suggested.as_str().into(),
                    meetings: 0,
                    score_milli: (score * 1000.0).round() as i64,
                    suggested_on: on_s.clone(),
                    contacted_on: None,
                    qualified_on: None,
                    declined_on: None,
                    updated_ms: 0,
                }
            }
        };
        row.stage = m.stage.as_str().into();
        row.updated_ms = self.now_ms();
        if m.stage == Stage::Meeting {
            row.meetings += 1;
        }
        if m.stage >= Stage::Contacted && m.stage != Stage::Declined && row.contacted_on.is_none() {
            row.contacted_on = Some(on_s.clone());
        }
        match m.stage {
            Stage::Qualified => row.qualified_on = Some(on_s.clone()),
            Stage::Declined => row.declined_on = Some(on_s.clone()),
            _ => {}
        }
        let ev = MatchEventRow {
            uscc: m.uscc.clone(),
            seq: 0,
            stage: m.stage.as_str().into(),
            on_date: on_s,
            at_ms: row.updated_ms,
            actor: p.username.clone(),
            note,
        };
        // Through the single writer, like filings: the stage read above must still hold when
        // the move commits (else a conflict, and nothing changes).
        let expect = cur.as_ref().map(|c| c.stage.clone());
        let (r, e) = (row.clone(), ev.clone());
        self.write(Box::new(move |conn| {
            let (r, e, expect) = (r.clone(), e.clone(), expect.clone());
            Box::pin(async move { Ok(Store::put_match(conn, &r, expect.as_deref(), &e).await?) })
        }))
        .await?;
        self.match_view(row, Some(ent)).await
    }

    async fn match_view(&self, m: MatchRow, ent: Option<EnterpriseRow>) -> AppResult<MatchView> {
        let events = self.store.match_events(&m.need_id, &m.uscc).await?;
        match_view_of(m, ent, events)
    }

    /// The pipelines the signed-in enterprise is in as a candidate, from first contact on,
    /// most recently moved first (at most [`OPPORTUNITIES_MAX`]). Three queries.
    pub async fn opportunities(&self, p: &Principal) -> AppResult<Vec<Opportunity>> {
        let mine = match (p.role, self.my_enterprise(p).await?) {
            (Role::Applicant, Some(u)) => u,
            _ => {
                return Err(AppError::forbidden(
                    "opportunities are shown to the enterprise they concern",
                ))
            }
        };
        let rows = self
            .store
            .matches_of_candidate(&mine, OPPORTUNITIES_MAX)
            .await?;
        let owners: BTreeMap<String, EnterpriseRow> = self
            .store
            .enterprise_names(
                &rows
                    .iter()
                    .map(|(_, n)| n.owner_uscc.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>(),
            )
            .await?
            .into_iter()
            .map(|e| (e.uscc.clone(), e))
            .collect();
        rows.into_iter()
            .map(|(m, n)| {
                let spec: NeedSpec = serde_json::from_str(&n.doc)
                    .map_err(|e| AppError::new(ErrorCode::Internal, format!("stored need: {e}")))?;
                let owner = owners.get(&n.owner_uscc);
                Ok(Opportunity {
                    need_id: n.id,
                    title_zh: spec.title_zh,
                    title_en: spec.title_en,
                    kind: spec.kind,
                    owner_name_zh: owner.map(|o| o.name_zh.clone()).unwrap_or_default(),
                    owner_name_en: owner.map(|o| o.name_en.clone()).unwrap_or_default(),
                    owner_uscc: n.owner_uscc,
                    need_status: NeedStatus::parse(&n.status).unwrap_or(NeedStatus::Open),
                    deadline: n.deadline,
                    stage: stage_of(&m.stage)?,
                    meetings: m.meetings,
                    contacted_on: m.contacted_on,
                    qualified_on: m.qualified_on,
                    declined_on: m.declined_on,
                    updated: crate::cases::rfc3339(m.updated_ms),
                })
            })
            .collect()
    }

    /// The need's pipeline: every candidate in it, with its stage and dated history (three
    /// queries whatever the board's size).
    pub async fn pipeline(&self, p: &Principal, id: &str) -> AppResult<Vec<MatchView>> {
        self.need_row(p, id).await?;
        let ms = self.store.matches_of_need(id).await?;
        let ents: BTreeMap<String, EnterpriseRow> = self
            .store
            .enterprise_names(&ms.iter().map(|m| m.uscc.clone()).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|e| (e.uscc.clone(), e))
            .collect();
        let mut events: BTreeMap<String, Vec<MatchEventRow>> = BTreeMap::new();
        for e in self.store.events_of_need(id).await? {
            events.entry(e.uscc.clone()).or_default().push(e);
        }
        ms.into_iter()
            .map(|m| {
                let (e, ev) = (
                    ents.get(&m.uscc).cloned(),
                    events.remove(&m.uscc).unwrap_or_default(),
                );
                match_view_of(m, e, ev)
            })
            .collect()
    }

    /// Outcomes per need and per head enterprise: the office sees every head enterprise with
    /// needs, a head enterprise itself. Four queries whatever the number of needs and owners.
    pub async fn industry_stats(&self, p: &Principal) -> AppResult<IndustryStats> {
        let scope = self.scope(p).await?;
        let own = match &scope {
            Scope::Own(u) => Some(u.as_str()),
            Scope::All => None,
        };
        let (needs, _) = self.store.needs(own, i64::MAX, 0).await?;
        let owners: Vec<String> = match own {
            Some(u) => vec![u.to_string()],
            None => needs
                .iter()
                .map(|n| n.owner_uscc.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        let matches = self.store.matches_of_owner(own).await?;
        let mut of_need: BTreeMap<&str, Vec<&MatchRow>> = BTreeMap::new();
        for m in &matches {
            of_need.entry(m.need_id.as_str()).or_default().push(m);
        }
        let wanted: BTreeSet<String> = owners
            .iter()
            .cloned()
            .chain(matches.iter().map(|m| m.uscc.clone()))
            .collect();
        let names: BTreeMap<String, EnterpriseRow> = self
            .store
            .enterprise_names(&wanted.into_iter().collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|e| (e.uscc.clone(), e))
            .collect();
        let heads = owners
            .iter()
            .map(|o| {
                let mine: Vec<&NeedRow> = needs.iter().filter(|n| &n.owner_uscc == o).collect();
                head_stats(o, &mine, &of_need, &names)
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(IndustryStats { heads })
    }
}

/// One head enterprise's outcomes, from its needs and their matches.
fn head_stats(
    owner: &str,
    needs: &[&NeedRow],
    of_need: &BTreeMap<&str, Vec<&MatchRow>>,
    names: &BTreeMap<String, EnterpriseRow>,
) -> AppResult<HeadStats> {
    let ent = names.get(owner);
    let mut by_need = Vec::new();
    let mut all_days = Vec::new();
    let mut projects = 0;
    let mut reserve: BTreeMap<String, (Stage, i64)> = BTreeMap::new();
    for n in needs {
        let spec: NeedSpec = serde_json::from_str(&n.doc)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        let ms: &[&MatchRow] = of_need.get(n.id.as_str()).map_or(&[], |v| v.as_slice());
        let mut by_stage: BTreeMap<String, i64> = BTreeMap::new();
        let mut days = Vec::new();
        let mut meetings = 0;
        for m in ms {
            let st = stage_of(&m.stage)?;
            *by_stage.entry(m.stage.clone()).or_default() += 1;
            meetings += m.meetings;
            if let (Some(c), Some(q)) = (&m.contacted_on, &m.qualified_on) {
                let d =
                    (parse_day(q, "qualified_on")? - parse_day(c, "contacted_on")?).whole_days();
                days.push(d);
            }
            if st >= Stage::Contacted && st != Stage::Declined {
                let e = reserve.entry(m.uscc.clone()).or_insert((st, 0));
                e.0 = e.0.max(st);
                e.1 += 1;
            }
        }
        let qualified = by_stage.get("qualified").copied().unwrap_or(0);
        if spec.kind == NeedKind::BottleneckTechnology && qualified > 0 {
            projects += 1;
        }
        all_days.extend(days.iter().copied());
        by_need.push(NeedStats {
            need_id: n.id.clone(),
            title_zh: spec.title_zh.clone(),
            title_en: spec.title_en.clone(),
            kind: spec.kind,
            status: NeedStatus::parse(&n.status).unwrap_or(NeedStatus::Open),
            candidates: ms.len() as i64,
            by_stage,
            meetings,
            qualified,
            days_to_qualify: days,
        });
    }
    all_days.sort_unstable();
    let median = match all_days.len() {
        0 => None,
        k if k % 2 == 1 => Some(all_days[k / 2] as f64),
        k => Some((all_days[k / 2 - 1] + all_days[k / 2]) as f64 / 2.0),
    };
    Ok(HeadStats {
        uscc: owner.into(),
        name_zh: ent.map(|e| e.name_zh.clone()).unwrap_or_default(),
        name_en: ent.map(|e| e.name_en.clone()).unwrap_or_default(),
        needs: needs.len() as i64,
        open_needs: needs.iter().filter(|n| n.status == "open").count() as i64,
        candidates: by_need.iter().map(|n| n.candidates).sum(),
        meetings: by_need.iter().map(|n| n.meetings).sum(),
        qualified: by_need.iter().map(|n| n.qualified).sum(),
        projects_started: projects,
        median_days_to_qualify: median,
        reserve: reserve
            .into_iter()
            .map(|(u, (st, k))| {
                let e = names.get(&u);
                ReserveEntry {
                    name_zh: e.map(|e| e.name_zh.clone()).unwrap_or_default(),
                    name_en: e.map(|e| e.name_en.clone()).unwrap_or_default(),
                    city: e.map(|e| e.city.clone()).unwrap_or_default(),
                    uscc: u,
                    best_stage: st,
                    needs: k,
                }
            })
            .collect(),
        by_need,
    })
}

/// What the industry demo wrote.
#[derive(Debug, Clone, Default)]
pub struct IndustryDemo {
    pub enterprises: u64,
    pub needs: u64,
    pub accounts: Vec<(String, String)>,
}

/// The demo's enterprise accounts: (username, index into the head list or `None` for the
/// sealant SME, the first landmark).
const DEMO_ACCOUNTS: [(&str, Option<usize>); 4] = [
    ("head.aviation", Some(0)),
    ("head.computing", Some(1)),
    ("head.chips", Some(2)),
    ("sme.330400", None),
];

/// Seeds `n` generated enterprises, the demo head enterprises, their accounts and needs, and
/// some pipeline history (only into a registry that is empty).
pub async fn seed_demo(app: &App, n: usize, seed: u64) -> AppResult<IndustryDemo> {
    use corridor_industry::generate;
    let heads = generate::demo_heads();
    let landmark = generate::landmarks().remove(0);
    let mut out = IndustryDemo::default();
    if app.store.count_enterprises().await? == 0 && n > 0 {
        let all = generate::enterprises(n, seed);
        for chunk in all.chunks(5000) {
            app.upsert_enterprises(chunk).await?;
        }
        app.upsert_enterprises(&heads).await?;
        out.enterprises = (all.len() + heads.len()) as u64;
    }
    for (name, head) in DEMO_ACCOUNTS {
        let uscc = match head {
            Some(i) => heads[i].uscc.clone(),
            None => landmark.uscc.clone(),
        };
        let (zh, en) = match head {
            Some(i) => (heads[i].name_zh.clone(), heads[i].name_en.clone()),
            None => (landmark.name_zh.clone(), landmark.name_en.clone()),
        };
        if app.store.user_by_name(name).await?.is_none() {
            let u = app
                .create_user(&crate::auth::NewUser {
                    username: name.into(),
                    password: crate::demo::DEMO_PASSWORD.into(),
                    role: Role::Applicant,
                    display_name: format!("{zh} {en}"),
                    window_id: None,
                    authority_id: None,
                    city: Some(uscc[2..8].to_string()),
                    resident_id: Some(crate::demo::demo_resident_id(name)),
                })
                .await?;
            let mut tx = app.store.begin_write().await?;
            Store::link_enterprise_account(&mut tx, &u.id.to_string(), &uscc).await?;
            tx.commit().await?;
        }
        out.accounts.push((name.to_string(), uscc));
    }
    if app.store.needs(None, 1, 0).await?.1 > 0 || n == 0 {
        return Ok(out);
    }
    app.sync_search().await?;
    let office = Principal {
        user_id: Uuid::nil(),
        username: "office".into(),
        role: Role::JointOffice,
        city: None,
        window_id: None,
        authority_id: None,
        resident_id: None,
    };
    let today = app.today();
    let day = |back: i64| corridor_store::date_str(today - time::Duration::days(back));
    for (k, (i, spec)) in generate::demo_needs().into_iter().enumerate() {
        let v = app
            .create_need(
                &office,
                NewNeed {
                    owner_uscc: Some(heads[i].uscc.clone()),
                    deadline: Some(day(-60 - 10 * k as i64)),
                    spec,
                    unknown: BTreeMap::new(),
                },
            )
            .await?;
        out.needs += 1;
        // The top candidates are shortlisted; the first few have moved on, so the pipeline
        // board and the outcome statistics have something to show.
        let ranked = app.rank_need(&office, &v.id, 8).await?;
        for (j, c) in ranked.iter().enumerate() {
            let mv = |stage, back: i64| StageMove {
                uscc: c.uscc.clone(),
                stage,
                on: Some(day(back)),
                note: None,
            };
            let path: &[(Stage, i64)] = match (k % 3, j) {
                (0, 0) => &[
                    (Stage::Suggested, 150),
                    (Stage::Contacted, 140),
                    (Stage::Meeting, 120),
                    (Stage::Meeting, 95),
                    (Stage::Testing, 80),
                    (Stage::Qualified, 30),
                ],
                (_, 0) | (0, 1) => &[
                    (Stage::Suggested, 90),
                    (Stage::Contacted, 85),
                    (Stage::Meeting, 60),
                    (Stage::Testing, 40),
                ],
                (_, 1) | (_, 2) => &[(Stage::Suggested, 40), (Stage::Contacted, 30)],
                (_, 3) => &[(Stage::Suggested, 40), (Stage::Declined, 20)],
                _ => &[(Stage::Suggested, 10)],
            };
            for (stage, back) in path {
                app.move_match(&office, &v.id, mv(*stage, *back)).await?;
            }
        }
    }
    Ok(out)
}

fn match_view_of(
    m: MatchRow,
    ent: Option<EnterpriseRow>,
    events: Vec<MatchEventRow>,
) -> AppResult<MatchView> {
    let events = events
        .into_iter()
        .map(|e| {
            Ok(MatchEventView {
                stage: stage_of(&e.stage)?,
                on: e.on_date,
                actor: e.actor,
                note: e.note,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(MatchView {
        name_zh: ent.as_ref().map(|e| e.name_zh.clone()).unwrap_or_default(),
        name_en: ent.as_ref().map(|e| e.name_en.clone()).unwrap_or_default(),
        city: ent.as_ref().map(|e| e.city.clone()).unwrap_or_default(),
        stage: stage_of(&m.stage)?,
        uscc: m.uscc,
        meetings: m.meetings,
        score: m.score_milli as f32 / 1000.0,
        suggested_on: m.suggested_on,
        contacted_on: m.contacted_on,
        qualified_on: m.qualified_on,
        declined_on: m.declined_on,
        events,
    })
}
