//! The industry demo: synthetic enterprises, needs and matches from a seed.

use super::*;

/// What the industry demo wrote.
#[derive(Debug, Clone, Default)]
pub struct IndustryDemo {
    pub enterprises: u64,
    pub needs: u64,
    pub accounts: Vec<(String, String)>,
    pub projects: u64,
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
    Ok(out)
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
