//! The industry demo: synthetic enterprises, needs and matches from a seed.

use super::*;

/// What the industry demo wrote.
#[derive(Debug, Clone, Default)]
pub struct IndustryDemo {
    pub enterprises: u64,
    pub needs: u64,
    pub accounts: Vec<(String, String)>,
    pub projects: u64,
    /// The finance alliance's members and the financing needs posted.
    pub finance_members: u64,
    pub financing_needs: u64,
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
    demo_finance(app, &office, &landmark.uscc, &mut out).await?;
    Ok(out)
}

/// The demo's finance alliance: a bank, a venture fund and a guarantee firm (all fictional),
/// each with its products; an account for the bank (`finance.bank`); and the sealant SME's
/// financing need for new coating lines.
async fn demo_finance(
    app: &App,
    office: &Principal,
    sme: &str,
    out: &mut IndustryDemo,
) -> AppResult<()> {
    use corridor_industry::finance::{FinancingSpec, FirmStage, MemberKind, Product};
    use corridor_industry::Cluster;
    let uscc = |body: &str| {
        corridor_domain::ids::Uscc::with_check(body)
            .map(|u| u.as_str().to_string())
            .map_err(|e| AppError::internal(e.to_string()))
    };
    let product = |zh: &str,
                   en: &str,
                   min,
                   max,
                   stages: &[FirmStage],
                   clusters: &[Cluster],
                   dz: &str,
                   de: &str| Product {
        name_zh: zh.into(),
        name_en: en.into(),
        min_amount: min,
        max_amount: max,
        stages: stages.to_vec(),
        clusters: clusters.to_vec(),
        cities: vec![],
        description_zh: dz.into(),
        description_en: de.into(),
    };
    use FirmStage::*;
    let members = [
        NewMember {
            uscc: uscc("91330400MA2FB0001")?,
            name_zh: "嘉禾科创银行（示例）".into(),
            name_en: "Jiahe Sci-Tech Bank (fictional)".into(),
            kind: MemberKind::Bank,
            city: "330400".into(),
            products: vec![
                product(
                    "科创设备贷",
                    "Sci-tech equipment loan",
                    100,
                    3000,
                    &[Growth, Mature],
                    &[],
                    "专精特新企业购置生产线和研发设备的中长期贷款",
                    "Medium-term loans for production lines and R&D equipment of specialised SMEs",
                ),
                product(
                    "知识产权质押贷",
                    "IP-backed loan",
                    50,
                    1000,
                    &[Startup, Growth],
                    &[],
                    "以专利权质押的流动资金贷款",
                    "Working-capital loans secured on patents",
                ),
            ],
        },
        NewMember {
            uscc: uscc("91310117MA1FW0002")?,
            name_zh: "云帆新材料创业投资基金（示例）".into(),
            name_en: "Yunfan New Materials Venture Fund (fictional)".into(),
            kind: MemberKind::VentureFund,
            city: "310117".into(),
            products: vec![product(
                "新材料早期股权投资",
                "Early equity in new materials",
                500,
                5000,
                &[Seed, Startup],
                &[Cluster::NewMaterials],
                "新材料与高分子材料初创企业股权投资",
                "Equity for start-ups in new and polymer materials",
            )],
        },
        NewMember {
            uscc: uscc("91340100MA2GC0003")?,
            name_zh: "合肥科技融资担保（示例）".into(),
            name_en: "Hefei Technology Financing Guarantee (fictional)".into(),
            kind: MemberKind::Guarantee,
            city: "340100".into(),
            products: vec![product(
                "科技型中小企业担保",
                "Guarantees for tech SMEs",
                50,
                800,
                &[Startup, Growth],
                &[],
                "为科技型中小企业银行贷款提供担保",
                "Guarantees for bank loans of technology SMEs",
            )],
        },
    ];
    for m in &members {
        app.put_member(office, m).await?;
        out.finance_members += 1;
    }
    if app.store.user_by_name("finance.bank").await?.is_none() {
        app.create_user(&crate::auth::NewUser {
            username: "finance.bank".into(),
            password: crate::demo::DEMO_PASSWORD.into(),
            role: Role::Applicant,
            display_name: "嘉禾科创银行 Jiahe Sci-Tech Bank".into(),
            window_id: None,
            authority_id: None,
            city: Some("330400".into()),
            resident_id: Some(crate::demo::demo_resident_id("finance.bank")),
            enterprise_uscc: Some(members[0].uscc.clone()),
        })
        .await?;
    }
    app.post_financing_need(
        office,
        &NewFinancingNeed {
            uscc: Some(sme.to_string()),
            spec: FinancingSpec {
                title_zh: "新建耐高温密封胶带涂布生产线".into(),
                title_en: "A new coating line for high-temperature sealant tape".into(),
                amount: 800,
                stage: Growth,
                purpose_zh: "购置涂布生产线和检测设备，扩大航空级密封胶带产能".into(),
                purpose_en: "Buy a coating production line and test equipment to expand aerospace sealant tape output".into(),
            },
        },
    )
    .await?;
    out.financing_needs += 1;
    Ok(())
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
