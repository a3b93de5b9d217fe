//! Listings: an enterprise lists its own achievements (the joint office for any owner in the
//! registry); the office reviews them; the approved ones are public and searchable; the matcher
//! suggests buyers.

use super::*;

impl App {
    /// Lists an achievement; it waits for the joint office's review.
    pub async fn create_listing(&self, p: &Principal, n: &NewListing) -> AppResult<ListingView> {
        let own = self.acting_enterprise(p).await?;
        let owner = match (&own, &n.owner_uscc) {
            (Some(u), None) => u.clone(),
            (Some(u), Some(o)) if o.trim() == u => u.clone(),
            (Some(_), Some(_)) => {
                return Err(
                    AppError::forbidden("an enterprise lists only its own achievements")
                        .with_zh("企业只能挂牌本企业的成果"),
                )
            }
            (None, Some(o)) => o.trim().to_string(),
            (None, None) => {
                return Err(field_error("owner_uscc", "name the owner", "请填写权利人"))
            }
        };
        let mut errs = Vec::new();
        if self.store.enterprise(&owner).await?.is_none() {
            errs.push(FieldError::new(
                "owner_uscc",
                "no enterprise, university or institute with this code is in the registry",
                "企业库中没有此代码的企业、高校或院所",
            ));
        }
        let doc = ListingDoc {
            title_zh: clean(&mut errs, "title_zh", &n.title_zh, Limit::line(200)),
            title_en: clean(&mut errs, "title_en", &n.title_en, Limit::line(200)),
            description_zh: clean(
                &mut errs,
                "description_zh",
                &n.description_zh,
                Limit::paragraph(5000),
            ),
            description_en: clean(
                &mut errs,
                "description_en",
                &n.description_en,
                Limit::paragraph(5000),
            ),
            field: clean(&mut errs, "field", &n.field, Limit::line(100)),
            cluster: n.cluster,
            patents: {
                if n.patents.len() > MAX_PATENTS {
                    errs.push(FieldError::new(
                        "patents",
                        "at most 20 numbers",
                        "最多 20 个号码",
                    ));
                }
                n.patents
                    .iter()
                    .take(MAX_PATENTS)
                    .map(|x| clean(&mut errs, "patents", x, Limit::line(40)))
                    .filter(|x| !x.is_empty())
                    .collect()
            },
            rights: n.rights,
            review_note: None,
        };
        if !errs.is_empty() {
            return Err(AppError::fields(errs));
        }
        let now = self.now_ms();
        let row = ListingRow {
            id: Uuid::now_v7().to_string(),
            owner_uscc: owner,
            status: ListingStatus::Submitted.as_str().into(),
            doc: serde_json::to_string(&doc).map_err(AppError::internal)?,
            created_by: p.username.clone(),
            created_ms: now,
            updated_ms: now,
        };
        let r = row.clone();
        let actor = p.username.clone();
        self.write(Box::new(move |tx| {
            let r = r.clone();
            let actor = actor.clone();
            Box::pin(async move {
                Store::insert_listing(tx, &r).await?;
                listing_event(tx, &r, &actor, "listed").await
            })
        }))
        .await?;
        if let Ok(mut g) = self.listing_index.lock() {
            *g = None;
        }
        self.listing_view(&row).await
    }

    /// Listings matching `q` (Chinese or English; titles, field, descriptions, patent
    /// numbers), of one cluster when given, best first: those the caller may see.
    pub async fn search_listings(
        &self,
        p: Option<&Principal>,
        q: &str,
        cluster: Option<Cluster>,
    ) -> AppResult<Vec<ListingView>> {
        use corridor_industry::search::listings::{ListingIndex, ListingText};
        if q.chars().count() > 200 {
            return Err(field_error(
                "q",
                "at most 200 characters",
                "最多 200 个字符",
            ));
        }
        let held = self.listing_index.lock().ok().and_then(|g| g.clone());
        let ix = match held {
            Some(ix) => ix,
            None => {
                let rows = self.store.listings(None, None, 100_000).await?;
                let mut texts = Vec::with_capacity(rows.len());
                for r in &rows {
                    let d: ListingDoc = serde_json::from_str(&r.doc).map_err(AppError::internal)?;
                    texts.push(ListingText {
                        id: r.id.clone(),
                        title_zh: d.title_zh,
                        title_en: d.title_en,
                        description_zh: d.description_zh,
                        description_en: d.description_en,
                        field: d.field,
                        cluster: d.cluster.as_str().into(),
                        patents: d.patents,
                    });
                }
                let ix = Arc::new(ListingIndex::build(&texts).map_err(AppError::internal)?);
                if let Ok(mut g) = self.listing_index.lock() {
                    *g = Some(ix.clone());
                }
                ix
            }
        };
        let mut out = Vec::new();
        for id in ix.search(q.trim(), cluster.map(|c| c.as_str()), PAGE as usize) {
            if let Some(row) = self.store.listing(&id).await? {
                if self.may_see_listing(p, &row).await? {
                    out.push(self.listing_view(&row).await?);
                }
            }
        }
        Ok(out)
    }

    pub(crate) async fn listing_row(&self, id: &str) -> AppResult<ListingRow> {
        self.store
            .listing(id)
            .await?
            .ok_or_else(|| not_found("listing", id))
    }

