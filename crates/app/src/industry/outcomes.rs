//! Outcomes per head enterprise: needs, matches and qualified suppliers.

use super::*;

/// One head enterprise's outcomes, from its needs and their matches.
pub(crate) fn head_stats(
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

impl App {
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
