//! The industry demo: synthetic enterprises, needs and matches from a seed.

use super::*;

/// What the industry demo wrote.
#[derive(Debug, Clone, Default)]
pub struct IndustryDemo {
    pub enterprises: u64,
    pub needs: u64,
    pub accounts: Vec<(String, String)>,
    pub projects: u64,
    /// The open call and the needs posted into it.
    pub call: Option<String>,
    pub call_needs: u64,
}

/// The demo's enterprise accounts: (username, index into the head list or `None` for the
/// sealant SME, the first landmark).
pub(crate) const DEMO_ACCOUNTS: [(&str, Option<usize>); 4] = [
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
            // Linked directly: a node's demo may hold accounts of firms its registry lacks.
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
                    enterprise_uscc: None,
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
    let office = Principal::office("office");
    let today = app.today();
    let day = |back: i64| corridor_store::date_str(today - time::Duration::days(back));
    for (k, (i, spec)) in generate::demo_needs().into_iter().enumerate() {
        let bottleneck = spec.kind == corridor_industry::matching::NeedKind::BottleneckTechnology;
        let v = app
            .create_need(
                &office,
                NewNeed {
                    owner_uscc: Some(heads[i].uscc.clone()),
                    call_id: None,
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
                uscc: c.hit.uscc.clone(),
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
        // The first bottleneck need's best candidate, qualified, tackles it with its head
        // enterprise: a project with one milestone done, one overdue and one to come.
        if bottleneck && out.projects == 0 {
            // The second candidate, contacted above, is taken on to qualification.
            if let Some(c) = ranked.get(1) {
                out.projects += demo_project(app, &office, &v, &c.hit.uscc, &day).await?;
            }
        }
    }
    demo_call(app, &office, &heads[0].uscc, &landmark.uscc, &day, &mut out).await?;
    Ok(out)
}

/// An open call with two needs the office posted and approved: one of the aircraft maker
/// (which the sealant SME's profile answers) and one of the sealant SME itself, not a head
/// enterprise.
async fn demo_call(
    app: &App,
    office: &Principal,
    head: &str,
    sme: &str,
    day: &dyn Fn(i64) -> String,
    out: &mut IndustryDemo,
) -> AppResult<()> {
    use corridor_industry::matching::NeedKind;
    use corridor_industry::Cluster;
    let call = app
        .create_call(
            office,
            &NewCall {
                title_zh: "2026年度G60科创走廊关键核心技术需求征集".into(),
                title_en: "G60 corridor call for key technology needs, 2026".into(),
                scope_zh: "面向走廊九城企业征集关键核心技术攻关与供应链配套需求，经联席办审核后向全体企业和科研院所公开。".into(),
                scope_en: "Bottleneck-technology and supplier needs of firms in the nine cities; published to every enterprise and institute once the joint office has reviewed them.".into(),
                clusters: Cluster::ALL.to_vec(),
                kinds: vec![NeedKind::BottleneckTechnology, NeedKind::SupplierLocalisation],
                opens: day(30),
                closes: day(-60),
            },
        )
        .await?;
    let need = |owner: &str, spec: NeedSpec| NewNeed {
        owner_uscc: Some(owner.to_string()),
        call_id: Some(call.id.clone()),
        deadline: Some(day(-45)),
        spec,
        unknown: BTreeMap::new(),
    };
    let spec = |kind, tz: &str, te: &str, dz: &str, de: &str, clusters: &[Cluster]| NeedSpec {
        kind,
        title_zh: tz.into(),
        title_en: te.into(),
        description_zh: dz.into(),
        description_en: de.into(),
        certifications: vec![],
        clusters: clusters.to_vec(),
        industries: vec![],
        cities: vec![],
    };
    app.create_need(
        office,
        need(
            head,
            spec(
                NeedKind::BottleneckTechnology,
                "复合材料机身热压罐固化辅助材料国产化",
                "Local consumables for autoclave curing of composite fuselage sections",
                "耐高温真空袋密封胶带、脱模布、透气毡的国产替代与装机验证",
                "High-temperature vacuum bagging sealant tape, release fabric and breather felt made locally and qualified on the aircraft",
                &[Cluster::Aviation, Cluster::NewMaterials],
            ),
        ),
    )
    .await?;
    app.create_need(
        office,
        need(
            sme,
            spec(
                NeedKind::BottleneckTechnology,
                "密封胶带高温老化加速试验方法",
                "Accelerated high-temperature ageing tests for sealant tape",
                "寻找具备高温老化与材料失效分析能力的检测机构或高校合作建立加速试验方法",
                "A testing laboratory or university with high-temperature ageing and failure analysis to set up an accelerated test method",
                &[Cluster::NewMaterials],
            ),
        ),
    )
    .await?;
    out.call = Some(call.id);
    out.call_needs = 2;
    Ok(())
}

async fn demo_project(
    app: &App,
    office: &Principal,
    need: &NeedView,
    partner: &str,
    day: &dyn Fn(i64) -> String,
) -> AppResult<u64> {
    for (stage, back) in [
        (Stage::Meeting, 25),
        (Stage::Testing, 15),
        (Stage::Qualified, 10),
    ] {
        let mv = StageMove {
            uscc: partner.to_string(),
            stage,
            on: Some(day(back)),
            note: None,
        };
        app.move_match(office, &need.id, mv).await?;
    }
    let m = |zh: &str, en: &str, back: i64| NewMilestone {
        title: format!("{zh} / {en}"),
        due: day(back),
    };
    let p = app
        .start_project(
            office,
            &NewProject {
                need_id: need.id.clone(),
                partners: vec![partner.to_string()],
                title: format!("{} / {}", need.spec.title_zh, need.spec.title_en),
                milestones: vec![
                    m("工艺小试", "Lab-scale trial", 8),
                    m("中试验证", "Pilot run", 2),
                    m("装机考核", "Qualification on the aircraft", -120),
                ],
            },
        )
        .await?;
    let done = ProjectOp::CompleteMilestone {
        index: 0,
        on: Some(day(9)),
    };
    app.change_project(office, &p.id, &done).await?;
    Ok(1)
}
