//! Joint-tackling projects on both backends (see docs/INDUSTRY.md).

use crate::accounts::{chain_is, fields, page_cookie};
use crate::both_backends;
use crate::helpers::refused;
use crate::helpers::{env, staff, Backend, Go};
use corridor_app::ErrorCode;
use corridor_domain::case::Role;
use corridor_industry::generate;
use time::macros::date;

/// Joint-tackling projects, on both backends: started from a bottleneck-technology need with a
/// qualified partner (an unqualified one, or another kind of need, refused); milestones, one
/// overdue and flagged; outcomes; completion only when every milestone is done; a member reads
/// but does not change it, an outsider does not see it, the office sees all; the counts; the
/// chain verifies.
async fn projects(backend: Backend) {
    use corridor_app::industry::{
        NewMilestone, NewNeed, NewProject, OutcomeKind, ProjectOp, StageMove,
    };
    use corridor_industry::matching::{NeedKind, NeedSpec, Stage};
    let Some(e) = env(backend, date!(2027 - 03 - 01)).await else {
        return;
    };
    let mut firms = generate::enterprises(30, 13);
    firms[0].flags.head = true;
    e.app.upsert_enterprises(&firms).await.unwrap();
    e.app.sync_search().await.unwrap();
    let head = crate::helpers::enterprise_account(&e, "head.p", Some(&firms[0].uscc)).await;
    let partner = crate::helpers::enterprise_account(&e, "partner.p", Some(&firms[1].uscc)).await;
    let outsider = crate::helpers::enterprise_account(&e, "out.p", Some(&firms[2].uscc)).await;
    let office = staff(Role::JointOffice);
    let spec = |kind| NeedSpec {
        kind,
        title_zh: "高纯光刻胶国产化攻关".into(),
        title_en: "Home-grown high-purity photoresist".into(),
        description_zh: "联合攻关 ArF 光刻胶".into(),
        description_en: "Joint work on ArF photoresist".into(),
        certifications: vec![],
        clusters: vec![corridor_industry::Cluster::IntegratedCircuits],
        industries: vec![],
        cities: vec![],
    };
    let need = |kind| NewNeed {
        owner_uscc: None,
        call_id: None,
        deadline: Some("2027-12-31".into()),
        spec: spec(kind),
        unknown: Default::default(),
    };
    let bottleneck = e
        .app
        .create_need(&head, need(NeedKind::BottleneckTechnology))
        .await
        .unwrap();
    let supply = e
        .app
        .create_need(&head, need(NeedKind::SupplierLocalisation))
        .await
        .unwrap();
    for (stage, on) in [
        (Stage::Suggested, "2027-01-05"),
        (Stage::Contacted, "2027-01-06"),
        (Stage::Meeting, "2027-01-10"),
        (Stage::Testing, "2027-01-20"),
        (Stage::Qualified, "2027-02-01"),
    ] {
        let mv = StageMove {
            uscc: firms[1].uscc.clone(),
            stage,
            on: Some(on.into()),
            note: None,
        };
        e.app.move_match(&head, &bottleneck.id, mv).await.unwrap();
    }
    let start = |need_id: &str, partners: &[&str]| NewProject {
        need_id: need_id.into(),
        partners: partners.iter().map(|s| s.to_string()).collect(),
        title: "ArF 光刻胶联合攻关".into(),
        milestones: vec![
            NewMilestone {
                title: "小试配方".into(),
                due: "2027-02-15".into(),
            },
            NewMilestone {
                title: "中试验证".into(),
                due: "2027-06-30".into(),
            },
        ],
    };
    // Refused: another kind of need; a partner not qualified; a member starting it.
    let err = e
        .app
        .start_project(&head, &start(&supply.id, &[&firms[1].uscc]))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["need_id"]);
    let err = e
        .app
        .start_project(&head, &start(&bottleneck.id, &[&firms[3].uscc]))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["partners"]);
    assert_eq!(
        refused(
            e.app
                .start_project(&partner, &start(&bottleneck.id, &[&firms[1].uscc]))
        )
        .await,
        ErrorCode::Forbidden
    );
    let p = e
        .app
        .start_project(&head, &start(&bottleneck.id, &[&firms[1].uscc]))
        .await
        .unwrap();
    // Today is 2027-03-01: the first milestone (due 2027-02-15) is overdue.
    assert_eq!(p.overdue, 1);
    assert!(p.milestones[0].overdue && !p.milestones[1].overdue);
    // The pages: the list with its counts, the project with the overdue milestone flagged; a
    // date to come is refused next to the milestones.
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let cookie = page_cookie(&http, &base, "head.p", "en").await;
    let list = crate::web::page_text(&http, &format!("{base}/industry/projects"), &cookie).await;
    assert!(
        list.contains("ArF 光刻胶联合攻关") && list.contains(r#"<strong class="bad">1</strong>"#)
    );
    let page = crate::web::page_text(
        &http,
        &format!("{base}/industry/projects/{}", p.id),
        &cookie,
    )
    .await;
    assert!(page.contains(r#"class="overdue""#) && page.contains(r#"id="milestone-form""#));
    let token = crate::web::csrf_in(&page).unwrap();
    let r = http
        .post(format!("{base}/industry/projects/{}", p.id))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(reqwest::header::COOKIE, &cookie)
        .body(format!(
            "csrf={token}&op=complete_milestone&index=0&on=2027-03-02"
        ))
        .go()
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(r#"id="on-error""#));
    drop(_stop);
    // The member reads it, does not change it; an outsider does not see it; the office does.
    assert_eq!(e.app.project(&partner, &p.id).await.unwrap().id, p.id);
    assert_eq!(
        refused(e.app.change_project(&partner, &p.id, &ProjectOp::Complete)).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        e.app.project(&outsider, &p.id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    assert!(e.app.projects(&outsider).await.unwrap().is_empty());
    assert_eq!(e.app.projects(&office).await.unwrap().len(), 1);
    // Not complete while a milestone is open; milestones done (not in the future), outcomes.
    assert_eq!(
        refused(e.app.change_project(&head, &p.id, &ProjectOp::Complete)).await,
        ErrorCode::InvalidTransition
    );
    let err = e
        .app
        .change_project(
            &head,
            &p.id,
            &ProjectOp::CompleteMilestone {
                index: 0,
                on: Some("2027-03-02".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["on"]);
    let v = e
        .app
        .change_project(
            &head,
            &p.id,
            &ProjectOp::CompleteMilestone {
                index: 0,
                on: Some("2027-02-20".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(v.overdue, 0);
    let counts = e.app.project_counts(&office).await.unwrap();
    assert_eq!(
        (
            counts.bottleneck_needs,
            counts.started,
            counts.completed,
            counts.overdue
        ),
        (1, 1, 0, 0)
    );
    e.app
        .change_project(
            &head,
            &p.id,
            &ProjectOp::AddOutcome {
                kind: OutcomeKind::Patent,
                text: "一种 ArF 光刻胶树脂的制备方法（申请号 CN2027100000001）".into(),
            },
        )
        .await
        .unwrap();
    e.app
        .change_project(
            &head,
            &p.id,
            &ProjectOp::CompleteMilestone { index: 1, on: None },
        )
        .await
        .unwrap();
    let done = e
        .app
        .change_project(&office, &p.id, &ProjectOp::Complete)
        .await
        .unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!(done.outcomes.len(), 1);
    assert_eq!(
        refused(e.app.change_project(&head, &p.id, &ProjectOp::Complete)).await,
        ErrorCode::InvalidTransition
    );
    assert_eq!(e.app.project_counts(&head).await.unwrap().completed, 1);
    chain_is(
        &e,
        &format!("project:{}", p.id),
        &[
            "start",
            "complete_milestone",
            "add_outcome",
            "complete_milestone",
            "complete",
        ],
    )
    .await;
    e.cleanup().await;
}
both_backends!(joint_tackling_projects_with_milestones, super::projects);
