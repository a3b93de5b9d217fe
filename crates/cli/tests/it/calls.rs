//! Open calls, the office's review, the reverse ranking and proposals through the pipeline, on
//! both backends (see docs/INDUSTRY.md).

use crate::accounts::{chain_is, fields, page_cookie};
use crate::both_backends;
use crate::helpers::refused;
use crate::helpers::{enterprise_account as account, env, staff, Backend, Go};
use corridor_app::documents::NewFile;
use corridor_app::industry::{
    FitQuery, NewCall, NewNeed, NewProposal, Review, ReviewDecision, StageMove,
};
use corridor_app::ErrorCode;
use corridor_domain::case::Role;
use corridor_domain::materials::sample;
use corridor_industry::generate;
use corridor_industry::matching::{NeedKind, NeedSpec, Stage};
use corridor_industry::Cluster;
use serde_json::{json, Value};
use time::macros::date;

fn spec(kind: NeedKind, zh: &str, en: &str, clusters: &[Cluster]) -> NeedSpec {
    NeedSpec {
        kind,
        title_zh: zh.into(),
        title_en: en.into(),
        description_zh: String::new(),
        description_en: String::new(),
        certifications: vec![],
        clusters: clusters.to_vec(),
        industries: vec![],
        cities: vec![],
    }
}

