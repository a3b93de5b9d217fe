//! Matches moving along the pipeline, opportunities for suppliers, and a need's board.

use super::*;

pub(crate) fn match_view_of(
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

impl App {
    /// Moves a candidate along the need's pipeline (entering it at any stage the first time).
    pub async fn move_match(&self, p: &Principal, id: &str, m: StageMove) -> AppResult<MatchView> {
        let n = self.need_row(p, id).await?;
        let on = match m.on.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => parse_day(d, "on")?,
            None => self.today(),
        };
        if on > self.today() {
            return Err(field_err(
                "on",
                "a stage cannot be dated in the future",
                "阶段日期不能晚于今天",
            ));
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
                "企业不能成为本企业需求的候选",
            ));
        }
        let ent = self
            .store
            .enterprise_names(std::slice::from_ref(&m.uscc))
            .await?
            .pop()
            .ok_or_else(|| {
                field_err(
                    "uscc",
                    "no such enterprise in the registry",
                    "企业库中没有该企业",
                )
            })?;
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
                    )
                    .with_zh(format!(
                        "对接不能从 {} 转到 {}",
                        from.as_str(),
                        m.stage.as_str()
                    )));
                }
                let last = self.store.match_events(id, &m.uscc).await?;
                if last.last().is_some_and(|e| e.on_date > on_s) {
                    return Err(field_err(
                        "on",
                        "earlier than the match's last stage",
                        "早于该对接的上一阶段日期",
                    ));
                }
                c.clone()
            }
            None => self.new_match_row(&n, &m.uscc, &on_s).await?,
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

    /// A firm entering a need's pipeline on `on`, at `suggested`, scored as the need's
    /// ranking scores it (0 when the ranking does not reach it).
    pub(crate) async fn new_match_row(
        &self,
        n: &NeedRow,
        uscc: &str,
        on: &str,
    ) -> AppResult<MatchRow> {
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
            .find(|r| r.hit.uscc == uscc)
            .map_or(0.0, |r| r.hit.score);
        Ok(MatchRow {
            need_id: n.id.clone(),
            uscc: uscc.to_string(),
            stage: Stage::Suggested.as_str().into(),
            meetings: 0,
            score_milli: (score * 1000.0).round() as i64,
            suggested_on: on.to_string(),
            contacted_on: None,
            qualified_on: None,
            declined_on: None,
            updated_ms: 0,
        })
    }

    pub(crate) async fn match_view(
        &self,
        m: MatchRow,
        ent: Option<EnterpriseRow>,
    ) -> AppResult<MatchView> {
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
                )
                .with_zh("合作机会只向相关企业展示"))
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
                let spec: NeedSpec = serde_json::from_str(&n.doc).map_err(|e| {
                    AppError::new(ErrorCode::Internal, format!("stored need: {e}"))
                        .with_zh(format!("已存需求无法读取：{e}"))
                })?;
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
}
