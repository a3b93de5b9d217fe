//! Joint filings (issue #27 points 2 and 4): a provident-fund transfer whose two parts are
//! decided by the fund centres of the city it leaves and the city it joins, each in its own
//! queue, ended by any refusal; and an investment project's four permits filed once at a
//! window, each decided by its authority in parallel, with one deadline for the whole.

use crate::cases::{act, attach_required};
use crate::helpers::{applicant, clerk, env, reviewer, staff, Backend, FILER_ID};
use corridor_app::cases::CaseQuery;
use corridor_app::joint::FileJoint;
use corridor_app::ErrorCode;
use corridor_domain::case::{Action, Role, Status, FILER_FIELDS};
use corridor_domain::catalogue::{Matter, ServiceMode};
use corridor_domain::joint::{JointKind, Outcome};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::macros::date;

const HEFEI: &str = "340100";
const SONGJIANG: &str = "310117";

fn sample(m: &Matter, seed: u64) -> BTreeMap<String, Value> {
    let mut form = corridor_app::demo::sample_form(m, SONGJIANG, date!(2026 - 11 - 02), seed);
    for key in FILER_FIELDS {
        if form.contains_key(key) {
            form.insert(key.to_string(), FILER_ID.into());
        }
    }
    form
}

fn transfer(app: &corridor_app::App, m: &Matter, from: &str, to: &str) -> FileJoint {
    corridor_app::demo::transfer_filing(app, &m.code, (from, to), FILER_ID)
}

async fn queue(app: &corridor_app::App, who: &corridor_domain::case::Principal) -> Vec<uuid::Uuid> {
    app.list_cases(who, &CaseQuery::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| c.id)
        .collect()
}