/// A call with needs from a firm that is not a head enterprise: its scope and dates checked;
/// the office approves one and refuses one with a note; nobody else sees a need before it is
/// approved; each firm sees the open needs that fit it, ranked the other way round and
/// explained; a proposal with a document enters the owner's pipeline beside its ranked
/// candidates and moves through it; the proposal is seen by its firm, the need's owner and the
/// office only.
async fn calls(backend: Backend) {
    let Some(e) = env(backend, date!(2027 - 03 - 01)).await else {
        return;
    };
    let mut firms = generate::enterprises(40, 17);
    for f in &mut firms {
        f.flags.head = false;
    }
    // The poster, an SME; the answerer, whose profile is about the need; an unrelated firm.
    firms[0].capabilities_zh = "复合材料构件制造".into();
    firms[1].capabilities_zh = "等离子喷涂热障涂层、航空发动机叶片涂层修复".into();
    firms[1].capabilities_en = "Plasma-sprayed thermal barrier coatings for turbine blades".into();
    firms[1].cluster = Cluster::Aviation;
    firms[2].capabilities_zh = "生物医药冷链物流".into();
    firms[2].capabilities_en = "Cold-chain logistics for biologics".into();
    firms[2].cluster = Cluster::Biomedicine;
    e.app.upsert_enterprises(&firms).await.unwrap();
    e.app.sync_search().await.unwrap();
    let sme = account(&e, "sme.c", Some(&firms[0].uscc)).await;
    let coater = account(&e, "coater.c", Some(&firms[1].uscc)).await;
    let other = account(&e, "other.c", Some(&firms[2].uscc)).await;
    let office = staff(Role::JointOffice);
    let call = |opens: &str, closes: &str, clusters: Vec<Cluster>| NewCall {
        title_zh: "2027年度关键技术需求征集".into(),
        title_en: "Key technology needs, 2027".into(),
        scope_zh: "航空与新材料".into(),
        scope_en: String::new(),
        clusters,
        kinds: vec![NeedKind::BottleneckTechnology],
        opens: opens.into(),
        closes: closes.into(),
    };
    // The office opens calls; an enterprise cannot; dates and scope are checked.
    let scope = vec![Cluster::Aviation, Cluster::NewMaterials];
    assert_eq!(
        refused(
            e.app
                .create_call(&sme, &call("2027-02-01", "2027-04-30", scope.clone()))
        )
        .await,
        ErrorCode::Forbidden
    );
    let err = e
        .app
        .create_call(&office, &call("2027-04-01", "2027-03-01", vec![]))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["clusters", "closes"]);
    let c = e
        .app
        .create_call(&office, &call("2027-02-01", "2027-04-30", scope.clone()))
        .await
        .unwrap();
    assert!(c.open);
    let later = e
        .app
        .create_call(&office, &call("2027-06-01", "2027-06-30", scope.clone()))
        .await
        .unwrap();
    assert!(!later.open);
    // The SME (no head enterprise) posts into the call; outside a call it may not.
    let need = |call: Option<&str>, spec: NeedSpec| NewNeed {
        owner_uscc: None,
        call_id: call.map(String::from),
        deadline: Some("2027-04-15".into()),
        spec,
        unknown: Default::default(),
    };
    let tbc = spec(
        NeedKind::BottleneckTechnology,
        "航空发动机叶片热障涂层修复工艺",
        "Repair of thermal barrier coatings on engine blades",
        &[Cluster::Aviation],
    );
    assert_eq!(
        refused(e.app.create_need(&sme, need(None, tbc.clone()))).await,
        ErrorCode::Forbidden
    );
    for (call_id, s, field) in [
        (later.id.as_str(), tbc.clone(), "call_id"),
        (
            c.id.as_str(),
            NeedSpec {
                kind: NeedKind::SupplierLocalisation,
                ..tbc.clone()
            },
            "kind",
        ),
        (
            c.id.as_str(),
            NeedSpec {
                clusters: vec![Cluster::Biomedicine],
                ..tbc.clone()
            },
            "clusters",
        ),
    ] {
        let err = e
            .app
            .create_need(&sme, need(Some(call_id), s))
            .await
            .unwrap_err();
        assert_eq!(fields(&err), [field]);
    }
    let n = e
        .app
        .create_need(&sme, need(Some(&c.id), tbc.clone()))
        .await
        .unwrap();
    let entry = n.call.as_ref().unwrap();
    assert_eq!(
        (entry.review, entry.call_id.as_str()),
        (Review::Pending, c.id.as_str())
    );
    let weak = e
        .app
        .create_need(
            &sme,
            need(
                Some(&c.id),
                spec(
                    NeedKind::BottleneckTechnology,
                    "复合材料",
                    "",
                    &[Cluster::NewMaterials],
                ),
            ),
        )
        .await
        .unwrap();
    // Before review: only the owner and the office see it.
    assert_eq!(
        e.app.need(&coater, &n.id).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    assert!(e.app.call_needs(&coater, &c.id).await.unwrap().is_empty());
    assert_eq!(e.app.call_needs(&sme, &c.id).await.unwrap().len(), 2);
    assert_eq!(e.app.call(&office, &c.id).await.unwrap().needs.pending, 2);
    let fit = |p| {
        let app = e.app.clone();
        async move { app.needs_for_firm(&p, &FitQuery::default()).await.unwrap() }
    };
    assert!(fit(coater.clone()).await.is_empty());
    // The review: the office only; a refusal says why; once only.
    let review = |review, note: &str| ReviewDecision {
        review,
        note: note.into(),
    };
    assert_eq!(
        refused(
            e.app
                .review_need(&sme, &n.id, &review(Review::Approved, ""))
        )
        .await,
        ErrorCode::Forbidden
    );
    let err = e
        .app
        .review_need(&office, &weak.id, &review(Review::Refused, ""))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["note"]);
    let sent_back = e
        .app
        .review_need(&office, &weak.id, &review(Review::Refused, "需求描述不足"))
        .await
        .unwrap();
    assert_eq!(sent_back.call.unwrap().note, "需求描述不足");
    let v = e
        .app
        .review_need(&office, &n.id, &review(Review::Approved, ""))
        .await
        .unwrap();
    assert_eq!(v.call.unwrap().review, Review::Approved);
    assert_eq!(
        refused(
            e.app
                .review_need(&office, &n.id, &review(Review::Refused, "x"))
        )
        .await,
        ErrorCode::InvalidTransition
    );
    // Approved: every confirmed firm reads it; the refused one stays the owner's.
    assert_eq!(e.app.need(&other, &n.id).await.unwrap().id, n.id);
    assert_eq!(
        e.app.need(&other, &weak.id).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    let listed = e.app.call_needs(&other, &c.id).await.unwrap();
    assert_eq!(listed.iter().map(|x| &x.id).collect::<Vec<_>>(), [&n.id]);
    // The reverse ranking: the coater sees the need, explained by its own words found in the
    // need, its signals adding up to the score; the unrelated firm does not see it; the owner
    // is not shown its own need; one firm cannot ask for another's, the office can.
    let mine = fit(coater.clone()).await;
    assert_eq!(mine.len(), 1);
    let top = &mine[0];
    assert_eq!((top.rank, top.need.id.as_str()), (1, n.id.as_str()));
    assert!(
        top.matched["title_zh"].iter().any(|w| w.contains("涂层")),
        "{:?}",
        top.matched
    );
    assert!(top.matched.contains_key("title_en"));
    let sum: f32 = top.signals.iter().map(|s| s.contribution).sum();
    assert!((sum - top.score).abs() < 1e-4);
    assert!(fit(other.clone()).await.is_empty());
    assert!(fit(sme.clone()).await.is_empty());
    let theirs = FitQuery {
        uscc: Some(firms[1].uscc.clone()),
        ..Default::default()
    };
    assert_eq!(
        refused(e.app.needs_for_firm(&other, &theirs)).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        e.app.needs_for_firm(&office, &theirs).await.unwrap().len(),
        1
    );
    // A proposal: a text is required; the owner cannot answer its own need; once a firm.
    let body = |s: &str| NewProposal { body: s.into() };
    let err = e.app.propose(&coater, &n.id, &body(" ")).await.unwrap_err();
    assert_eq!(fields(&err), ["body"]);
    assert_eq!(
        refused(e.app.propose(&sme, &n.id, &body("自己的"))).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        refused(e.app.propose(&coater, &weak.id, &body("方案"))).await,
        ErrorCode::NotFound
    );
    let pr = e
        .app
        .propose(
            &coater,
            &n.id,
            &body("采用超音速火焰喷涂修复叶片涂层，已完成台架试验。联系人刘工 13912345678。"),
        )
        .await
        .unwrap();
    assert_eq!(pr.stage, Some(Stage::Suggested));
    // The parties read it whole; the joint office with the contact's number masked.
    let whole = "联系人刘工 13912345678";
    assert!(pr.body.contains(whole));
    let owners = e.app.proposals_of_need(&sme, &n.id).await.unwrap();
    assert!(owners[0].body.contains(whole), "{}", owners[0].body);
    let at_office = e.app.proposals_of_need(&office, &n.id).await.unwrap();
    assert!(
        at_office[0].body.contains("联系人刘工 139****5678"),
        "{}",
        at_office[0].body
    );
    let one = e.app.proposal(&office, &pr.id).await.unwrap();
    assert!(!one.body.contains("13912345678"), "{}", one.body);
    assert_eq!(
        refused(e.app.propose(&coater, &n.id, &body("再来一份"))).await,
        ErrorCode::Conflict
    );
    // Its documents: the proposing firm adds them (told from the content).
    let pdf = sample::pdf("test report: thermal barrier coating repair", 0);
    let doc = e
        .app
        .add_proposal_file(
            &coater,
            &pr.id,
            NewFile::new("台架试验报告.pdf", pdf.clone()),
        )
        .await
        .unwrap();
    assert_eq!(doc.sha256, corridor_store::sha256_hex(&pdf));
    assert_eq!(
        refused(e.app.add_proposal_file(
            &coater,
            &pr.id,
            NewFile::new("x.pdf", b"not a pdf".to_vec())
        ))
        .await,
        ErrorCode::FileRefused
    );
    assert_eq!(
        refused(
            e.app
                .add_proposal_file(&sme, &pr.id, NewFile::new("x.pdf", pdf.clone()))
        )
        .await,
        ErrorCode::Forbidden
    );
    // The owner sees it beside its ranked candidates and moves it through the pipeline.
    let ranked = e.app.rank_need(&sme, &n.id, 20).await.unwrap();
    let cand = ranked
        .iter()
        .find(|c| c.hit.uscc == firms[1].uscc)
        .expect("the proposer is among the ranked candidates");
    assert_eq!(
        (cand.proposal.as_deref(), cand.stage),
        (Some(pr.id.as_str()), Some(Stage::Suggested))
    );
    let listed = e.app.proposals_of_need(&sme, &n.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].documents.len(), 1);
    let mv = StageMove {
        uscc: firms[1].uscc.clone(),
        stage: Stage::Contacted,
        on: None,
        note: None,
    };
    e.app.move_match(&sme, &n.id, mv).await.unwrap();
    assert_eq!(
        e.app.proposal(&coater, &pr.id).await.unwrap().stage,
        Some(Stage::Contacted)
    );
    let (_, bytes) = e.app.proposal_file(&sme, &pr.id, &doc.id).await.unwrap();
    assert_eq!(bytes, pdf);
    // Access: the other firm sees neither the proposal nor its file nor the need's list; the
    // office sees all; the proposer lists its own.
    assert_eq!(
        e.app.proposal(&other, &pr.id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    assert!(e.app.proposal_file(&other, &pr.id, &doc.id).await.is_err());
    assert_eq!(
        refused(e.app.proposals_of_need(&other, &n.id)).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        e.app.proposals_of_need(&office, &n.id).await.unwrap().len(),
        1
    );
    assert_eq!(e.app.my_proposals(&coater).await.unwrap().len(), 1);
    assert!(e.app.my_proposals(&other).await.unwrap().is_empty());
    assert_eq!(
        fit(coater.clone()).await[0].proposal.as_deref(),
        Some(pr.id.as_str())
    );
    chain_is(&e, &format!("proposal:{}", pr.id), &["add_document"]).await;
    // Over HTTP: the open needs for the signed-in firm, a proposal refused as problem JSON.
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let tok: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "other.c", "password": "long-enough-pw"}))
        .value()
        .await;
    let tok = tok["token"].as_str().unwrap().to_string();
    let fits: Value = http
        .get(format!("{base}/api/v1/open-needs"))
        .bearer_auth(&tok)
        .value()
        .await;
    assert_eq!(fits, json!([]));
    let r = http
        .post(format!("{base}/api/v1/needs/{}/proposals", n.id))
        .bearer_auth(&tok)
        .json(&json!({"body": ""}))
        .go()
        .await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "body");
    let calls: Value = http
        .get(format!("{base}/api/v1/calls"))
        .bearer_auth(&tok)
        .value()
        .await;
    assert_eq!(calls.as_array().unwrap().len(), 2);
    assert_eq!(calls[1]["needs"]["approved"], 1);
    assert_eq!(
        calls[1]["needs"]["pending"], 0,
        "counts of review are the office's"
    );
    // The pages: the firm's open needs ranked with the reasons; the need page's proposal form.
    let cookie = page_cookie(&http, &base, "coater.c", "en").await;
    let page = crate::web::page_text(&http, &format!("{base}/industry/open-needs"), &cookie).await;
    assert!(page.contains(&n.id) && page.contains("涂层"), "{page}");
    let page = crate::web::page_text(&http, &format!("{base}/needs/{}", n.id), &cookie).await;
    assert!(page.contains(r#"id="my-proposal""#), "{page}");
    let cookie = page_cookie(&http, &base, "sme.c", "zh").await;
    let page = crate::web::page_text(&http, &format!("{base}/needs/{}", n.id), &cookie).await;
    assert!(page.contains(r#"id="proposals""#) && page.contains("台架试验报告.pdf"));
    drop(_stop);
    // Withdrawn by its owner, the need takes no more proposals.
    let withdraw = corridor_app::industry::NeedUpdate {
        status: corridor_industry::matching::NeedStatus::Withdrawn,
    };
    e.app.update_need(&sme, &n.id, withdraw).await.unwrap();
    assert_eq!(
        refused(e.app.propose(&other, &n.id, &body("迟到的方案"))).await,
        ErrorCode::InvalidTransition
    );
    e.cleanup().await;
}
both_backends!(open_calls_reviewed_ranked_and_answered, super::calls);
