//! Open calls for technical needs (揭榜挂帅 / 技术需求征集): the joint office opens a call with its
//! scope (clusters, kinds of need) and dates; any confirmed enterprise posts needs into it while
//! it is open, and the office reviews each before it is open to every enterprise and institute.
//! An open need is shown to each firm where it fits it, ranked by the matcher the other way
//! round (the firm's capabilities against the open needs) with the same signals and
//! explanation as a need's candidates.

use super::*;
use corridor_industry::search::needs::NeedIndex;
use corridor_store::{CallNeedRow, CallRow};

/// At most this many calls are listed.
pub const CALLS_MAX: i64 = 500;

/// A call to open.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCall {
    #[schema(max_length = 200)]
    pub title_zh: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title_en: String,
    /// What the call is after, in Chinese.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub scope_zh: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub scope_en: String,
    /// The clusters needs may be in (at least one).
    pub clusters: Vec<corridor_industry::Cluster>,
    /// The kinds of need taken (at least one).
    pub kinds: Vec<NeedKind>,
    /// The first day needs are taken (YYYY-MM-DD).
    pub opens: String,
    /// The last day needs are taken (YYYY-MM-DD).
    pub closes: String,
}

corridor_domain::codes! {
    /// The joint office's review of a need posted into a call.
    #[derive(utoipa::ToSchema)]
    pub enum Review {
        /// Waiting for the office; seen only by its owner and the office.
        Pending = ("待审核", "Awaiting review"),
        /// Open to every enterprise and institute.
        Approved = ("已发布", "Published"),
        /// Not taken; the note says why.
        Refused = ("未通过", "Refused"),
    }
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CallCounts {
    pub pending: i64,
    pub approved: i64,
    pub refused: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallView {
    pub id: String,
    pub title_zh: String,
    pub title_en: String,
    pub scope_zh: String,
    pub scope_en: String,
    pub clusters: Vec<corridor_industry::Cluster>,
    pub kinds: Vec<NeedKind>,
    pub opens: String,
    pub closes: String,
    /// Whether needs are taken today.
    pub open: bool,
    /// Its needs by review (an enterprise sees the approved count only; the rest are zero).
    pub needs: CallCounts,
}

/// A need's place in a call.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallEntry {
    pub call_id: String,
    pub review: Review,
    /// Why it was refused (or a note on approval).
    pub note: String,
}

/// The office's review of a need.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    /// `approved` or `refused`.
    pub review: Review,
    /// Required when refusing: the owner is shown it.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

/// An open need as it fits one firm: the need, its score for the firm (the same signals as a
/// need's candidates, added up), each signal, and the firm's words found in the need.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NeedFit {
    pub rank: usize,
    pub need: NeedView,
    pub score: f32,
    pub signals: Vec<SignalView>,
    /// The firm's words found in the need, by the need's field.
    pub matched: BTreeMap<String, Vec<String>>,
    /// The firm's proposal for it, if it has answered.
    pub proposal: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FitQuery {
    /// The firm to rank for: an enterprise account's own (the default); the office names one.
    pub uscc: Option<String>,
    /// Only the needs of this call.
    pub call: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

/// The open needs' index, for the rows it was built from.
#[derive(Default)]
pub(crate) struct OpenNeeds {
    key: u64,
    index: Option<Arc<NeedIndex>>,
}

fn office(p: &Principal) -> bool {
    matches!(p.role, Role::JointOffice | Role::Admin)
}

fn office_only(p: &Principal) -> AppResult<()> {
    if office(p) {
        Ok(())
    } else {
        Err(
            AppError::forbidden("calls are opened and reviewed by the joint office")
                .with_zh("征集由联席办发布和审核"),
        )
    }
}

fn call_not_found(id: &str) -> AppError {
    AppError::not_found(format!("call {id}")).with_zh(format!("未找到征集 {id}"))
}

fn json_list<T: serde::de::DeserializeOwned>(s: &str) -> AppResult<Vec<T>> {
    serde_json::from_str(s).map_err(AppError::internal)
}

impl App {
    /// Opens a call (the joint office).
    pub async fn create_call(&self, p: &Principal, n: &NewCall) -> AppResult<CallView> {
        office_only(p)?;
        let mut errs = Vec::new();
        let mut text = |f: &str, s: &str, limit: corridor_domain::text::Limit| {
            match corridor_domain::text::field(f, s, limit) {
                Ok(v) => v.unwrap_or_default(),
                Err(e) => {
                    errs.push(e);
                    String::new()
                }
            }
        };
        use corridor_domain::text::Limit;
        let title_zh = text("title_zh", &n.title_zh, Limit::line(200));
        let title_en = text("title_en", &n.title_en, Limit::line(200).optional());
        let scope_zh = text("scope_zh", &n.scope_zh, Limit::paragraph(5000).optional());
        let scope_en = text("scope_en", &n.scope_en, Limit::paragraph(5000).optional());
        if n.clusters.is_empty() || n.clusters.len() > 20 {
            errs.push(FieldError::new(
                "clusters",
                "one to twenty clusters",
                "须选择一至二十个产业集群",
            ));
        }
        if n.kinds.is_empty() {
            errs.push(FieldError::new(
                "kinds",
                "at least one kind of need",
                "须至少选择一种需求类型",
            ));
        }
        let day = |f: &str, s: &str, errs: &mut Vec<FieldError>| match parse_day(s, f) {
            Ok(d) => Some(d),
            Err(e) => {
                errs.extend(e.fields);
                None
            }
        };
        let opens = day("opens", &n.opens, &mut errs);
        let closes = day("closes", &n.closes, &mut errs);
        if let (Some(o), Some(c)) = (opens, closes) {
            if c < o {
                errs.push(FieldError::new(
                    "closes",
                    "the call closes before it opens",
                    "截止日期早于开始日期",
                ));
            } else if c < self.today() {
                errs.push(FieldError::new(
                    "closes",
                    "the closing day has passed",
                    "截止日期已过",
                ));
            }
        }
        if !errs.is_empty() {
            return Err(AppError::fields(errs));
        }
        let mut clusters = n.clusters.clone();
        clusters.sort();
        clusters.dedup();
        let mut kinds = n.kinds.clone();
        kinds.dedup();
        let row = CallRow {
            id: Uuid::now_v7().to_string(),
            title_zh,
            title_en,
            scope_zh,
            scope_en,
            clusters: serde_json::to_string(&clusters).map_err(AppError::internal)?,
            kinds: serde_json::to_string(&kinds).map_err(AppError::internal)?,
            opens: corridor_store::date_str(opens.unwrap_or(self.today())),
            closes: corridor_store::date_str(closes.unwrap_or(self.today())),
            created_by: p.username.clone(),
            created_ms: self.now_ms(),
        };
        let r = row.clone();
        self.write(Box::new(move |tx| {
            let r = r.clone();
            Box::pin(async move { Ok(Store::insert_call(tx, &r).await?) })
        }))
        .await?;
        self.call_view(p, &row, &[]).await
    }

    async fn call_view(
        &self,
        p: &Principal,
        r: &CallRow,
        counts: &[(String, String, i64)],
    ) -> AppResult<CallView> {
        let today = corridor_store::date_str(self.today());
        let mut c = CallCounts::default();
        for (_, review, n) in counts.iter().filter(|(id, ..)| *id == r.id) {
            match Review::parse(review) {
                Some(Review::Approved) => c.approved = *n,
                Some(Review::Pending) if office(p) => c.pending = *n,
                Some(Review::Refused) if office(p) => c.refused = *n,
                _ => {}
            }
        }
        Ok(CallView {
            id: r.id.clone(),
            title_zh: r.title_zh.clone(),
            title_en: r.title_en.clone(),
            scope_zh: r.scope_zh.clone(),
            scope_en: r.scope_en.clone(),
            clusters: json_list(&r.clusters)?,
            kinds: json_list(&r.kinds)?,
            open: r.opens <= today && today <= r.closes,
            opens: r.opens.clone(),
            closes: r.closes.clone(),
            needs: c,
        })
    }

    /// Who may read calls and open needs: the office, and enterprise accounts the office has
    /// confirmed.
    async fn call_reader(&self, p: &Principal) -> AppResult<Scope> {
        self.scope(p).await
    }

    /// The calls, newest first, with their needs counted.
    pub async fn calls(&self, p: &Principal) -> AppResult<Vec<CallView>> {
        self.call_reader(p).await?;
        let counts = self.store.call_need_counts().await?;
        let mut out = Vec::new();
        for r in self.store.calls(CALLS_MAX).await? {
            out.push(self.call_view(p, &r, &counts).await?);
        }
        Ok(out)
    }

    pub(crate) async fn call_row(&self, id: &str) -> AppResult<CallRow> {
        self.store.call(id).await?.ok_or_else(|| call_not_found(id))
    }

    pub async fn call(&self, p: &Principal, id: &str) -> AppResult<CallView> {
        self.call_reader(p).await?;
        let r = self.call_row(id).await?;
        let counts = self.store.call_need_counts().await?;
        self.call_view(p, &r, &counts).await
    }

    /// A call's needs: the office sees every one with its review; an enterprise, the approved
    /// ones and its own.
    pub async fn call_needs(&self, p: &Principal, id: &str) -> AppResult<Vec<NeedView>> {
        let scope = self.call_reader(p).await?;
        self.call_row(id).await?;
        let mut out = Vec::new();
        for (c, n) in self.store.needs_of_call(id, None).await? {
            let visible = match &scope {
                Scope::All => true,
                Scope::Own(u) => c.review == Review::Approved.as_str() || *u == n.owner_uscc,
            };
            if visible {
                out.push(self.need_view(&n).await?);
            }
        }
        Ok(out)
    }

    /// Checks a need for the call it is posted into: the call is taking needs today, and the
    /// need's kind and clusters are within the call's scope.
    pub(crate) async fn check_call_need(&self, call: &str, spec: &NeedSpec) -> AppResult<()> {
        let c = self
            .store
            .call(call)
            .await?
            .ok_or_else(|| field_err("call_id", "no such call", "没有此征集"))?;
        let today = corridor_store::date_str(self.today());
        if !(c.opens <= today && today <= c.closes) {
            return Err(field_err(
                "call_id",
                "the call is not taking needs today",
                "该征集当前不在受理期内",
            ));
        }
        let kinds: Vec<NeedKind> = json_list(&c.kinds)?;
        if !kinds.contains(&spec.kind) {
            return Err(field_err(
                "kind",
                "the call does not take this kind of need",
                "该征集不受理此类需求",
            ));
        }
        let clusters: Vec<corridor_industry::Cluster> = json_list(&c.clusters)?;
        if spec.clusters.is_empty() || !spec.clusters.iter().all(|x| clusters.contains(x)) {
            return Err(field_err(
                "clusters",
                "choose clusters within the call's scope",
                "须选择征集范围内的产业集群",
            ));
        }
        Ok(())
    }

    /// The office approves a need posted into a call (it is then open to every enterprise) or
    /// refuses it with a note its owner sees.
    pub async fn review_need(
        &self,
        p: &Principal,
        id: &str,
        d: &ReviewDecision,
    ) -> AppResult<NeedView> {
        office_only(p)?;
        let n = self.need_row(p, id).await?;
        let mut c = self.store.call_need(id).await?.ok_or_else(|| {
            AppError::new(ErrorCode::InvalidTransition, "the need is not in a call")
                .with_zh("该需求不属于任何征集")
        })?;
        let note = corridor_domain::text::field(
            "note",
            &d.note,
            corridor_domain::text::Limit::paragraph(2000).optional(),
        )
        .map_err(|e| AppError::fields(vec![e]))?
        .unwrap_or_default();
        match d.review {
            Review::Pending => {
                return Err(field_err(
                    "review",
                    "approved or refused",
                    "须为通过或不通过",
                ))
            }
            Review::Refused if note.is_empty() => {
                return Err(field_err(
                    "note",
                    "say why the need is refused",
                    "不通过时须说明理由",
                ))
            }
            _ => {}
        }
        if c.review != Review::Pending.as_str() {
            return Err(AppError::new(
                ErrorCode::InvalidTransition,
                "the need has been reviewed already",
            )
            .with_zh("该需求已审核"));
        }
        c.review = d.review.as_str().into();
        c.note = note;
        c.reviewed_by = Some(p.username.clone());
        c.reviewed_ms = Some(self.now_ms());
        let r = c.clone();
        self.write(Box::new(move |tx| {
            let r = r.clone();
            Box::pin(async move {
                // Still pending when the decision commits, else a conflict and nothing changes.
                let now = Store::call_need_in(tx, &r.need_id).await?.map(|c| c.review);
                if now.as_deref() != Some(Review::Pending.as_str()) {
                    return Err(AppError::new(
                        ErrorCode::InvalidTransition,
                        "the need has been reviewed already",
                    )
                    .with_zh("该需求已审核"));
                }
                Store::put_call_need(tx, &r).await?;
                Ok(())
            })
        }))
        .await?;
        self.need_view(&n).await
    }

    /// The open needs (approved, in any call or one, still open and not past their deadline)
    /// that fit a firm best, ranked the other way round and explained.
    pub async fn needs_for_firm(&self, p: &Principal, q: &FitQuery) -> AppResult<Vec<NeedFit>> {
        let uscc = match (
            self.scope(p).await?,
            q.uscc.as_deref().filter(|s| !s.is_empty()),
        ) {
            (Scope::All, Some(u)) => u.to_string(),
            (Scope::All, None) => {
                return Err(field_err(
                    "uscc",
                    "the firm to rank open needs for",
                    "须指定企业",
                ))
            }
            (Scope::Own(mine), Some(u)) if u != mine => {
                return Err(AppError::forbidden(
                    "an enterprise sees the open needs that fit itself",
                )
                .with_zh("企业只能查看适合本企业的需求"))
            }
            (Scope::Own(mine), _) => mine,
        };
        let firm = self.enterprise_record(&uscc).await?;
        let limit = q.limit.unwrap_or(50).clamp(1, 200);
        let (index, rows) = self.open_needs_index().await?;
        let w = self.industry.weights;
        let members = self.members();
        let ranked =
            tokio::task::spawn_blocking(move || index.rank_needs(&firm, &w, &members, usize::MAX))
                .await
                .map_err(AppError::internal)?
                .map_err(ix_err)?;
        let proposals: BTreeMap<String, String> = self
            .store
            .proposals_of_firm(&uscc, 10_000)
            .await?
            .into_iter()
            .map(|r| (r.need_id, r.id))
            .collect();
        let mut out = Vec::new();
        for r in ranked {
            let Some((c, n)) = rows.get(&r.id) else {
                continue;
            };
            if n.owner_uscc == uscc || q.call.as_deref().is_some_and(|x| x != c.call_id) {
                continue;
            }
            out.push(NeedFit {
                rank: out.len() + 1,
                need: self.need_view(n).await?,
                score: r.score,
                signals: r.signals.into_iter().map(SignalView::from).collect(),
                matched: r
                    .matched
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
                proposal: proposals.get(&r.id).cloned(),
            });
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// A firm of the registry as a record.
    pub(crate) async fn enterprise_record(&self, uscc: &str) -> AppResult<Enterprise> {
        let e = self.store.enterprise(uscc).await?.ok_or_else(|| {
            field_err(
                "uscc",
                "no such enterprise in the registry",
                "企业库中没有该企业",
            )
        })?;
        serde_json::from_str(&e.doc).map_err(AppError::internal)
    }

    /// The index of the open needs, built again only when they have changed (or a deadline
    /// has passed), with their rows by id.
    async fn open_needs_index(
        &self,
    ) -> AppResult<(Arc<NeedIndex>, BTreeMap<String, (CallNeedRow, NeedRow)>)> {
        use std::hash::{Hash, Hasher};
        let today = corridor_store::date_str(self.today());
        let rows: BTreeMap<String, (CallNeedRow, NeedRow)> = self
            .store
            .open_call_needs()
            .await?
            .into_iter()
            .filter(|(_, n)| n.deadline.as_ref().is_none_or(|d| *d >= today))
            .map(|(c, n)| (n.id.clone(), (c, n)))
            .collect();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for (id, (_, n)) in &rows {
            (id, n.updated_ms).hash(&mut h);
        }
        let key = h.finish();
        if let Ok(c) = self.industry.open_needs.lock() {
            if let Some(ix) = c.index.as_ref().filter(|_| c.key == key) {
                return Ok((ix.clone(), rows));
            }
        }
        let specs = rows
            .iter()
            .map(|(id, (_, n))| {
                Ok((
                    id.clone(),
                    serde_json::from_str::<NeedSpec>(&n.doc).map_err(AppError::internal)?,
                ))
            })
            .collect::<AppResult<Vec<_>>>()?;
        let glossary = self.industry.index.glossary();
        let ix = tokio::task::spawn_blocking(move || NeedIndex::build(&specs, glossary))
            .await
            .map_err(AppError::internal)?
            .map_err(ix_err)?;
        let ix = Arc::new(ix);
        if let Ok(mut c) = self.industry.open_needs.lock() {
            c.key = key;
            c.index = Some(ix.clone());
        }
        Ok((ix, rows))
    }

    /// A need's place in a call, if it was posted into one.
    pub(crate) async fn call_entry(&self, need: &str) -> AppResult<Option<CallEntry>> {
        Ok(self.store.call_need(need).await?.map(|c| CallEntry {
            call_id: c.call_id,
            review: Review::parse(&c.review).unwrap_or(Review::Pending),
            note: c.note,
        }))
    }
}
