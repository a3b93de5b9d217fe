//! The industry chain: registry upserts through the outbox into the live index, reindex
//! equality, access rules, needs, ranked and explained matches, the pipeline and its
//! statistics; the HTTP face with the demo accounts; the import/export/reindex commands.

use crate::both_backends;
use crate::helpers::Go;
use crate::helpers::{enterprise_account as account, env, staff, Backend};
use corridor_app::industry::{rebuild_index, EnterpriseQuery, NeedUpdate, NewNeed, StageMove};
use corridor_app::ErrorCode;
use corridor_domain::case::{Principal, Role};
use corridor_industry::generate;
use corridor_industry::matching::{NeedKind, NeedSpec, NeedStatus, Stage};
use corridor_industry::search::{EnterpriseIndex, Filters};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use time::macros::date;

fn q(text: &str, f: impl FnOnce(&mut EnterpriseQuery)) -> EnterpriseQuery {
    let mut x = EnterpriseQuery {
        q: Some(text.into()),
        per_page: Some(100),
        ..Default::default()
    };
    f(&mut x);
    x
}

fn sealant_need() -> NeedSpec {
    NeedSpec {
        kind: NeedKind::SupplierLocalisation,
        title_zh: "耐高温真空袋密封胶带".into(),
        title_en: "High-temperature vacuum bagging sealant tape".into(),
        description_zh: String::new(),
        description_en:
            "high-temperature vacuum bagging sealant tape for composite curing, AS9100 certified"
                .into(),
        certifications: vec!["AS9100".into()],
        clusters: vec![corridor_industry::Cluster::NewMaterials],
        industries: vec!["C26".into()],
        cities: vec![],
    }
}

/// Step 1: the registry loads idempotently, the live index answers Chinese and English with
/// exact facet counts, an office edit reaches it through the outbox, and a reindex from the
/// database answers as the live index does. Returns the registry as loaded (demo heads last).
async fn registry_and_search(e: &crate::helpers::Env) -> Vec<corridor_industry::Enterprise> {
    let office = staff(Role::JointOffice);
    let admin = staff(Role::Admin);
    let mut all = generate::enterprises(3000, 11);
    let heads = generate::demo_heads();
    all.extend(heads.iter().cloned());
    let c = e.app.upsert_enterprises(&all).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (3003, 0, 0));
    // Idempotent by USCC.
    let c = e.app.upsert_enterprises(&all).await.unwrap();
    assert_eq!((c.created, c.updated, c.unchanged), (0, 0, 3003));
    e.app.sync_search().await.unwrap();
    assert_eq!(e.store.outbox_len().await.unwrap(), 0);
    assert_eq!(e.app.industry().index.len(), 3003);

    // Live search: Chinese and English; filters with exact facet counts.
    let r = e
        .app
        .search_enterprises(&office, &q("光刻胶", |_| {}))
        .await
        .unwrap();
    assert_eq!(r.items[0].uscc, all[1].uscc);
    assert!(r.items[0].matched["capabilities_zh"].contains(&"光刻胶".to_string()));
    let r = e
        .app
        .search_enterprises(&office, &q("", |x| x.city = Some("330400".into())))
        .await
        .unwrap();
    let want = all.iter().filter(|x| x.city == "330400").count();
    assert_eq!(r.total, want);
    assert_eq!(r.facets["city"]["330400"], want as u64);

    // An edit by the office goes through the outbox into the live index.
    let mut changed = all[100].clone();
    changed.capabilities_zh = "碳化硅外延片".into();
    e.app
        .put_enterprise(&office, &changed.uscc.clone(), changed.clone())
        .await
        .unwrap();
    e.app.sync_search().await.unwrap();
    let r = e
        .app
        .search_enterprises(&office, &q("碳化硅外延片", |_| {}))
        .await
        .unwrap();
    assert_eq!(r.items[0].uscc, changed.uscc);

    // A reindex from the database answers as the live index does.
    let queries = [
        q("光刻胶", |_| {}),
        q("IC packaging and testing", |_| {}),
        q("航空 钛合金", |x| x.flag = Some("specialised".into())),
        q("", |x| x.cluster = Some("new_materials".into())),
        q("sealant tape", |x| x.cert = Some("AS9100".into())),
        q("碳化硅外延片", |_| {}),
    ];
    let mut live = Vec::new();
    for x in &queries {
        live.push(e.app.search_enterprises(&office, x).await.unwrap());
    }
    let fresh = Arc::new(EnterpriseIndex::in_memory().unwrap());
    let w = fresh.writer().unwrap();
    let n = rebuild_index(&e.store, &fresh, &mut Some(w)).await.unwrap();
    assert_eq!(n, 3003);
    assert!(
        e.app.reindex(&office).await.is_err(),
        "only the administrator"
    );
    assert_eq!(e.app.reindex(&admin).await.unwrap().enterprises, 3003);
    for (x, a) in queries.iter().zip(&live) {
        let f = Filters {
            city: x.city.clone(),
            cluster: x.cluster.clone(),
            industry: None,
            flags: x.flag.clone().into_iter().collect(),
            certifications: x.cert.clone().into_iter().collect(),
        };
        let text = x.q.clone().unwrap_or_default();
        let b = fresh.search(&text, &f, 0, 100).unwrap();
        let c = e.app.search_enterprises(&office, x).await.unwrap();
        for other in [
            (
                b.total,
                b.facets.clone(),
                b.hits
                    .iter()
                    .map(|h| h.uscc.clone())
                    .collect::<BTreeSet<_>>(),
            ),
            (
                c.total,
                c.facets.clone(),
                c.items.iter().map(|h| h.uscc.clone()).collect(),
            ),
        ] {
            assert_eq!(a.total, other.0, "{text}");
            assert_eq!(a.facets, other.1, "{text}");
            if a.total <= 100 {
                let mine: BTreeSet<String> = a.items.iter().map(|h| h.uscc.clone()).collect();
                assert_eq!(mine, other.2, "{text}");
            }
        }
    }

    all
}