pub async fn multi_site_parts_decided_by_each_city(backend: Backend) {
    let today = date!(2026 - 11 - 02);
    let Some(env) = env(backend, today).await else {
        return;
    };
    let app = &env.app;
    let r = app.reference();
    let m = r.current_matter("G60-HPF-003").unwrap().clone();
    assert_eq!(m.parts.len(), 2);
    let me = applicant();

    // Filed once online: the Hefei fund centre releases, Songjiang's takes in.
    let j = app
        .file_joint(&me, transfer(app, &m, HEFEI, SONGJIANG))
        .await
        .unwrap();
    assert_eq!(j.kind, JointKind::MultiSite);
    assert_eq!(j.parts.len(), 2);
    let (out, inn) = (&j.parts[0], &j.parts[1]);
    assert_eq!((out.key.as_str(), inn.key.as_str()), ("out", "in"));
    assert_eq!(out.competent_authority, "340100-hpf");
    assert_eq!(inn.competent_authority, "310117-hpf");
    assert_ne!(out.receipt_no, inn.receipt_no);
    assert!(out.status == Status::Submitted && inn.status == Status::Submitted);
    // One deadline for the whole (45 working days of joint handling), one promise, one each
    // part once accepted.
    assert_eq!(j.deadline, "2027-01-04", "{}", j.deadline);
    assert_eq!(j.promised_deadline, "2026-11-05");
    assert_eq!((j.progress.total, j.progress.decided), (2, 0));
    assert_eq!(j.outcome, None);

    // Each part is in its own authority's queue only.
    let hefei = reviewer("340100-hpf");
    let songjiang = reviewer("310117-hpf");
    assert_eq!(queue(app, &hefei).await, vec![out.case_id]);
    assert_eq!(queue(app, &songjiang).await, vec![inn.case_id]);
    // Each reviewer sees the filing, may open its own part only; a stranger sees nothing.
    let seen = app.get_joint(&hefei, j.id).await.unwrap();
    assert!(seen.parts[0].may_open && !seen.parts[1].may_open);
    let e = app.get_joint(&applicant(), j.id).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = app.get_case(&songjiang, out.case_id).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    // The part's case names its filing.
    let c = app.get_case(&me, out.case_id).await.unwrap();
    assert_eq!(
        (c.joint_id, c.part_key.as_deref()),
        (Some(j.id), Some("out"))
    );

    // Hefei decides its part: the whole waits for Songjiang.
    for p in &j.parts {
        attach_required(app, &me, p.case_id).await;
    }
    app.act(&hefei, out.case_id, act(Action::Accept))
        .await
        .unwrap();
    let c = app.get_case(&hefei, out.case_id).await.unwrap();
    assert_eq!(c.deadline.as_deref(), Some("2026-11-16")); // the part's own: 10 working days
    app.act(&hefei, out.case_id, act(Action::Approve))
        .await
        .unwrap();
    let now = app.get_joint(&me, j.id).await.unwrap();
    assert_eq!((now.progress.decided, now.progress.approved), (1, 1));
    assert_eq!(now.outcome, None);
    app.act(&songjiang, inn.case_id, act(Action::Accept))
        .await
        .unwrap();
    app.act(&songjiang, inn.case_id, act(Action::Approve))
        .await
        .unwrap();
    let done = app.get_joint(&me, j.id).await.unwrap();
    assert_eq!(done.outcome, Some(Outcome::Approved));
    assert_eq!(
        done.outcome_receipt.as_deref(),
        Some(inn.receipt_no.as_str())
    );
    assert!(done.decided_at.is_some() && !done.overdue);
    // The applicant is told the whole is decided, besides each part's decision.
    let told = app.notices(&me, None, None).await.unwrap();
    assert_eq!(
        told.items[0].kind,
        corridor_domain::notice::NoticeKind::JointEnded
    );
    assert!(
        told.items[0].subject.contains("全部批准"),
        "{}",
        told.items[0].subject
    );

    // A second transfer: Songjiang refuses its part; the whole is refused with the reason and
    // Hefei's part, still open, ends with it (withdrawn, saying why).
    let j2 = app
        .file_joint(&me, transfer(app, &m, HEFEI, SONGJIANG))
        .await
        .unwrap();
    for p in &j2.parts {
        attach_required(app, &me, p.case_id).await;
    }
    app.act(&hefei, j2.parts[0].case_id, act(Action::Accept))
        .await
        .unwrap();
    app.act(&songjiang, j2.parts[1].case_id, act(Action::Accept))
        .await
        .unwrap();
    let mut no = act(Action::Reject);
    no.reason = Some("转入地缴存记录不符 / contributions in the joining city do not match".into());
    app.act(&songjiang, j2.parts[1].case_id, no).await.unwrap();
    let refused = app.get_joint(&me, j2.id).await.unwrap();
    assert_eq!(refused.outcome, Some(Outcome::Refused));
    assert!(refused
        .outcome_reason
        .as_deref()
        .unwrap()
        .contains("do not match"));
    assert_eq!(refused.parts[0].status, Status::Withdrawn);
    assert!(refused.parts[0]
        .reason
        .as_deref()
        .unwrap()
        .contains(&j2.parts[1].receipt_no));
    assert_eq!(
        (refused.progress.decided, refused.progress.approved),
        (2, 0)
    );
    let e = app
        .act(&hefei, j2.parts[0].case_id, act(Action::Approve))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidTransition, "{e:?}");
    // The ended part's audit event says who ended it.
    let ev = app
        .case_events(&hefei, j2.parts[0].case_id, None, None)
        .await
        .unwrap();
    let last = ev.items.last().unwrap();
    assert_eq!(
        (last.actor.as_str(), last.role.as_str()),
        ("system", "joint")
    );
    let audit = app.verify_audit().await.unwrap();
    assert!(audit.first_break.is_none() && audit.first_bad_file.is_none());

    // A withdrawal of one part withdraws the whole.
    let j3 = app
        .file_joint(&me, transfer(app, &m, SONGJIANG, HEFEI))
        .await
        .unwrap();
    assert_eq!(j3.parts[0].competent_authority, "310117-hpf");
    app.act(&me, j3.parts[1].case_id, act(Action::Withdraw))
        .await
        .unwrap();
    let w = app.get_joint(&me, j3.id).await.unwrap();
    assert_eq!(w.outcome, Some(Outcome::Withdrawn));
    assert!(w.parts.iter().all(|p| p.status == Status::Withdrawn));

    // Lists: the applicant's three, the office's three (names masked), a reviewer's those
    // with a part in its authority.
    let mine = app.list_joints(&me, None, None).await.unwrap();
    assert_eq!(mine.total, 3);
    assert_eq!(mine.items[0].id, j3.id);
    let office = app
        .list_joints(&staff(Role::JointOffice), None, None)
        .await
        .unwrap();
    assert_eq!(office.total, 3);
    assert!(
        office.items[0].applicant_name.contains('*'),
        "{}",
        office.items[0].applicant_name
    );
    assert_eq!(app.list_joints(&hefei, None, None).await.unwrap().total, 3);
    // The joint office's figures: three multi-site filings, one of each ending.
    let figures = app
        .joint_figures(&staff(Role::JointOffice), Some("2026-11"))
        .await
        .unwrap();
    let ms = &figures[0];
    assert_eq!(ms.kind, Some(JointKind::MultiSite));
    let counts = (ms.filed, ms.open, ms.approved, ms.refused, ms.withdrawn);
    assert_eq!(counts, (3, 0, 1, 1, 1));
    assert_eq!(figures[1].filed, 0);
    let later = app
        .joint_figures(&staff(Role::Admin), Some("2026-12"))
        .await
        .unwrap();
    assert_eq!(later[0].filed, 0);
    let e = app.joint_figures(&hefei, None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e = app
        .joint_figures(&staff(Role::Admin), Some("2026-13"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
    assert_eq!(
        app.list_joints(&reviewer("320500-hpf"), None, None)
            .await
            .unwrap()
            .total,
        0
    );

    // Refusals: both parts in one city; a matter one authority decides; another mode.
    let e = app
        .file_joint(&me, transfer(app, &m, SONGJIANG, SONGJIANG))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::ValidationFailed);
    assert_eq!(e.fields[0].field, "to_city");
    let mut one = transfer(app, &m, HEFEI, SONGJIANG);
    one.code = "G60-MAR-001".into();
    assert_eq!(
        app.file_joint(&me, one).await.unwrap_err().code,
        ErrorCode::BadRequest
    );
    let mut online = transfer(app, &m, HEFEI, SONGJIANG);
    online.mode = Some(ServiceMode::FullyOnline);
    let e = app.file_joint(&me, online).await.unwrap_err();
    assert_eq!(e.fields[0].field, "mode");
    let mut missing = transfer(app, &m, HEFEI, SONGJIANG);
    missing.code = "G60-XXX-999".into();
    assert_eq!(
        app.file_joint(&me, missing).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    // Filed as a single case in multi-site mode, it is sent to the joint form.
    let single = corridor_app::filing::FileCase {
        matter_code: m.code.clone(),
        competent_city: SONGJIANG.into(),
        mode: ServiceMode::MultiSite,
        window_id: None,
        form: transfer(app, &m, HEFEI, SONGJIANG).form,
        identity_checked: false,
        identity_seen: None,
    };
    let e = app.file_case(&me, single).await.unwrap_err();
    assert_eq!(
        (e.code, e.fields[0].field.as_str()),
        (ErrorCode::BadRequest, "mode")
    );
    let mut long = transfer(app, &m, HEFEI, SONGJIANG);
    long.code = "G60-".repeat(5000);
    let e = app.file_joint(&me, long).await.unwrap_err();
    assert_eq!(
        (e.code, e.fields[0].field.as_str()),
        (ErrorCode::ValidationFailed, "code")
    );
    assert!(e.detail.len() < 200);
    // Nothing was kept of the refused filings.
    assert_eq!(app.list_joints(&me, None, None).await.unwrap().total, 3);
    env.cleanup().await;
}

/// The bundle's one form: every member's sample answers, the shared ones once.
fn bundle_form(app: &corridor_app::App, code: &str) -> BTreeMap<String, Value> {
    let r = app.reference();
    let b = r.bundle(code).unwrap();
    let mut form = BTreeMap::new();
    for m in b.members(&r.current).unwrap() {
        for (k, v) in sample(m, 2) {
            form.entry(k).or_insert(v);
        }
    }
    form
}

pub async fn bundle_filed_once_decided_in_parallel(backend: Backend) {
    let today = date!(2026 - 11 - 02);
    let Some(env) = env(backend, today).await else {
        return;
    };
    let app = &env.app;
    let bundles = app.bundles();
    let b = bundles
        .iter()
        .find(|b| b.bundle.code == "G60-BUN-001")
        .unwrap();
    assert_eq!(b.bundle.matters.len(), 4);
    assert_eq!(b.modes, vec![ServiceMode::RemoteReceipt]);
    // The shared fields are asked once.
    let uscc = b
        .fields
        .iter()
        .filter(|f| f.key == "applicant_uscc")
        .count();
    assert_eq!(uscc, 1);

    // An investor's project in Songjiang, filed once at a Hefei window.
    let k = clerk("340100-W01");
    let req = || FileJoint {
        kind: JointKind::Bundle,
        code: "G60-BUN-001".into(),
        competent_city: SONGJIANG.into(),
        mode: None,
        window_id: None,
        form: bundle_form(app, "G60-BUN-001"),
        identity_checked: true,
        identity_seen: None,
    };
    // Bad input: each problem named once, nothing stored.
    let mut bad = req();
    bad.form.remove("enterprise_name");
    bad.form.insert("nonsense".into(), json!("x"));
    let e = app.file_joint(&k, bad).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ValidationFailed);
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["nonsense", "enterprise_name"], "{fields:?}");
    let mut online = req();
    online.mode = Some(ServiceMode::FullyOnline);
    assert_eq!(
        app.file_joint(&k, online).await.unwrap_err().fields[0].field,
        "mode"
    );
    let mut unchecked = req();
    unchecked.identity_checked = false;
    assert_eq!(
        app.file_joint(&k, unchecked).await.unwrap_err().fields[0].field,
        "identity_checked"
    );
    let mut nowhere = req();
    nowhere.competent_city = "110000".into();
    assert_eq!(
        app.file_joint(&k, nowhere).await.unwrap_err().code,
        ErrorCode::BadRequest
    );

    let j = app.file_joint(&k, req()).await.unwrap();
    assert_eq!(j.kind, JointKind::Bundle);
    let auths: Vec<&str> = j
        .parts
        .iter()
        .map(|p| p.competent_authority.as_str())
        .collect();
    assert_eq!(
        auths,
        [
            "310117-resources",
            "310117-resources",
            "310117-eco",
            "310117-housing"
        ]
    );
    assert!(j.parts.iter().all(|p| p.status == Status::Received));
    assert_eq!(j.deadline, "2027-01-04");
    assert_eq!(j.promised_deadline, "2026-11-23");
    assert_eq!(j.receiving_city, HEFEI);
    // Each matter got its own share of the form: the project's fields only where asked.
    let eco = app.get_case(&k, j.parts[2].case_id).await.unwrap();
    assert!(eco.form.get("project_name").is_some());
    // Received at the window when filed there: the hand-off is timed from then.
    assert_eq!(eco.received_at.as_deref(), Some(eco.filed_at.as_str()));
    let permit = app.get_case(&k, j.parts[3].case_id).await.unwrap();
    assert!(permit.form.get("project_name").is_none());
    assert_eq!(permit.form["enterprise_name"], eco.form["enterprise_name"]);

    // The window hands each part in with its materials; each authority decides in parallel.
    for p in &j.parts {
        attach_required(app, &k, p.case_id).await;
        app.act(&k, p.case_id, act(Action::Forward)).await.unwrap();
    }
    let office = staff(Role::JointOffice);
    for (i, p) in j.parts.iter().enumerate().rev() {
        let who = reviewer(&p.competent_authority);
        app.act(&who, p.case_id, act(Action::Accept)).await.unwrap();
        app.act(&who, p.case_id, act(Action::Approve))
            .await
            .unwrap();
        let seen = app.get_joint(&office, j.id).await.unwrap();
        assert_eq!(seen.progress.decided, j.parts.len() - i);
        assert_eq!(
            seen.outcome,
            (i == 0).then_some(Outcome::Approved),
            "after {} approvals",
            j.parts.len() - i
        );
    }
    let open = app.joint_figures(&office, None).await.unwrap();
    assert_eq!(
        (open[1].filed, open[1].approved, open[1].overdue),
        (1, 1, 0)
    );
    // The window sees the filing it received; the office the whole, masked.
    let w = app.get_joint(&k, j.id).await.unwrap();
    assert!(w.parts.iter().all(|p| p.may_open));
    assert_eq!(app.list_joints(&k, None, None).await.unwrap().total, 1);
    let audit = app.verify_audit().await.unwrap();
    assert!(audit.first_break.is_none() && audit.first_bad_file.is_none());
    env.cleanup().await;
}

crate::both_backends!(
    multi_site_parts_decided_by_each_city,
    crate::joint::multi_site_parts_decided_by_each_city
);
crate::both_backends!(
    bundle_filed_once_decided_in_parallel,
    crate::joint::bundle_filed_once_decided_in_parallel
);
