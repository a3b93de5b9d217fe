//! The search index and its outbox: the writer task that keeps the index in step with
//! the registry, rebuilding, and the rank cache.

use super::*;

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
    /// The glossary queries are widened with across languages; `None`: the built-in one.
    pub glossary: Option<Arc<corridor_industry::glossary::Glossary>>,
}

pub(crate) enum IndexCmd {
    Sync(oneshot::Sender<AppResult<u64>>),
    Reindex(oneshot::Sender<AppResult<u64>>),
}

pub struct Industry {
    pub index: Arc<EnterpriseIndex>,
    pub(crate) cmd: mpsc::Sender<IndexCmd>,
    pub(crate) wake: Arc<Notify>,
    pub weights: Weights,
    pub(crate) ranks: std::sync::Mutex<RankCache>,
    /// The open needs' index, for the firms' side of matching.
    pub(crate) open_needs: std::sync::Mutex<super::calls::OpenNeeds>,
}

/// Rankings already computed, valid for one generation of the index. A ranking reads and
/// scores hundreds of candidates (about 11 ms of CPU at 20,000 enterprises) and needs are
/// ranked far more often than the registry changes. Any change to the index (a new
/// generation) empties the cache.
#[derive(Default)]
pub(crate) struct RankCache {
    pub(crate) generation: u64,
    pub(crate) map: std::collections::HashMap<String, Arc<Vec<matching::Ranked>>>,
}

impl RankCache {
    /// At most this many rankings are kept; when full it starts over.
    const CAPACITY: usize = 64;

    pub(crate) fn get(&mut self, generation: u64, key: &str) -> Option<Arc<Vec<matching::Ranked>>> {
        if self.generation != generation {
            self.map.clear();
            self.generation = generation;
        }
        self.map.get(key).cloned()
    }

    pub(crate) fn put(&mut self, generation: u64, key: String, r: Arc<Vec<matching::Ranked>>) {
        if self.generation != generation {
            return;
        }
        if self.map.len() >= Self::CAPACITY {
            self.map.clear();
        }
        self.map.insert(key, r);
    }
}

pub(crate) fn ix_err(e: tantivy::TantivyError) -> AppError {
    tracing::error!(error = %e, "search index error");
    AppError::new(
        ErrorCode::Internal,
        "a search index error occurred; it has been logged",
    )
    .with_zh("检索索引出错，已记录日志")
}

impl Industry {
    /// Opens the index and starts its writer task.
    pub(crate) fn start(store: Store, opts: &IndustryOptions) -> AppResult<Industry> {
        let index = match &opts.index {
            IndexMode::Dir(d) => EnterpriseIndex::open(d),
            IndexMode::InMemory | IndexMode::Off => EnterpriseIndex::in_memory(),
        }
        .map_err(ix_err)?;
        if let Some(g) = &opts.glossary {
            index.set_glossary(g.clone());
        }
        let index = Arc::new(index);
        let (tx, rx) = mpsc::channel(16);
        let wake = Arc::new(Notify::new());
        if !matches!(opts.index, IndexMode::Off) {
            let writer = index.writer().map_err(|e| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("the search index is in use by another process: {e}"),
                )
                .with_zh(format!("检索索引正被其他进程使用：{e}"))
            })?;
            tokio::spawn(index_writer(store, index.clone(), writer, rx, wake.clone()));
        }
        Ok(Industry {
            index,
            cmd: tx,
            wake,
            weights: opts.weights,
            ranks: Default::default(),
            open_needs: Default::default(),
        })
    }

    async fn ask(&self, make: fn(oneshot::Sender<AppResult<u64>>) -> IndexCmd) -> AppResult<u64> {
        let (tx, rx) = oneshot::channel();
        self.cmd.send(make(tx)).await.map_err(|_| {
            AppError::new(ErrorCode::Internal, "the index writer has stopped")
                .with_zh("索引写入任务已停止")
        })?;
        rx.await.map_err(|_| {
            AppError::new(ErrorCode::Internal, "the index writer has stopped")
                .with_zh("索引写入任务已停止")
        })?
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
    let mut pages = store.enterprise_pages(5000);
    let mut n = 0u64;
    while let Some(rows) = pages.next().await? {
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
pub(crate) async fn with_writer<F>(
    index: &Arc<EnterpriseIndex>,
    writer: &mut Option<tantivy::IndexWriter>,
    f: F,
) -> AppResult<()>
where
    F: FnOnce(&EnterpriseIndex, &mut tantivy::IndexWriter) -> tantivy::Result<()> + Send + 'static,
{
    let mut w = writer.take().ok_or_else(|| {
        AppError::new(ErrorCode::Internal, "the index writer was lost")
            .with_zh("索引写入任务已丢失")
    })?;
    let ix = index.clone();
    let (w, r) = tokio::task::spawn_blocking(move || {
        let r = f(&ix, &mut w);
        (w, r)
    })
    .await
    .map_err(|e| {
        AppError::new(ErrorCode::Internal, format!("index task: {e}"))
            .with_zh(format!("索引任务：{e}"))
    })?;
    *writer = Some(w);
    r.map_err(ix_err)
}

pub(crate) fn doc_of(r: &EnterpriseRow) -> AppResult<Enterprise> {
    serde_json::from_str(&r.doc).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("stored enterprise {} is unreadable: {e}", r.uscc),
        )
        .with_zh(format!("已存企业 {} 无法读取：{e}", r.uscc))
    })
}

pub(crate) async fn index_writer(
    store: Store,
    index: Arc<EnterpriseIndex>,
    writer: tantivy::IndexWriter,
    mut rx: mpsc::Receiver<IndexCmd>,
    wake: Arc<Notify>,
) {
    let mut writer = Some(writer);
    // An index that does not hold what the table holds (first start, an in-memory index, an
    // import into the database while no server ran), or that was built with another glossary,
    // is rebuilt.
    match store.count_enterprises().await {
        Ok(n) if n as u64 != index.len() || !index.glossary_current() => {
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
                )
                .with_zh("索引写入任务已丢失")));
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
            return Err(
                AppError::forbidden("only an administrator rebuilds the index")
                    .with_zh("只有系统管理员可以重建索引"),
            );
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
            .map_err(|_| AppError::new(ErrorCode::Internal, "lock").with_zh("内部锁异常"))?;
        Ok(c)
    }
}