/// Step 2: an SME edits only its own profile and cannot grant itself flags; the office's
/// edits are validated too. Returns the SME's account.
async fn profile_access(
    e: &crate::helpers::Env,
    all: &[corridor_industry::Enterprise],
) -> Principal {
    let office = staff(Role::JointOffice);
    // Access: an SME edits only its own profile and cannot grant itself flags.
    let sme = account(e, "sme-jx", Some(&all[0].uscc)).await;
    let mut mine = all[0].clone();
    mine.capabilities_en.push_str(", silicone vacuum bag film");
    mine.flags.head = true;
    let saved = e
        .app
        .put_enterprise(&sme, &mine.uscc.clone(), mine)
        .await
        .unwrap();
    assert!(!saved.flags.head && saved.flags.specialised);
    let other = all[5].clone();
    let err = e
        .app
        .put_enterprise(&sme, &other.uscc.clone(), other)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let mut bad = all[0].clone();
    bad.industry = "26".into();
    let err = e
        .app
        .put_enterprise(&office, &bad.uscc.clone(), bad)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ValidationFailed);
    sme
}

pub async fn registry_needs_and_pipeline(b: Backend) {
    let Some(e) = env(b, date!(2026 - 11 - 23)).await else {
        return;
    };
    let all = registry_and_search(&e).await;
    let sme = profile_access(&e, &all).await;
    let office = staff(Role::JointOffice);
    let heads = generate::demo_heads();
    // An SME posts no needs; a person without an enterprise sees none; a clerk neither.
    let need = |owner: Option<&str>, spec: NeedSpec| NewNeed {
        owner_uscc: owner.map(String::from),
        call_id: None,
        deadline: Some("2027-01-31".into()),
        spec,
        unknown: Default::default(),
    };
    let err = e
        .app
        .create_need(&sme, need(None, sealant_need()))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let nobody = account(&e, "person-x", None).await;
    assert_eq!(
        e.app.needs(&nobody, 1, 20).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    let clerk = crate::helpers::clerk("330400-W01");
    assert_eq!(
        e.app.needs(&clerk, 1, 20).await.unwrap_err().code,
        ErrorCode::Forbidden
    );

    // A head enterprise posts for itself only; the office posts for a head enterprise.
    let aviation = account(&e, "head-av", Some(&heads[0].uscc)).await;
    let chips = account(&e, "head-ch", Some(&heads[2].uscc)).await;
    let err = e
        .app
        .create_need(&aviation, need(Some(&heads[2].uscc), sealant_need()))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let err = e
        .app
        .create_need(&office, need(Some(&all[7].uscc), sealant_need()))
        .await
        .unwrap_err();
    assert!(
        matches!(err.code, ErrorCode::Forbidden),
        "not a head enterprise"
    );
    let mut past = need(None, sealant_need());
    past.deadline = Some("2026-11-01".into());
    let err = e.app.create_need(&aviation, past).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ValidationFailed);
    let sealant = e
        .app
        .create_need(&aviation, need(None, sealant_need()))
        .await
        .unwrap();
    assert_eq!(sealant.owner_uscc, heads[0].uscc);
    let photo = e
        .app
        .create_need(
            &office,
            need(
                Some(&heads[2].uscc),
                NeedSpec {
                    title_zh: "ArF光刻胶".into(),
                    clusters: vec![corridor_industry::Cluster::IntegratedCircuits],
                    ..NeedSpec::of_kind(NeedKind::BottleneckTechnology)
                },
            ),
        )
        .await
        .unwrap();
    assert_eq!(e.app.needs(&aviation, 1, 20).await.unwrap().total, 1);
    assert_eq!(e.app.needs(&office, 1, 20).await.unwrap().total, 2);
    let err = e.app.need(&aviation, &photo.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let err = e.app.pipeline(&aviation, &photo.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);

    // Ranked matches explain themselves; the sealant SME is in the top 3.
    let ranked = e.app.rank_need(&aviation, &sealant.id, 10).await.unwrap();
    let pos = ranked
        .iter()
        .position(|c| c.hit.uscc == all[0].uscc)
        .unwrap();
    assert!(pos < 3, "{pos}");
    for c in &ranked {
        assert!(c.hit.certifications.contains(&"AS9100".to_string()));
        let sum: f32 = c.signals.iter().map(|s| s.contribution).sum();
        assert!((sum - c.hit.score).abs() < 1e-4);
    }
    assert!(!ranked[pos].hit.matched.is_empty());

    // The pipeline: dated stages, meetings counted, order enforced.
    let mv = |uscc: &str, stage, on: &str| StageMove {
        uscc: uscc.into(),
        stage,
        on: Some(on.into()),
        note: Some("测试 note".into()),
    };
    let err = e
        .app
        .move_match(
            &aviation,
            &sealant.id,
            mv(&heads[0].uscc, Stage::Suggested, "2026-06-01"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.code,
        ErrorCode::ValidationFailed,
        "not its own candidate"
    );
    let target = all[0].uscc.clone();
    for (stage, on) in [
        (Stage::Suggested, "2026-06-01"),
        (Stage::Contacted, "2026-06-03"),
        (Stage::Meeting, "2026-06-20"),
        (Stage::Meeting, "2026-07-15"),
        (Stage::Testing, "2026-08-01"),
    ] {
        e.app
            .move_match(&aviation, &sealant.id, mv(&target, stage, on))
            .await
            .unwrap();
    }
    // Entering the pipeline recorded the candidate's ranking score.
    let board = e.app.pipeline(&aviation, &sealant.id).await.unwrap();
    let entered = board.iter().find(|m| m.uscc == target).unwrap();
    assert!(
        (entered.score - ranked[pos].hit.score).abs() < 1e-3,
        "{} vs {}",
        entered.score,
        ranked[pos].hit.score
    );
    // Refused moves: backwards, earlier than the last stage, in the future, by another head.
    for (who, stage, on, code) in [
        (
            &aviation,
            Stage::Contacted,
            "2026-08-02",
            ErrorCode::InvalidStage,
        ),
        (
            &aviation,
            Stage::Qualified,
            "2026-07-01",
            ErrorCode::ValidationFailed,
        ),
        (
            &aviation,
            Stage::Qualified,
            "2026-12-01",
            ErrorCode::ValidationFailed,
        ),
        (&chips, Stage::Qualified, "2026-09-02", ErrorCode::Forbidden),
    ] {
        let err = e
            .app
            .move_match(who, &sealant.id, mv(&target, stage, on))
            .await
            .unwrap_err();
        assert_eq!(err.code, code, "{stage:?} on {on}");
    }
    let m = e
        .app
        .move_match(
            &aviation,
            &sealant.id,
            mv(&target, Stage::Qualified, "2026-09-02"),
        )
        .await
        .unwrap();
    assert_eq!((m.stage, m.meetings), (Stage::Qualified, 2));
    assert_eq!(m.contacted_on.as_deref(), Some("2026-06-03"));
    assert_eq!(m.events.len(), 6);
    assert!(m.score > 0.0);
    let second = ranked
        .iter()
        .find(|c| c.hit.uscc != target)
        .unwrap()
        .hit
        .uscc
        .clone();
    e.app
        .move_match(
            &office,
            &sealant.id,
            mv(&second, Stage::Contacted, "2026-10-01"),
        )
        .await
        .unwrap();
    // Six people move the same match at once: the single writer commits one move; each other
    // is refused (a conflict if it raced the first to the writer, else an invalid stage), in
    // its own savepoint, and leaves nothing behind.
    let racers = (0..6).map(|_| {
        e.app.move_match(
            &office,
            &sealant.id,
            mv(&second, Stage::Testing, "2026-10-05"),
        )
    });
    let results = futures::future::join_all(racers).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(r.code, ErrorCode::Conflict | ErrorCode::InvalidStage),
            "{r:?}"
        );
    }
    let board = e.app.pipeline(&office, &sealant.id).await.unwrap();
    let raced = board.iter().find(|m| m.uscc == second).unwrap();
    assert_eq!(raced.stage, Stage::Testing);
    assert_eq!(raced.events.len(), 2, "contacted, testing");
    let third = ranked
        .iter()
        .filter(|c| c.hit.uscc != target)
        .nth(1)
        .unwrap()
        .hit
        .uscc
        .clone();
    e.app
        .move_match(
            &office,
            &sealant.id,
            mv(&third, Stage::Declined, "2026-10-02"),
        )
        .await
        .unwrap();
    let err = e
        .app
        .move_match(
            &office,
            &sealant.id,
            mv(&third, Stage::Contacted, "2026-10-03"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidStage, "declined is final");
    // The photoresist project starts when a partner qualifies.
    e.app
        .move_match(
            &chips,
            &photo.id,
            mv(&all[1].uscc, Stage::Qualified, "2026-11-20"),
        )
        .await
        .unwrap();
    let board = e.app.pipeline(&aviation, &sealant.id).await.unwrap();
    assert_eq!(board.len(), 3);
    // The board reads every candidate's history in one query: each keeps its own.
    let history = |u: &str| {
        let m = board.iter().find(|m| m.uscc == u).unwrap();
        m.events.iter().map(|e| e.stage).collect::<Vec<_>>()
    };
    assert_eq!(history(&target).len(), 6);
    assert_eq!(history(&second), [Stage::Contacted, Stage::Testing]);
    assert_eq!(history(&third), [Stage::Declined]);
    assert!(
        e.app.rank_need(&aviation, &sealant.id, 10).await.unwrap()[pos].stage
            == Some(Stage::Qualified)
    );
    // Rankings are cached per index generation: a firm added to the registry is ranked as
    // soon as the index has it.
    let fresh = generate::enterprises(50, 12)
        .into_iter()
        .find(|f| all.iter().all(|a| a.uscc != f.uscc))
        .unwrap();
    let twin = corridor_industry::Enterprise {
        uscc: fresh.uscc,
        name_zh: fresh.name_zh,
        name_en: fresh.name_en,
        ..all[0].clone()
    };
    assert!(!e
        .app
        .rank_need(&aviation, &sealant.id, 10)
        .await
        .unwrap()
        .iter()
        .any(|c| c.hit.uscc == twin.uscc));
    e.app
        .upsert_enterprises(std::slice::from_ref(&twin))
        .await
        .unwrap();
    e.app.sync_search().await.unwrap();
    let again = e.app.rank_need(&aviation, &sealant.id, 10).await.unwrap();
    assert!(again.iter().any(|c| c.hit.uscc == twin.uscc), "{again:?}");

    // Statistics: the head enterprise sees its own, the office every head enterprise.
    let s = e.app.industry_stats(&aviation).await.unwrap();
    assert_eq!(s.heads.len(), 1);
    let h = &s.heads[0];
    assert_eq!(
        (h.needs, h.candidates, h.qualified, h.meetings),
        (1, 3, 1, 2)
    );
    assert_eq!(h.median_days_to_qualify, Some(91.0));
    assert_eq!(h.projects_started, 0);
    let reserve: Vec<(&str, Stage)> = h
        .reserve
        .iter()
        .map(|r| (r.uscc.as_str(), r.best_stage))
        .collect();
    assert_eq!(reserve.len(), 2, "declined is not in the reserve");
    assert!(reserve.contains(&(target.as_str(), Stage::Qualified)));
    assert_eq!(h.by_need[0].by_stage["declined"], 1);
    // Names come with the figures: the head enterprise's and each partner's.
    assert_eq!(h.uscc, heads[0].uscc);
    assert_eq!(h.name_zh, heads[0].name_zh);
    assert!(h
        .reserve
        .iter()
        .all(|r| !r.name_zh.is_empty() && !r.city.is_empty()));
    let s = e.app.industry_stats(&office).await.unwrap();
    assert_eq!(s.heads.len(), 2);
    let ch = s.heads.iter().find(|x| x.uscc == heads[2].uscc).unwrap();
    assert_eq!(
        (ch.projects_started, ch.median_days_to_qualify),
        (1, Some(0.0))
    );
    assert_eq!(ch.name_en, heads[2].name_en);
    // The office's view of the aviation head is the head's own view.
    let av = s.heads.iter().find(|x| x.uscc == heads[0].uscc).unwrap();
    assert_eq!(
        serde_json::to_value(av).unwrap(),
        serde_json::to_value(h).unwrap()
    );

    // Status changes.
    let v = e
        .app
        .update_need(
            &aviation,
            &sealant.id,
            NeedUpdate {
                status: NeedStatus::Fulfilled,
            },
        )
        .await
        .unwrap();
    assert_eq!(v.status, NeedStatus::Fulfilled);
    // An enterprise sees the needs it is a candidate for, from first contact on: its stage,
    // meetings and dates, not the head enterprise's notes or score, nor a shortlist that has
    // not contacted it.
    let fourth = ranked
        .iter()
        .map(|c| c.hit.uscc.clone())
        .find(|u| ![&target, &second, &third, &all[1].uscc].contains(&u))
        .unwrap();
    e.app
        .move_match(
            &aviation,
            &sealant.id,
            mv(&fourth, Stage::Suggested, "2026-10-04"),
        )
        .await
        .unwrap();
    let sme = account(&e, "sme.target", Some(&target)).await;
    let o = e.app.opportunities(&sme).await.unwrap();
    let mine = o.iter().find(|o| o.need_id == sealant.id).unwrap();
    assert_eq!((mine.stage, mine.meetings), (Stage::Qualified, 2));
    assert_eq!(
        (mine.contacted_on.as_deref(), mine.qualified_on.as_deref()),
        (Some("2026-06-03"), Some("2026-09-02"))
    );
    assert_eq!(mine.need_status, NeedStatus::Fulfilled);
    assert_eq!(
        (mine.owner_uscc.as_str(), mine.owner_name_zh.as_str()),
        (heads[0].uscc.as_str(), heads[0].name_zh.as_str())
    );
    assert_eq!(mine.title_zh, sealant_need().title_zh);
    let text = serde_json::to_string(&o).unwrap();
    assert!(!text.contains("测试") && !text.contains("score"), "{text}");
    let declined = account(&e, "sme.third", Some(&third)).await;
    let o = e.app.opportunities(&declined).await.unwrap();
    let theirs = o.iter().find(|o| o.need_id == sealant.id).unwrap();
    assert_eq!(
        (theirs.stage, theirs.declined_on.as_deref()),
        (Stage::Declined, Some("2026-10-02"))
    );
    let shortlisted = account(&e, "sme.fourth", Some(&fourth)).await;
    assert!(e.app.opportunities(&shortlisted).await.unwrap().is_empty());
    for who in [&office, &account(&e, "no.enterprise", None).await] {
        let err = e.app.opportunities(who).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
    }
    // Export and import carry the registry, needs and pipeline.
    let mut buf = Vec::new();
    e.store.export(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(text.contains("\"match_events\"") || text.contains("match_events"));
    e.cleanup().await;
}
both_backends!(
    registry_needs_and_pipeline_both_backends,
    crate::industry::registry_needs_and_pipeline
);

async fn problem(res: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["code"], code, "{v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_industry_with_the_demo_accounts() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 23)).await.unwrap();
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    let d = corridor_app::industry::seed_demo(&e.app, 5000, 60)
        .await
        .unwrap();
    assert_eq!((d.enterprises, d.needs), (5003, 7));
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let api = |p: &str| format!("{base}/api/v1{p}");
    let login = |u: &'static str| {
        let http = http.clone();
        let url = api("/auth/login");
        async move {
            let v: Value = http
                .post(url)
                .json(&json!({"username": u, "password": corridor_app::demo::DEMO_PASSWORD}))
                .value()
                .await;
            format!("Bearer {}", v["token"].as_str().unwrap())
        }
    };
    let office = login("office").await;
    let aviation = login("head.aviation").await;
    let chips = login("head.chips").await;
    let sme = login("sme.330400").await;
    let get = |url: String, tok: &str| http.get(url).header("authorization", tok).send();

    // Opportunities: the SME's own (the demo's aviation head enterprise qualified it), without
    // the head enterprise's notes or scores; not for the office.
    let r = get(api("/opportunities"), &sme).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let o = r.json::<Value>().await.unwrap()["items"].clone();
    assert_eq!(o[0]["stage"], "qualified", "{o}");
    assert_eq!(
        o[0]["owner_name_en"],
        "Shanghai Yunzhou Aircraft Manufacturing Co., Ltd."
    );
    assert!(
        o[0].get("score").is_none() && o[0].get("events").is_none(),
        "{o}"
    );
    problem(
        get(api("/opportunities"), &office).await.unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Search needs a sign-in; results carry matched terms and facets.
    problem(
        http.get(api("/enterprises?q=x")).go().await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let r: Value = get(
        api("/enterprises?q=%E5%85%89%E5%88%BB%E8%83%B6&per_page=5"),
        &sme,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(r["total"].as_u64().unwrap() >= 1);
    assert_eq!(r["items"][0]["name_zh"], "苏州晶辉光刻材料有限公司");
    assert!(r["facets"]["city"].is_object());
    problem(
        get(api("/enterprises?per_page=abc"), &sme).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    problem(
        get(api("/enterprises?industry=%E5%85%89%E5%88%BB"), &sme)
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    problem(
        get(api("/enterprises/91330400MA28L00019"), &sme)
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Needs: the head enterprise sees its own four (three and one in the demo's open call), the
    // office all nine (with the SME's need in the call).
    let mine: Value = get(api("/needs"), &aviation)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 4);
    let all: Value = get(api("/needs?per_page=50"), &office)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 9);
    let sealant = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "supplier_localisation")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let m = get(
        api(&format!("/needs/{sealant}/matches?limit=10")),
        &aviation,
    )
    .await
    .unwrap()
    .json::<Value>()
    .await
    .unwrap()["items"]
        .clone();
    let top3: Vec<&str> = m.as_array().unwrap()[..3]
        .iter()
        .map(|c| c["name_zh"].as_str().unwrap())
        .collect();
    assert!(top3.contains(&"嘉兴恒韧高分子材料有限公司"), "{top3:?}");
    assert_eq!(m[0]["signals"].as_array().unwrap().len(), 7);
    // The head enterprise is not a candidate for its own need.
    assert!(m
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["name_zh"] != "上海云舟航空制造有限公司"));
    problem(
        get(api(&format!("/needs/{sealant}/matches")), &chips)
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        get(api(&format!("/needs/{sealant}/pipeline")), &sme)
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        get(api("/needs/not-a-uuid"), &office).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;

    // The demo pipeline has history; a stage move over HTTP, and a bad one.
    let board = get(api(&format!("/needs/{sealant}/pipeline")), &aviation)
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["items"]
        .clone();
    assert!(board
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["stage"] == "qualified"));
    let open = board
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["stage"] == "suggested")
        .unwrap()["uscc"]
        .as_str()
        .unwrap()
        .to_string();
    let res = http
        .post(api(&format!("/needs/{sealant}/pipeline")))
        .header("authorization", &aviation)
        .json(&json!({"uscc": open, "stage": "contacted"}))
        .go()
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = http
        .post(api(&format!("/needs/{sealant}/pipeline")))
        .header("authorization", &aviation)
        .json(&json!({"uscc": open, "stage": "suggested"}))
        .go()
        .await;
    problem(res, StatusCode::CONFLICT, "invalid_stage").await;
    let res = http
        .post(api(&format!("/needs/{sealant}/pipeline")))
        .header("authorization", &aviation)
        .json(&json!({"uscc": open, "stage": "promoted"}))
        .go()
        .await;
    assert!(res.status().is_client_error());
    assert_eq!(res.headers()["content-type"], "application/problem+json");

    // Posting a need: bad fields are named; a good one is created.
    let res = http
        .post(api("/needs"))
        .header("authorization", &aviation)
        .json(&json!({"kind": "partner_reserve", "title_en": "", "deadline": "2027-02-30"}))
        .go()
        .await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let res = http
        .post(api("/needs"))
        .header("authorization", &aviation)
        .json(&json!({"kind": "partner_reserve", "title_en": "Anything", "colour": "red"}))
        .go()
        .await;
    let v = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(v.to_string().contains("colour"), "{v}");
    let res = http
        .post(api("/needs"))
        .header("authorization", &sme)
        .json(&json!({"kind": "partner_reserve", "title_en": "Anything"}))
        .go()
        .await;
    problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = http
        .post(api("/needs"))
        .header("authorization", &aviation)
        .json(&json!({"kind": "partner_reserve", "title_zh": "复合材料零件合作伙伴储备", "clusters": ["aviation"], "deadline": "2027-03-31"}))
        .go().await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // Outcome statistics from the demo history.
    let s: Value = get(api("/industry/statistics"), &office)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // By the needs' owners: the three head enterprises and the SME with a need in the call.
    assert_eq!(s["heads"].as_array().unwrap().len(), 4);
    assert!(s["heads"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["qualified"].as_i64().unwrap() >= 1));
    let s: Value = get(api("/industry/statistics"), &aviation)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["heads"].as_array().unwrap().len(), 1);
    problem(
        http.post(api("/admin/search/reindex"))
            .header("authorization", &office)
            .go()
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    e.cleanup().await;
}

/// The pages: search with facets, needs, a need with explained matches and the pipeline
/// board, a stage moved through a form, outcomes; who may see what.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn industry_pages() {
    use crate::web::{page_session, urlencode};
    use reqwest::header;
    let e = env(Backend::Sqlite, date!(2026 - 11 - 23)).await.unwrap();
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    corridor_app::industry::seed_demo(&e.app, 3000, 60)
        .await
        .unwrap();
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = |path: String, cookie: String| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move {
            let r = http.get(url).header(header::COOKIE, cookie).go().await;
            (r.status(), r.text().await.unwrap())
        }
    };
    // Signed out: to the sign-in page.
    let r = http.get(format!("{base}/industry")).go().await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (sme, _) = page_session(&http, &base, "sme.330400").await;
    let (st, html) = page(format!("/industry?q={}", urlencode("光刻胶")), sme.clone()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("Suzhou Jinghui Lithography Materials"),
        "{html}"
    );
    assert!(html.contains("光刻胶"), "matched terms shown");
    // A facet link narrows the results and shows as an active filter.
    let (_, html) = page(
        "/industry?cluster=new_materials&city=330400".into(),
        sme.clone(),
    )
    .await;
    assert!(html.contains("Filtered by"));
    assert!(html.contains("Jiaxing"));
    // An SME sees only its own need (the one it posted into the demo's call).
    let (_, html) = page("/needs".into(), sme.clone()).await;
    assert!(html.contains("1 needs"), "{html}");
    assert!(
        html.contains("Accelerated high-temperature ageing"),
        "{html}"
    );
    assert!(!html.contains("Precision titanium alloy"), "{html}");

    // Its opportunities: the demo's aviation head enterprise qualified it for a need; the
    // page shows the need, the head enterprise and the stage, in either language.
    let (st, html) = page("/opportunities?lang=zh".into(), sme.clone()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("我的对接机会"), "{html}");
    assert!(html.contains("耐高温真空袋密封胶带本地化配套"), "{html}");
    assert!(html.contains("上海云舟航空制造有限公司"), "{html}");
    assert!(
        html.contains("<td class=\"stage\">合格供应商</td>"),
        "{html}"
    );
    let (_, html) = page("/opportunities?lang=en".into(), sme.clone()).await;
    assert!(
        html.contains("High-temperature vacuum bagging sealant tape"),
        "{html}"
    );
    assert!(
        html.contains("<td class=\"stage\">Qualified</td>"),
        "{html}"
    );
    let (office, _) = page_session(&http, &base, "office").await;
    let (st, _) = page("/opportunities".into(), office).await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "opportunities are an enterprise's own"
    );
    let (head, tok) = page_session(&http, &base, "head.aviation").await;
    // A head enterprise may be a candidate for another's need too: its page answers.
    let (st, _) = page("/opportunities".into(), head.clone()).await;
    assert_eq!(st, StatusCode::OK);
    let (st, html) = page("/needs".into(), head.clone()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("High-temperature vacuum bagging sealant tape"));
    // The sealant need (the head's own, not in the call).
    let id = html
        .split("href=\"/needs/")
        .find(|s| s.contains("High-temperature vacuum bagging sealant tape"))
        .map(|s| s.split('"').next().unwrap().to_string())
        .unwrap();
    let (st, html) = page(format!("/needs/{id}"), head.clone()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Ranked matches") && html.contains("Pipeline board"));
    assert!(html.contains("text relevance") && html.contains("Contribution"));
    // A chip maker may not open the aviation need.
    let (chips, _) = page_session(&http, &base, "head.chips").await;
    let (st, _) = page(format!("/needs/{id}"), chips).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Move a suggested candidate to contacted through the board's form.
    let board = e
        .app
        .pipeline(&staff(Role::JointOffice), &id)
        .await
        .unwrap();
    let open = board
        .iter()
        .find(|m| m.stage == Stage::Suggested)
        .unwrap()
        .uscc
        .clone();
    let post = |body: String| {
        http.post(format!("{base}/needs/{id}/stage"))
            .header(header::COOKIE, head.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let r = post(format!(
        "csrf={tok}&uscc={open}&stage=contacted&on=2026-11-20"
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let now = e
        .app
        .pipeline(&staff(Role::JointOffice), &id)
        .await
        .unwrap();
    let m = now.iter().find(|m| m.uscc == open).unwrap();
    assert_eq!(
        (m.stage, m.contacted_on.as_deref()),
        (Stage::Contacted, Some("2026-11-20"))
    );
    // Backwards is refused with the reason on the page; a missing CSRF token is refused.
    let r = post(format!("csrf={tok}&uscc={open}&stage=suggested"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("cannot move"));
    let r = post(format!("uscc={open}&stage=meeting")).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Posting a need from the page; a bad deadline keeps the answers.
    let form = |extra: &str| {
        http.post(format!("{base}/needs"))
            .header(header::COOKIE, head.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!(
                "csrf={tok}&kind=supplier_localisation&title_en=Titanium+fasteners&clusters=aviation&certifications=AS9100{extra}"
            ))
            .send()
    };
    let r = form("&deadline=2020-01-01").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("deadline") && html.contains("value=\"Titanium fasteners\""));
    let r = form("&deadline=2027-02-01").await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/needs/"));

    // The needs page is paged, newest first: 50 a page, then the rest with a link back.
    let head_p = corridor_app::auth::principal_of(
        &e.store
            .user_by_name("head.aviation")
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let mine = e.app.needs(&head_p, 1, 1).await.unwrap().total;
    let extra = 51 - mine;
    for i in 0..extra {
        let mut spec = sealant_need();
        spec.title_en = format!("Paged need {i:02}");
        e.app
            .create_need(
                &head_p,
                NewNeed {
                    owner_uscc: None,
                    call_id: None,
                    deadline: None,
                    spec,
                    unknown: Default::default(),
                },
            )
            .await
            .unwrap();
    }
    let (_, html) = page("/needs?lang=en".into(), head.clone()).await;
    assert!(html.contains("51 needs · page 1/2"), "{html}");
    assert_eq!(html.matches("<tr><td><a href=\"/needs/").count(), 50);
    assert!(
        html.contains(&format!("Paged need {:02}", extra - 1)),
        "newest first"
    );
    assert!(html.contains("href=\"/needs?page=2\" rel=\"next\""));
    let (st, html) = page("/needs?page=2".into(), head.clone()).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(html.matches("<tr><td><a href=\"/needs/").count(), 1);
    assert!(html.contains("href=\"/needs?page=1\" rel=\"prev\""));
    assert!(!html.contains("rel=\"next\""));
    let (st, _) = page("/needs?page=x".into(), head.clone()).await;
    assert_eq!(st, StatusCode::OK, "a bad page number shows the first page");

    // Outcomes: the head enterprise sees its own; the office all three; a clerk nothing.
    let (st, html) = page("/industry/outcomes".into(), head.clone()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("Shanghai Yunzhou Aircraft")
            && !html.contains("Suzhou Xinyuan Semiconductor")
    );
    assert!(html.contains("Partner reserve"));
    let (office, _) = page_session(&http, &base, "office").await;
    let (_, html) = page("/industry/outcomes".into(), office).await;
    assert!(html.contains("Suzhou Xinyuan Semiconductor") && html.contains("Hefei Zhisuanyun"));
    let (clerk, _) = page_session(&http, &base, "clerk.330400").await;
    let (st, _) = page("/needs".into(), clerk).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    e.cleanup().await;
}

/// `corridor enterprises import/export/generate` and `corridor search reindex/query`.
#[test]
fn enterprise_commands() {
    use crate::cli::{corridor, tmp};
    let d = tmp();
    std::fs::create_dir_all(&d).unwrap();
    let csv = d.join("firms.csv");
    let o = corridor(
        &d,
        &[
            "enterprises",
            "generate",
            csv.to_str().unwrap(),
            "--count",
            "2000",
            "--seed",
            "5",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Two bad rows appended: a wrong check character and an unknown cluster.
    let mut text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let bad1 = lines[1].replacen(&lines[1][..18], "91330400MA28L0001X", 1);
    let bad2 = lines[2]
        .replace(",new_materials,", ",quantum,")
        .replace(",aviation,", ",quantum,")
        .replace(",biomedicine,", ",quantum,")
        .replace(",new_energy,", ",quantum,")
        .replace(",integrated_circuits,", ",quantum,")
        .replace(",artificial_intelligence,", ",quantum,")
        .replace(",satellite_internet,", ",quantum,")
        .replace(",high_end_equipment,", ",quantum,");
    text.push_str(&format!("{bad1}\n{bad2}\n"));
    std::fs::write(&csv, &text).unwrap();
    let o = corridor(&d, &["enterprises", "import", csv.to_str().unwrap()], None);
    let err = String::from_utf8_lossy(&o.stderr);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "{out}{err}");
    assert!(err.contains("line 2002: uscc"), "{err}");
    assert!(err.contains("line 2003: cluster"), "{err}");
    assert!(
        out.contains("2000 new") && out.contains("2 rows refused"),
        "{out}"
    );
    // Idempotent.
    let o = corridor(&d, &["enterprises", "import", csv.to_str().unwrap()], None);
    assert!(String::from_utf8_lossy(&o.stdout).contains("0 new, 0 changed, 2000 unchanged"));
    // Export as JSON Lines and import that into a fresh store: the same registry.
    let jl = d.join("out.jsonl");
    let o = corridor(&d, &["enterprises", "export", jl.to_str().unwrap()], None);
    assert!(o.status.success());
    assert_eq!(std::fs::read_to_string(&jl).unwrap().lines().count(), 2000);
    let d2 = tmp();
    let o = corridor(&d2, &["enterprises", "import", jl.to_str().unwrap()], None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = corridor(&d2, &["enterprises", "export", "--format", "csv"], None);
    let mut a: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(String::from)
        .collect();
    let mut b: Vec<String> = text.lines().take(2001).map(String::from).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "export → import → export gives the same rows");
    // The index is rebuilt from the database and searched from the command line.
    let o = corridor(&d, &["search", "reindex"], None);
    assert!(String::from_utf8_lossy(&o.stdout).contains("2000 enterprises indexed"));
    let o = corridor(&d, &["search", "query", "光刻胶", "--json"], None);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["items"][0]["name_zh"], "苏州晶辉光刻材料有限公司");
    let o = corridor(
        &d,
        &[
            "search",
            "query",
            "--cluster",
            "aviation",
            "--json",
            "--limit",
            "1",
        ],
        None,
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["total"], v["facets"]["cluster"]["aviation"]);
    // Unreadable input: a clear message and a non-zero exit, nothing lost.
    let o = corridor(&d, &["enterprises", "import", "/nonexistent.csv"], None);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("cannot open"));
    let o = corridor(
        &d,
        &[
            "enterprises",
            "import",
            jl.to_str().unwrap().trim_end_matches(".jsonl"),
        ],
        None,
    );
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("--format"));
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::remove_dir_all(&d2);
}

/// PostgreSQL numbers outbox entries at insert, and transactions commit in any order: an entry
/// with a lower number can become visible after a higher one was applied. It must still reach
/// the index (found by the SIGKILL crash test; the writer used to forget "everything up to N").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_entries_committed_out_of_order_reach_the_index() {
    let Some(e) = env(Backend::Postgres, date!(2026 - 11 - 23)).await else {
        return;
    };
    let office = staff(Role::JointOffice);
    let firms = generate::enterprises(3, 4);
    let row = corridor_app::industry::row_of(&firms[0]).unwrap();
    // A slow transaction takes the lower outbox number and stays open…
    let mut slow = e.store.begin_write().await.unwrap();
    corridor_store::Store::upsert_enterprises_in(&mut slow, std::slice::from_ref(&row), 0)
        .await
        .unwrap();
    // …while a later change commits and is applied.
    e.app.upsert_enterprises(&firms[1..]).await.unwrap();
    e.app.sync_search().await.unwrap();
    assert_eq!(e.app.industry().index.len(), 2);
    // The writer's steps, with the slow transaction committing between reading a batch and
    // forgetting it: only the entries read are forgotten.
    let mut more = [firms[2].clone()];
    // (The server's own writer polls too; should it take the entry first, write another.)
    let batch = loop {
        more[0].capabilities_en.push_str(" zq");
        e.store
            .upsert_enterprises(&[corridor_app::industry::row_of(&more[0]).unwrap()], 1)
            .await
            .unwrap();
        let b = e.store.outbox_batch(100).await.unwrap();
        if !b.is_empty() {
            break b;
        }
    };
    assert!(
        batch.iter().all(|b| b.1 != firms[0].uscc),
        "not visible yet"
    );
    slow.commit().await.unwrap();
    let seqs: Vec<i64> = batch.iter().map(|b| b.0).collect();
    e.store.outbox_done(&seqs).await.unwrap();
    e.app.sync_search().await.unwrap();
    assert_eq!(e.app.industry().index.len(), 3);
    let r = e
        .app
        .search_enterprises(&office, &q(&firms[0].name_zh, |_| {}))
        .await
        .unwrap();
    assert_eq!(r.items[0].uscc, firms[0].uscc);
    assert_eq!(e.store.outbox_len().await.unwrap(), 0);
    e.cleanup().await;
}
