//! Needs (supplier and bottleneck-technology) and their ranked candidates.

use super::*;

impl App {
    pub(crate) async fn need_view(&self, n: &NeedRow) -> AppResult<NeedView> {
        let spec: NeedSpec = serde_json::from_str(&n.doc).map_err(|e| {
            AppError::new(ErrorCode::Internal, format!("stored need: {e}"))
                .with_zh(format!("已存需求无法读取：{e}"))
        })?;
        let owner = self.store.enterprise(&n.owner_uscc).await?;
        let call = self.call_entry(&n.id).await?;
        Ok(NeedView {
            call,
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
            return Err(field_err(k, "unknown field", "不是需求的字段"));
        }
        let call = n
            .call_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from);
        let scope = self.scope(p).await?;
        let by_office = matches!(scope, Scope::All);
        let owner = match (scope, n.owner_uscc) {
            (Scope::All, Some(o)) => o,
            (Scope::All, None) => {
                return Err(field_err(
                    "owner_uscc",
                    "the enterprise the need is for",
                    "须指定需求所属的企业",
                ))
            }
            (Scope::Own(mine), Some(o)) if o != mine => {
                return Err(
                    AppError::forbidden("an enterprise posts needs only for itself")
                        .with_zh("企业只能为本企业发布需求"),
                )
            }
            (Scope::Own(mine), _) => mine,
        };
        let o = self.store.enterprise(&owner).await?.ok_or_else(|| {
            field_err(
                "owner_uscc",
                "no such enterprise in the registry",
                "企业库中没有该企业",
            )
        })?;
        if !o.head && call.is_none() {
            return Err(AppError::forbidden(
                "outside an open call, needs are posted for head enterprises",
            )
            .with_zh("征集之外，需求只能为链主企业发布"));
        }
        let spec = n.spec.normalised().map_err(|x| {
            field_err_of(FieldError {
                field: x.field.into(),
                reason: x.reason.to_string(),
                reason_zh: None,
            })
        })?;
        if let Some(c) = &call {
            self.check_call_need(c, &spec).await?;
        }
        let deadline = match n.deadline.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => {
                let day = parse_day(d, "deadline")?;
                if day < self.today() {
                    return Err(field_err(
                        "deadline",
                        "the deadline has passed",
                        "截止日期已过",
                    ));
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
        // A need posted into a call by an enterprise waits for the office's review; the
        // office's own is approved as it is posted.
        let entry = call.map(|c| corridor_store::CallNeedRow {
            need_id: row.id.clone(),
            call_id: c,
            review: if by_office {
                calls::Review::Approved
            } else {
                calls::Review::Pending
            }
            .as_str()
            .into(),
            note: String::new(),
            reviewed_by: by_office.then(|| p.username.clone()),
            reviewed_ms: by_office.then_some(now),
        });
        let (r, e) = (row.clone(), entry);
        self.write(Box::new(move |conn| {
            let (r, e) = (r.clone(), e.clone());
            Box::pin(async move {
                Store::insert_need(conn, &r).await?;
                if let Some(e) = e {
                    Store::insert_call_need(conn, &e).await?;
                }
                Ok(())
            })
        }))
        .await?;
        self.need_view(&row).await
    }

    pub(crate) async fn need_row(&self, p: &Principal, id: &str) -> AppResult<NeedRow> {
        let scope = self.scope(p).await?;
        let n = self.store.need(id).await?.ok_or_else(|| {
            AppError::not_found(format!("need {id}")).with_zh(format!("需求 {id}"))
        })?;
        match scope {
            Scope::Own(u) if u != n.owner_uscc => Err(AppError::forbidden(
                "a head enterprise sees only its own needs",
            )
            .with_zh("链主企业只能查看本企业的需求")),
            _ => Ok(n),
        }
    }

    /// A need: for its owner and the office; an approved need of a call, for every enterprise
    /// account the office has confirmed.
    pub async fn need(&self, p: &Principal, id: &str) -> AppResult<NeedView> {
        match self.need_row(p, id).await {
            Ok(n) => self.need_view(&n).await,
            Err(e) if e.code == ErrorCode::Forbidden => {
                let published = self
                    .store
                    .call_need(id)
                    .await?
                    .is_some_and(|c| c.review == calls::Review::Approved.as_str());
                match (published, self.store.need(id).await?) {
                    (true, Some(n)) => self.need_view(&n).await,
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    pub async fn needs(
        &self,
        p: &Principal,
        page: i64,
        per_page: i64,
    ) -> AppResult<crate::paging::Page<NeedView>> {
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
        Ok(crate::paging::Page::exact(items, total, page, per_page))
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

    pub(crate) fn members(&self) -> BTreeSet<String> {
        self.reference()
            .jurisdictions
            .iter()
            .filter(|j| j.member)
            .map(|j| j.code.to_string())
            .collect()
    }

    /// Ranks for a need; the need's owner is never its own candidate.
    pub(crate) async fn rank_spec(
        &self,
        spec: &NeedSpec,
        limit: usize,
        owner: &str,
    ) -> AppResult<Vec<matching::Ranked>> {
        self.rank_with(spec, limit, owner, true).await
    }

    /// Ranks with the matched terms (`explain`) or without them (a score is all that is
    /// needed).
    pub(crate) async fn rank_with(
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
        r.retain(|x| x.hit.uscc != owner);
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
        let proposals: BTreeMap<String, String> = self
            .store
            .proposals_of_need(id)
            .await?
            .into_iter()
            .map(|r| (r.uscc, r.id))
            .collect();
        let mut v = candidate_views(ranked, &stages);
        for c in &mut v {
            c.proposal = proposals.get(&c.hit.uscc).cloned();
        }
        Ok(v)
    }
}

/// Ranked firms as the faces show them, with their stage in a pipeline where they have one.
pub(crate) fn candidate_views(
    ranked: Vec<matching::Ranked>,
    stages: &BTreeMap<String, String>,
) -> Vec<CandidateView> {
    ranked
        .into_iter()
        .enumerate()
        .map(|(i, r)| CandidateView {
            rank: i + 1,
            stage: stages.get(&r.hit.uscc).and_then(|s| Stage::parse(s)),
            proposal: None,
            hit: r.hit.into(),
            signals: r.signals.into_iter().map(SignalView::from).collect(),
        })
        .collect()
}