    /// A listing: public once approved; before, to its owner and the office.
    pub async fn listing(&self, p: Option<&Principal>, id: &str) -> AppResult<ListingView> {
        let row = self.listing_row(id).await?;
        if !self.may_see_listing(p, &row).await? {
            return Err(not_found("listing", id));
        }
        self.listing_view(&row).await
    }

    pub(super) async fn may_see_listing(
        &self,
        p: Option<&Principal>,
        row: &ListingRow,
    ) -> AppResult<bool> {
        if matches!(row.status.as_str(), "approved" | "sold") {
            return Ok(true);
        }
        Ok(match p {
            Some(p) if office(p) => true,
            Some(p) if p.role == Role::Applicant => {
                self.my_enterprise(p).await?.as_deref() == Some(row.owner_uscc.as_str())
            }
            _ => false,
        })
    }

    /// Listings: the office sees all (of a status); an enterprise its own; others the approved.
    pub async fn listings(
        &self,
        p: Option<&Principal>,
        status: Option<ListingStatus>,
    ) -> AppResult<Vec<ListingView>> {
        let mine = match p {
            Some(p) if p.role == Role::Applicant => self.my_enterprise(p).await?,
            _ => None,
        };
        let rows = match (p, &mine) {
            (Some(p), _) if office(p) => {
                self.store
                    .listings(status.map(|s| s.as_str()), None, PAGE)
                    .await?
            }
            (_, Some(u)) if status.is_none() => self.store.listings(None, Some(u), PAGE).await?,
            _ => {
                let s = match status {
                    Some(ListingStatus::Sold) => "sold",
                    _ => "approved",
                };
                self.store.listings(Some(s), None, PAGE).await?
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.listing_view(r).await?);
        }
        Ok(out)
    }

    /// The joint office approves or rejects a submitted listing.
    pub async fn review_listing(
        &self,
        p: &Principal,
        id: &str,
        r: &ListingReview,
    ) -> AppResult<ListingView> {
        office_only(p)?;
        let mut row = self.listing_row(id).await?;
        if row.status != ListingStatus::Submitted.as_str() {
            return Err(AppError::new(
                ErrorCode::InvalidTransition,
                "only a submitted listing is reviewed",
            )
            .with_zh("只能审核待审核的挂牌"));
        }
        let mut errs = Vec::new();
        let note = clean(
            &mut errs,
            "note",
            r.note.as_deref().unwrap_or(""),
            Limit::paragraph(1000).optional(),
        );
        if !r.approve && note.is_empty() {
            errs.push(FieldError::new(
                "note",
                "say why it is rejected",
                "请说明不予通过的理由",
            ));
        }
        if !errs.is_empty() {
            return Err(AppError::fields(errs));
        }
        let mut doc: ListingDoc = serde_json::from_str(&row.doc).map_err(AppError::internal)?;
        doc.review_note = (!note.is_empty()).then_some(note);
        row.doc = serde_json::to_string(&doc).map_err(AppError::internal)?;
        row.status = if r.approve {
            ListingStatus::Approved
        } else {
            ListingStatus::Rejected
        }
        .as_str()
        .into();
        row.updated_ms = self.now_ms();
        let w = row.clone();
        let actor = p.username.clone();
        self.write(Box::new(move |tx| {
            let w = w.clone();
            let actor = actor.clone();
            Box::pin(async move {
                if !Store::put_listing(tx, &w).await? {
                    return Err(not_found("listing", &w.id));
                }
                let action = if w.status == "approved" {
                    "approved"
                } else {
                    "rejected"
                };
                listing_event(tx, &w, &actor, action).await
            })
        }))
        .await?;
        self.listing_view(&row).await
    }

    /// Firms likely to buy a listing (the joint office, to invite them): the registry ranked
    /// by the matcher for the listing's texts and cluster, its owner left out.
    pub async fn suggest_buyers(
        &self,
        p: &Principal,
        id: &str,
        limit: usize,
    ) -> AppResult<Vec<crate::industry::CandidateView>> {
        office_only(p)?;
        let row = self.listing_row(id).await?;
        let doc: ListingDoc = serde_json::from_str(&row.doc).map_err(AppError::internal)?;
        let spec = corridor_industry::matching::NeedSpec {
            title_zh: doc.title_zh,
            title_en: doc.title_en,
            description_zh: format!("{} {}", doc.field, doc.description_zh),
            description_en: doc.description_en,
            clusters: vec![doc.cluster],
            ..corridor_industry::matching::NeedSpec::of_kind(
                corridor_industry::matching::NeedKind::PartnerReserve,
            )
        };
        let ranked = self
            .rank_spec(&spec, limit.clamp(1, 100), &row.owner_uscc)
            .await?;
        Ok(crate::industry::needs::candidate_views(
            ranked,
            &Default::default(),
        ))
    }
}

async fn listing_event(
    tx: &mut corridor_store::WriteTx,
    r: &ListingRow,
    actor: &str,
    action: &str,
) -> AppResult<()> {
    let after = serde_json::json!({"status": r.status, "owner": r.owner_uscc});
    let stream = format!("listing:{}", r.id);
    crate::writer::append_one(tx, stream, r.updated_ms, actor, action, &after).await
}
