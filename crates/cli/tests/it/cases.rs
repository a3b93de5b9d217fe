//! The conformance suite for cases: every test runs on SQLite and on PostgreSQL.

use crate::helpers::refused;
use crate::helpers::{applicant, clerk, env, reviewer, staff, Backend, LOCAL};
use corridor_app::cases::{ActOnCase, CaseQuery};
use corridor_app::documents::NewFile;
use corridor_app::filing::FileCase;
use corridor_app::{AppError, ErrorCode};
use corridor_domain::case::{Action, DueState, Principal, Role, Status};
use corridor_domain::catalogue::ServiceMode;
use corridor_domain::ids::Uscc;
use corridor_store::Store;
use serde_json::json;
use time::macros::date;

/// A Hefei enterprise's filing for a branch in Songjiang, at a Hefei window.
pub fn branch_filing(window: Option<&str>, mode: ServiceMode) -> FileCase {
    let hefei_firm = Uscc::with_check("91340100MA2TQ8K5X").unwrap();
    let form = json!({
        "applicant_uscc": hefei_firm.as_str(),
        "enterprise_name": "合肥启明新材料有限公司",
        "contact_name": "王伟",
        "contact_id": "11010519491231002X",
        "contact_phone": "13812345678",
        "parent_uscc": hefei_firm.as_str(),
        "branch_name": "合肥启明新材料有限公司松江分公司",
        "branch_address": "上海市松江区示例路1号",
        "business_scope": "新材料技术研发、技术服务",
        "person_in_charge": "李娜",
        "person_in_charge_id": "360426199101010071"
    });
    FileCase {
        matter_code: "G60-MAR-001".into(),
        competent_city: "310117".into(),
        mode,
        window_id: window.map(str::to_string),
        form: serde_json::from_value(form).unwrap(),
        identity_checked: false,
        identity_seen: None,
    }
}

pub fn act(action: Action) -> ActOnCase {
    ActOnCase {
        action,
        correct_materials: Vec::new(),
        correct_fields: Vec::new(),
        // The tests' cases are Songjiang's market regulator's: Suzhou's takes a transfer.
        to_authority: (action == Action::Transfer).then(|| "320500-market".to_string()),
        reason: action
            .needs_reason()
            .then(|| "测试理由 / test reason".to_string()),
        identity_checked: action == Action::Receive,
        identity_seen: None,
        form: None,
    }
}

/// Attaches a small scan for every required material of the case, as `who` (the receiving
/// clerk at the window, or the applicant online).
pub async fn attach_required(app: &corridor_app::App, who: &Principal, case: uuid::Uuid) {
    corridor_app::demo::attach_required(app, who, case)
        .await
        .unwrap();
}

/// Acts as `who`; before forwarding, the clerk attaches the required materials and marks
/// them.
pub async fn step(
    app: &corridor_app::App,
    who: &Principal,
    case: uuid::Uuid,
    a: Action,
) -> corridor_app::cases::CaseView {
    if a == Action::Forward {
        attach_required(app, who, case).await;
    }
    app.act(who, case, act(a)).await.unwrap()
}

fn code(e: AppError) -> ErrorCode {
    e.code
}

/// The scenario from the issue: Hefei → Songjiang, correction across the National Day holiday.
pub async fn scenario(backend: Backend) {
    let Some(env) = env(backend, date!(2026 - 09 - 21)).await else {
        return;
    };
    let app = &env.app;
    let ent = applicant();
    let hefei_clerk = clerk("340100-W01");
    let sj = reviewer("310117-market");
    let hz = reviewer("330100-market");
    let hf = reviewer("340100-market");

    // Filed at a Hefei window on Monday 21 September 2026.
    let c = app
        .file_case(
            &ent,
            branch_filing(Some("340100-W01"), ServiceMode::RemoteReceipt),
        )
        .await
        .unwrap();
    assert_eq!(c.status, Status::Submitted);
    assert!(
        c.receipt_no.starts_with("340100-20260921-"),
        "{}",
        c.receipt_no
    );
    assert_eq!(c.receiving_city, "340100");
    assert_eq!(c.competent_city, "310117");
    assert_eq!(c.competent_authority, "310117-market");
    assert!(c.cross_province);

    let c = app
        .act(&hefei_clerk, c.id, act(Action::Receive))
        .await
        .unwrap();
    assert_eq!(c.status, Status::Received);
    // Not forwarded without the required materials: the refusal names each one.
    let e = app
        .act(&hefei_clerk, c.id, act(Action::Forward))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::MaterialsMissing);
    assert!(
        e.detail.contains("Copy of the business licence"),
        "{}",
        e.detail
    );
    assert!(e.detail_zh.as_deref().unwrap().contains("营业执照副本"));
    let required = app
        .materials(&hefei_clerk, c.id)
        .await
        .unwrap()
        .materials
        .iter()
        .filter(|m| m.required)
        .count();
    assert_eq!(e.fields.len(), required);
    // The Hefei clerk scans them at the window: the identity document as a photo, the rest as
    // PDFs.
    let photo = corridor_domain::materials::sample::png(40, 30, [200, 180, 160]);
    let id_doc = app
        .attach(
            &hefei_clerk,
            c.id,
            2,
            NewFile::new("经办人身份证.png", photo.clone()),
        )
        .await
        .unwrap();
    assert_eq!(id_doc.content_type, "image/png");
    assert_eq!(id_doc.sha256, corridor_store::sha256_hex(&photo));
    attach_required(app, &hefei_clerk, c.id).await;
    // The window forwards 47 minutes after receiving it: measured.
    {
        use corridor_domain::clock::Clock;
        env.clock
            .set(env.clock.now() + time::Duration::seconds(47 * 60 + 30));
    }
    let c = app
        .act(&hefei_clerk, c.id, act(Action::Forward))
        .await
        .unwrap();
    assert_eq!(c.status, Status::Forwarded);
    assert_eq!(c.forward_minutes, Some(47));
    assert!(c.received_at.is_some() && c.forwarded_at.is_some());
    // The Songjiang reviewer sees every material beside the form, and reads the photo back
    // as it was handed in; nobody else in another city, nor the joint office, sees them.
    let seen = app.materials(&sj, c.id).await.unwrap();
    assert!(seen.complete && !seen.may_attach);
    assert_eq!(
        seen.materials
            .iter()
            .filter(|m| !m.files.is_empty())
            .count(),
        required
    );
    let (v, bytes) = app.material_file(&sj, c.id, id_doc.id).await.unwrap();
    assert_eq!((v.file_name.as_str(), bytes), ("经办人身份证.png", photo));
    for other in [&hz, &hf, &staff(Role::JointOffice), &staff(Role::Admin)] {
        let e = app.materials(other, c.id).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
        let e = app.material_file(other, c.id, id_doc.id).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Forbidden);
    }
    // Forwarded: the window adds nothing more.
    let late = app
        .attach(
            &hefei_clerk,
            c.id,
            3,
            NewFile::new("poa.pdf", corridor_domain::materials::sample::pdf("x", 0)),
        )
        .await
        .unwrap_err();
    assert_eq!(late.code, ErrorCode::Forbidden);

    // Competence never moves: the Hefei clerk cannot accept, nor can other cities' reviewers.
    assert_eq!(
        code(
            app.act(&hefei_clerk, c.id, act(Action::Accept))
                .await
                .unwrap_err()
        ),
        ErrorCode::Forbidden
    );
    for other in [&hz, &hf] {
        assert_eq!(
            code(app.get_case(other, c.id).await.unwrap_err()),
            ErrorCode::Forbidden
        );
        assert_eq!(
            code(app.act(other, c.id, act(Action::Accept)).await.unwrap_err()),
            ErrorCode::Forbidden
        );
        let q = app.list_cases(other, &CaseQuery::default()).await.unwrap();
        assert!(q.items.iter().all(|x| x.id != c.id));
    }

    let c = app.act(&sj, c.id, act(Action::Accept)).await.unwrap();
    assert_eq!(c.accepted_on.as_deref(), Some("2026-09-21"));
    let statutory = c.statutory_days;
    let cal = &env.app.reference().calendar;
    let first_deadline = c.deadline.clone().unwrap();
    assert_eq!(
        first_deadline,
        corridor_store::date_str(cal.add_working_days(date!(2026 - 09 - 21), statutory))
    );
    // The corridor promises 3 working days (the law allows 15): counted the same way.
    assert_eq!((c.statutory_days, c.promised_days), (15, 3));
    assert_eq!(
        c.promised_deadline.as_deref(),
        Some(corridor_store::date_str(cal.add_working_days(date!(2026 - 09 - 21), 3)).as_str())
    );
    assert!(!c.past_promise);
    let past = CaseQuery {
        due: Some("past_promise".into()),
        ..Default::default()
    };
    assert_eq!(app.list_cases(&sj, &past).await.unwrap().total, 0);

    // Correction requested Tuesday 29 September; resubmitted Friday 9 October, after the
    // National Day week (1-7 October) and with Saturday 10 October a working day.
    env.set_date(date!(2026 - 09 - 29));
    // The request names what to correct: the proof of premises (material 6) and the
    // address; a material or field the matter does not have is refused.
    let mut ask = act(Action::RequestCorrection);
    ask.correct_materials = vec![6, 99];
    ask.correct_fields = vec!["branch_address".into()];
    let e = app.act(&sj, c.id, ask.clone()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ValidationFailed);
    assert!(e.detail.contains("no material 99"), "{}", e.detail);
    ask.correct_materials = vec![6];
    let c = app.act(&sj, c.id, ask).await.unwrap();
    assert_eq!(c.status, Status::CorrectionRequested);
    let named = app.get_case(&ent, c.id).await.unwrap().correction.unwrap();
    assert_eq!(
        (named.materials, named.fields),
        (vec![6], vec!["branch_address".to_string()])
    );
    assert_eq!(c.due, DueState::Paused);
    env.set_date(date!(2026 - 10 - 09));
    // Not resubmitted before the named material has a new file.
    let e = app
        .act(&ent, c.id, act(Action::Resubmit))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::MaterialsMissing);
    assert!(e.fields.iter().any(|f| f.field == "materials[6]"), "{e:?}");
    // The applicant answers with a new proof of the premises (material 6) ...
    let premises = corridor_domain::materials::sample::pdf("Lease, Songjiang No. 8", 0);
    let fresh = app
        .attach(
            &ent,
            c.id,
            6,
            NewFile::new("租赁合同.pdf", premises.clone()),
        )
        .await
        .unwrap();
    assert_eq!(fresh.added_by_role, "applicant");
    // ... which the reviewer sees next to the window's scan.
    let seen = app.materials(&sj, c.id).await.unwrap();
    assert_eq!(seen.materials[6].files.len(), 2);
    let mut resubmit = act(Action::Resubmit);
    let mut form = branch_filing(None, ServiceMode::RemoteReceipt).form;
    form.insert("branch_address".into(), json!("上海市松江区示例路8号"));
    resubmit.form = Some(form);
    let c = app.act(&ent, c.id, resubmit).await.unwrap();
    assert_eq!(c.status, Status::Resubmitted);
    // Paused working days: 30 Sep, 8 Oct, 9 Oct = 3 (the holiday week does not count).
    assert_eq!(c.paused_days, 3);
    // The promise moved by the same 3 days, and has passed (the statutory limit has not).
    assert_eq!(
        c.promised_deadline.as_deref(),
        Some(corridor_store::date_str(cal.add_working_days(date!(2026 - 09 - 21), 6)).as_str())
    );
    assert!(c.past_promise);
    assert_eq!(c.due, DueState::OnTrack);
    // The reviewer's queue lists it under "past the promised limit" (not under "overdue").
    let listed = app.list_cases(&sj, &past).await.unwrap();
    assert_eq!(
        listed.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        [c.id]
    );
    let overdue = CaseQuery {
        due: Some("overdue".into()),
        ..Default::default()
    };
    assert_eq!(app.list_cases(&sj, &overdue).await.unwrap().total, 0);
    let moved = cal.add_working_days(corridor_store::parse_date(&first_deadline).unwrap(), 3);
    assert_eq!(c.deadline.clone().unwrap(), corridor_store::date_str(moved));
    assert_eq!(
        c.deadline.clone().unwrap(),
        corridor_store::date_str(cal.add_working_days(date!(2026 - 09 - 21), statutory + 3))
    );

    env.set_date(date!(2026 - 10 - 12));
    let c = app.act(&sj, c.id, act(Action::Approve)).await.unwrap();
    assert_eq!(c.status, Status::Approved);
    assert_eq!(c.decided_on.as_deref(), Some("2026-10-12"));
    assert_eq!(c.promise_kept, Some(false));
    assert!(!c.past_promise);
    // The joint office's figures: decided within the statutory limit, not within the promised
    // one; the Hefei window's hand-off took 47 minutes. Kept by the triggers, equal to a scan.
    let office = staff(Role::JointOffice);
    let q = corridor_app::stats::StatsQuery {
        since: Some("2026-09".into()),
        top: None,
    };
    let st = app.statistics(&office, &q).await.unwrap();
    let sj_limits = st
        .limits_by_city
        .iter()
        .find(|g| g.key == "310117")
        .unwrap();
    assert_eq!(
        (
            sj_limits.decided,
            sj_limits.on_time,
            sj_limits.promised,
            sj_limits.promise_kept
        ),
        (1, 1, 1, 0)
    );
    assert_eq!(
        (sj_limits.on_time_rate, sj_limits.promised_on_time_rate),
        (Some(1.0), Some(0.0))
    );
    assert_eq!(st.promised_on_time_rate, Some(0.0));
    let m = st
        .limits_by_matter
        .iter()
        .find(|g| g.key == "G60-MAR-001")
        .unwrap();
    assert_eq!((m.decided, m.promised, m.promise_kept), (1, 1, 0));
    let hf_fwd = st.forwarding.iter().find(|f| f.city == "340100").unwrap();
    assert_eq!(
        (
            hf_fwd.forwarded,
            hf_fwd.median_minutes,
            hf_fwd.p90_minutes,
            hf_fwd.within_hour
        ),
        (1, Some(47.0), Some(47), 1)
    );
    assert_eq!(st.median_forward_minutes, Some(47.0));
    assert_eq!(env.store.check_stats().await.unwrap(), Vec::<String>::new());
    let c = app.act(&sj, c.id, act(Action::IssueLicence)).await.unwrap();
    assert_eq!(c.status, Status::LicenceIssued);
    // Issued locally: the Hefei window hands it out.
    assert_eq!(
        code(app.act(&sj, c.id, act(Action::Deliver)).await.unwrap_err()),
        ErrorCode::Forbidden
    );
    let c = app
        .act(&hefei_clerk, c.id, act(Action::Deliver))
        .await
        .unwrap();
    assert_eq!(c.status, Status::Delivered);

    let events = app.case_events(&ent, c.id, None, None).await.unwrap().items;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    let attached = required; // the photo answers one of them
    let mut expected = vec!["submit", "receive"];
    expected.extend(std::iter::repeat_n("attach_material", attached));
    expected.extend([
        "check_materials",
        "forward",
        "download_material",
        "accept",
        "request_correction",
        "attach_material",
        "resubmit",
        "approve",
        "issue_licence",
        "deliver",
    ]);
    assert_eq!(actions, expected);
    // The attachment's event carries its hash.
    let ev = &events[2];
    assert_eq!(ev.after["sha256"], json!(id_doc.sha256));
    let report = app.verify_audit().await.unwrap();
    assert!(report.first_break.is_none(), "{:?}", report.first_break);

    // Edit one stored event: verification fails and names it.
    let victim = &events[attached + 5];
    assert_eq!(victim.action, "accept");
    sqlx::query("UPDATE audit_events SET after_doc = $1 WHERE stream = $2 AND seq = $3")
        .bind(victim.after.to_string().replace("2026-09-21", "2026-09-22"))
        .bind(format!("case:{}", c.id))
        .bind(victim.seq)
        .execute(env.store.pool())
        .await
        .unwrap();
    let report = app.verify_audit().await.unwrap();
    let broken = report.first_break.expect("edit detected").to_string();
    assert!(
        broken.contains(&format!("seq {}", victim.seq)) && broken.contains("was changed"),
        "{broken}"
    );
    env.cleanup().await;
}
crate::both_backends!(hefei_to_songjiang_scenario, crate::cases::scenario);

/// Who may do what: every role and scope against every action, each on a case in the state
/// where the action is possible, so that the only possible refusal is the access rule.
pub async fn access_matrix(backend: Backend) {
    let Some(env) = env(backend, date!(2026 - 11 - 02)).await else {
        return;
    };
    let app = &env.app;
    let owner = applicant();
    let window = "340100-W01";
    let authority = "310117-market";
    let actors: Vec<(&str, Principal)> = vec![
        ("applicant, own case", owner.clone()),
        ("applicant, someone else's case", applicant()),
        ("clerk, receiving window", clerk(window)),
        ("clerk, other window same city", clerk("340100-W02")),
        ("clerk, other city", clerk("310117-W01")),
        ("reviewer, competent authority", reviewer(authority)),
        (
            "reviewer, same city other authority",
            reviewer("310117-hrss"),
        ),
        (
            "reviewer, same authority kind other city",
            reviewer("340100-market"),
        ),
        ("joint office", staff(Role::JointOffice)),
        ("administrator", staff(Role::Admin)),
    ];
    let rightful = |a: Action| -> Principal {
        match a {
            Action::Receive | Action::Forward | Action::Deliver => clerk(window),
            Action::Resubmit | Action::Withdraw => owner.clone(),
            _ => reviewer(authority),
        }
    };
    // The path to reach the state in which each action is possible.
    let path = |a: Action| -> Vec<Action> {
        use Action::*;
        match a {
            Receive | Withdraw => vec![],
            Forward => vec![Receive],
            Accept | Refuse | Transfer => vec![Receive, Forward],
            RequestCorrection | Approve | Reject => vec![Receive, Forward, Accept],
            Resubmit => vec![Receive, Forward, Accept, RequestCorrection],
            IssueLicence => vec![Receive, Forward, Accept, Approve],
            Deliver => vec![Receive, Forward, Accept, Approve, IssueLicence],
        }
    };
    // The expected table, written out independently of the rules in the domain.
    let allowed = |who: &str, a: Action| -> bool {
        use Action::*;
        match who {
            "applicant, own case" => matches!(a, Resubmit | Withdraw),
            "clerk, receiving window" => {
                matches!(a, Receive | Forward | Deliver | Resubmit | Withdraw)
            }
            "reviewer, competent authority" => {
                matches!(
                    a,
                    Accept
                        | Refuse
                        | RequestCorrection
                        | Approve
                        | Reject
                        | IssueLicence
                        | Transfer
                )
            }
            _ => false,
        }
    };
    let can_view = |who: &str| {
        matches!(
            who,
            "applicant, own case"
                | "clerk, receiving window"
                | "reviewer, competent authority"
                | "administrator"
        )
    };
    let mut cells = 0;
    for (who, p) in &actors {
        for a in Action::ALL {
            let c = app
                .file_case(
                    &owner,
                    branch_filing(Some(window), ServiceMode::RemoteReceipt),
                )
                .await
                .unwrap();
            for a in path(a) {
                step(app, &rightful(a), c.id, a).await;
            }
            if a == Action::Forward {
                attach_required(app, &clerk(window), c.id).await;
            }
            let got = app.act(p, c.id, act(a)).await;
            if allowed(who, a) {
                assert!(
                    got.is_ok(),
                    "{who} should be able to {a:?}: {:?}",
                    got.err()
                );
            } else {
                let e = got.expect_err(&format!("{who} must not {a:?}"));
                assert_eq!(e.code, ErrorCode::Forbidden, "{who} / {a:?}: {}", e.detail);
            }
            cells += 1;
        }
        // Reading: the case itself and the personal data in it.
        let c = app
            .file_case(
                &owner,
                branch_filing(Some(window), ServiceMode::RemoteReceipt),
            )
            .await
            .unwrap();
        match app.get_case(p, c.id).await {
            Ok(v) => {
                assert!(can_view(who), "{who} must not see the case");
                let masked = *who == "administrator";
                assert_eq!(v.applicant.masked, masked, "{who}");
                let id = v.applicant.id_no.unwrap();
                assert_eq!(id.contains('*'), masked, "{who}: {id}");
                assert_eq!(v.form["contact_id"].as_str().unwrap().contains('*'), masked);
            }
            Err(e) => {
                assert!(!can_view(who), "{who} should see the case");
                assert_eq!(e.code, ErrorCode::Forbidden);
            }
        }
        cells += 1;
    }
    assert_eq!(cells, actors.len() * (Action::ALL.len() + 1));
    // The joint office gets statistics, never case lists; applicants and clerks no statistics.
    assert_eq!(
        refused(app.list_cases(&staff(Role::JointOffice), &CaseQuery::default())).await,
        ErrorCode::Forbidden
    );
    assert!(app
        .statistics(&staff(Role::JointOffice), &Default::default())
        .await
        .is_ok());
    for p in [owner.clone(), clerk(window), reviewer(authority)] {
        assert_eq!(
            refused(app.statistics(&p, &Default::default())).await,
            ErrorCode::Forbidden
        );
    }
    // Every transition above kept the pre-aggregated statistics equal to a full scan.
    assert_eq!(env.store.check_stats().await.unwrap(), Vec::<String>::new());
    // Compaction (PostgreSQL's delta rows folded per key) leaves one row per key, twice in a
    // row, and the aggregates still equal a full scan.
    for _ in 0..2 {
        env.store.compact_stats().await.unwrap();
        let dup: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM stats_city GROUP BY month, receiving_city, \
             competent_city, status, decided, on_time HAVING COUNT(*) > 1) d",
        )
        .fetch_one(env.store.pool())
        .await
        .unwrap();
        assert_eq!(dup, 0);
        assert_eq!(env.store.check_stats().await.unwrap(), Vec::<String>::new());
    }
    env.cleanup().await;
}
crate::both_backends!(access_matrix_every_cell, crate::cases::access_matrix);

/// Online filing, refusals need reasons, invalid transitions are conflicts, queues and due flags.
pub async fn lifecycle_rules(backend: Backend) {
    let Some(env) = env(backend, date!(2026 - 11 - 02)).await else {
        return;
    };
    let app = &env.app;
    let ent = applicant();
    let sj = reviewer("310117-market");
    // Fully online: no window; the competent authority accepts directly.
    let c = app
        .file_case(&ent, branch_filing(None, ServiceMode::FullyOnline))
        .await
        .unwrap();
    assert_eq!(c.receiving_window, None);
    assert!(c.receipt_no.starts_with("310117-"));
    assert_eq!(
        refused(app.act(
            &sj,
            c.id,
            ActOnCase {
                reason: None,
                ..act(Action::Refuse)
            }
        ))
        .await,
        ErrorCode::ReasonRequired
    );
    assert_eq!(
        refused(app.act(&sj, c.id, act(Action::Approve))).await,
        ErrorCode::InvalidTransition
    );
    // Filed online: accepted only with its materials in.
    assert_eq!(
        code(app.act(&sj, c.id, act(Action::Accept)).await.unwrap_err()),
        ErrorCode::MaterialsMissing
    );
    attach_required(app, &ent, c.id).await;
    let c = app.act(&sj, c.id, act(Action::Accept)).await.unwrap();
    // Near the deadline and past it.
    let deadline = corridor_store::parse_date(c.deadline.as_deref().unwrap()).unwrap();
    env.set_date(deadline);
    assert_eq!(
        app.get_case(&sj, c.id).await.unwrap().due,
        DueState::NearDue
    );
    env.set_date(deadline.next_day().unwrap());
    assert_eq!(
        app.get_case(&sj, c.id).await.unwrap().due,
        DueState::Overdue
    );
    let q = app
        .list_cases(
            &sj,
            &CaseQuery {
                due: Some("overdue".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(q.total, 1);
    assert_eq!(q.items[0].id, c.id);
    // Bad form data: every problem is named.
    let mut bad = branch_filing(None, ServiceMode::FullyOnline);
    bad.form
        .insert("contact_id".into(), json!("310117199001011234"));
    bad.form.insert("contact_phone".into(), json!("12"));
    bad.form.remove("branch_name");
    let e = app.file_case(&ent, bad).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::ValidationFailed);
    let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["contact_id", "contact_phone", "branch_name"]); // in form order
                                                                        // A mode the matter does not offer, a city that is not a member, a window that does not exist.
    let mut m = branch_filing(None, ServiceMode::MultiSite);
    assert_eq!(
        app.file_case(&ent, m.clone()).await.unwrap_err().code,
        ErrorCode::BadRequest
    );
    m.mode = ServiceMode::FullyOnline;
    m.competent_city = "110000".into();
    assert_eq!(
        app.file_case(&ent, m).await.unwrap_err().code,
        ErrorCode::BadRequest
    );
    let w = branch_filing(Some("999999-W01"), ServiceMode::RemoteReceipt);
    assert_eq!(
        app.file_case(&ent, w).await.unwrap_err().code,
        ErrorCode::BadRequest
    );
    // A clerk files on behalf at the clerk's own window only, with the identity checked.
    let k = clerk("320500-W03");
    let mut f = branch_filing(Some("320500-W03"), ServiceMode::RemoteReceipt);
    assert_eq!(
        app.file_case(&k, f.clone()).await.unwrap_err().code,
        ErrorCode::ValidationFailed
    );
    f.identity_checked = true;
    let c2 = app.file_case(&k, f.clone()).await.unwrap();
    assert_eq!(c2.status, Status::Received);
    assert_eq!(
        app.case_events(&k, c2.id, None, None).await.unwrap().total,
        2
    );
    f.window_id = Some("320500-W04".into());
    assert_eq!(
        app.file_case(&k, f).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    // Paging reports totals.
    for _ in 0..5 {
        app.file_case(&ent, branch_filing(None, ServiceMode::FullyOnline))
            .await
            .unwrap();
    }
    let page = app
        .list_cases(
            &ent,
            &CaseQuery {
                per_page: Some(2),
                page: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((page.total, page.items.len(), page.page), (6, 2, 2));
    let statuses = app
        .list_cases(
            &ent,
            &CaseQuery {
                status: Some("accepted".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(statuses.total, 1);
    env.cleanup().await;
}
crate::both_backends!(lifecycle_rules, crate::cases::lifecycle_rules);

/// Keyset paging (`after` = the previous page's `next_after`) walks every list in the same
/// order as page numbers do, for newest-first lists and the deadline-ordered reviewer queue
/// (cases without a deadline last).
pub async fn keyset_paging(b: crate::helpers::Backend) {
    use corridor_app::cases::CaseQuery;
    let Some(e) = crate::helpers::env(b, time::macros::date!(2026 - 11 - 02)).await else {
        return;
    };
    corridor_app::demo::seed(&e.app, 3000, 8).await.unwrap();
    // Each role's whole list, and its queues (status filters, read through other indexes).
    // The reviewer is one whose authority has open cases that day (about 3% of demo cases are
    // open, spread over some 160 authorities).
    let open = "submitted,received,forwarded,accepted,correction_requested,resubmitted";
    let admin = crate::helpers::staff(Role::Admin);
    let some_open = e
        .app
        .list_cases(
            &admin,
            &CaseQuery {
                status: Some("accepted".into()),
                per_page: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // An open case whose authority has a demo reviewer (not every kind has one yet).
    let mut reviewer = None;
    for c in &some_open.items {
        let name = format!("reviewer.{}", c.competent_authority.replace('-', "."));
        if e.store.user_by_name(&name).await.unwrap().is_some() {
            reviewer = Some(name);
            break;
        }
    }
    let reviewer = reviewer.expect("an open case of a reviewer's authority");
    let reviewer = reviewer.as_str();
    let lists = [
        ("ent.340100", None),
        (reviewer, None),
        ("clerk.340100", None),
        (reviewer, Some(open)),
        (reviewer, Some("approved,delivered")),
        ("clerk.340100", Some("delivered,refused")),
    ];
    for (user, status) in lists {
        let u = e.store.user_by_name(user).await.unwrap().unwrap();
        let p = corridor_app::auth::principal_of(&u).unwrap();
        let by_deadline = user.starts_with("reviewer");
        let mut by_page = Vec::new();
        for page in 1.. {
            let q = CaseQuery {
                per_page: Some(7),
                page: Some(page),
                status: status.map(str::to_string),
                ..Default::default()
            };
            let r = e.app.list_cases(&p, &q).await.unwrap();
            if r.items.is_empty() {
                break;
            }
            by_page.extend(r.items.into_iter().map(|c| c.id));
        }
        let mut by_key = Vec::new();
        let mut after = None;
        loop {
            let q = CaseQuery {
                per_page: Some(7),
                after: after.clone(),
                status: status.map(str::to_string),
                ..Default::default()
            };
            let r = e.app.list_cases(&p, &q).await.unwrap();
            assert_eq!(r.total as usize, by_page.len(), "{user}");
            assert!(r.total_exact);
            by_key.extend(r.items.into_iter().map(|c| c.id));
            match r.next_after {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let least = if status.is_some() { 1 } else { 8 };
        assert!(
            by_page.len() >= least,
            "{user} {status:?}: {} cases",
            by_page.len()
        );
        assert_eq!(by_key, by_page, "{user} {status:?}");
        // And that order is the documented one: by deadline (none last), filing time and id
        // for reviewers; newest first (then id) for the others.
        let mut recs = Vec::new();
        for id in &by_page {
            recs.push(e.store.get_case(*id).await.unwrap().unwrap());
        }
        let mut sorted = recs.clone();
        if by_deadline {
            sorted.sort_by(|a, b| {
                let (da, db) = (a.clock.deadline, b.clock.deadline);
                (da.is_none(), da, a.filed_ms, a.id.to_string()).cmp(&(
                    db.is_none(),
                    db,
                    b.filed_ms,
                    b.id.to_string(),
                ))
            });
        } else {
            sorted.sort_by(|a, b| {
                (std::cmp::Reverse(a.filed_ms), a.id.to_string())
                    .cmp(&(std::cmp::Reverse(b.filed_ms), b.id.to_string()))
            });
        }
        let ids = |v: &[corridor_store::CaseRecord]| v.iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(ids(&recs), ids(&sorted), "{user} {status:?}: list order");
        if status.is_some() {
            continue;
        }
        // Every page of a whole list, the first and those after a cursor (one with a deadline
        // and, for a reviewer, one among the cases without), is read in an index's order: no
        // sort, so a page costs the same anywhere in a list of any length. On PostgreSQL a
        // cursor with a deadline was planned with a sort of everything after it (166 ms a
        // page in the middle of 121,000 cases) until the condition kept the index's column.
        let mut cursors = vec![
            None,
            Some(corridor_store::CaseCursor::of(&recs[recs.len() / 3])),
        ];
        if let Some(nodl) = recs.iter().find(|c| c.clock.deadline.is_none()) {
            cursors.push(Some(corridor_store::CaseCursor::of(nodl)));
        }
        for after in cursors {
            let f = corridor_store::CaseFilter {
                applicant_user: (!by_deadline && user.starts_with("ent")).then_some(u.id),
                receiving_window: p.window_id.clone(),
                competent_authority: p.authority_id.clone(),
                by_deadline,
                after: after.clone(),
                ..Default::default()
            };
            let plans = e.store.list_cases_plans(&f, 20).await.unwrap();
            assert!(!plans.is_empty());
            for plan in &plans {
                assert!(
                    !plan.contains("Sort") && !plan.contains("TEMP B-TREE"),
                    "{user}, after {after:?}: {plan}"
                );
            }
            if by_deadline {
                assert!(plans[0].contains("cases_authority_order"), "{plans:?}");
            }
        }
    }
    // Counting stops at the cap: beyond it the total says "at least".
    let u = e.store.user_by_name("ent.340100").await.unwrap().unwrap();
    let mut f = corridor_store::CaseFilter {
        applicant_user: Some(u.id),
        count_cap: Some(5),
        ..Default::default()
    };
    let (_, n) = e.store.list_cases(&f, 3, 0).await.unwrap();
    assert_eq!((n.n, n.exact), (5, false));
    f.count_cap = None;
    let (_, all) = e.store.list_cases(&f, 3, 0).await.unwrap();
    assert!(all.exact && all.n > 5, "{all:?}");
    f.count_cap = Some(all.n);
    let (_, same) = e.store.list_cases(&f, 3, 0).await.unwrap();
    assert_eq!(same, all);
    let u = e.store.user_by_name("ent.340100").await.unwrap().unwrap();
    let p = corridor_app::auth::principal_of(&u).unwrap();
    let bad = CaseQuery {
        after: Some("2026-13-01.x.y".into()),
        ..Default::default()
    };
    let err = e.app.list_cases(&p, &bad).await.unwrap_err();
    assert_eq!(err.code, corridor_app::ErrorCode::BadRequest);
    e.cleanup().await;
}
crate::both_backends!(keyset_paging_walks_like_pages, crate::cases::keyset_paging);

crate::both_backends!(sign_in_replaces_old_hashes, crate::cases::rehash);

/// A password hash made with older parameters (one lane, as argon2's default made them) still
/// signs in, and that sign-in replaces it with one made with today's; a failed sign-in changes
/// nothing.
pub async fn rehash(b: crate::helpers::Backend) {
    let Some(e) = crate::helpers::env(b, time::macros::date!(2026 - 11 - 02)).await else {
        return;
    };
    let user = corridor_app::auth::NewUser {
        username: "old.hash".into(),
        password: "corridor-demo".into(),
        role: Role::Applicant,
        display_name: "旧哈希 Old Hash".into(),
        window_id: None,
        authority_id: None,
        city: None,
        resident_id: Some(crate::helpers::FILER_ID.into()),
        enterprise_uscc: None,
    };
    let id = e.app.create_user(&user).await.unwrap().id;
    let stored = || async { e.store.user_by_name("old.hash").await.unwrap().unwrap() };
    let new = stored().await.password_hash;
    assert!(new.starts_with("$argon2id$v=19$m=7168,t=5,p=2$"), "{new}");
    assert!(!corridor_app::auth::needs_rehash(&new));
    // The hash argon2 0.5's defaults made of the same password.
    const OLD: &str = "$argon2id$v=19$m=19456,t=2,p=1$b2xkLXNhbHQtMDEyMzQ1Ng$lkoVpEMWL7PPkBNCkRKbrzzekqklL5TQ+B/8EaIIwqI";
    let mut tx = e.store.begin_write().await.unwrap();
    Store::set_password_hash(&mut tx, id, OLD).await.unwrap();
    tx.commit().await.unwrap();
    assert!(corridor_app::auth::needs_rehash(OLD));
    let err = e
        .app
        .login("old.hash", "wrong-password", LOCAL)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidCredentials);
    assert_eq!(stored().await.password_hash, OLD);
    e.app
        .login("old.hash", "corridor-demo", LOCAL)
        .await
        .unwrap();
    let replaced = stored().await.password_hash;
    assert!(
        replaced.starts_with("$argon2id$v=19$m=7168,t=5,p=2$"),
        "{replaced}"
    );
    assert_ne!(replaced, new);
    e.app
        .login("old.hash", "corridor-demo", LOCAL)
        .await
        .unwrap();
    assert_eq!(stored().await.password_hash, replaced);
    assert!(e
        .app
        .login("old.hash", "wrong-password", LOCAL)
        .await
        .is_err());
    e.cleanup().await;
}

crate::both_backends!(sessions_written_kept_and_purged, crate::cases::sessions);

/// A sign-in's session is stored before its token is answered (it is written while the
/// password is hashed); a wrong password leaves no session behind, an unknown name writes
/// none; signing out deletes it; expired sessions are purged and live ones kept.
pub async fn sessions(b: Backend) {
    let Some(e) = env(b, date!(2026 - 11 - 02)).await else {
        return;
    };
    let user = corridor_app::auth::NewUser {
        username: "session.user".into(),
        password: "corridor-demo".into(),
        role: Role::Applicant,
        display_name: "会话 Session".into(),
        window_id: None,
        authority_id: None,
        city: None,
        resident_id: Some(crate::helpers::FILER_ID.into()),
        enterprise_uscc: None,
    };
    e.app.create_user(&user).await.unwrap();
    let count = || async { e.store.session_count().await.unwrap() };
    let a = e
        .app
        .login("session.user", "corridor-demo", LOCAL)
        .await
        .unwrap();
    // The token works at once, from the store (no session is kept in memory).
    let p = e.app.authenticate(&a.token).await.unwrap();
    assert_eq!(p.role, Role::Applicant);
    assert_eq!(count().await, 1);
    // A wrong password: refused, and the session row written meanwhile is deleted.
    let err = e
        .app
        .login("session.user", "wrong", LOCAL)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidCredentials);
    let mut n = count().await;
    for _ in 0..500 {
        if n == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        n = count().await;
    }
    assert_eq!(n, 1, "the failed sign-in's session is deleted");
    let err = e
        .app
        .login("nobody.here", "wrong", LOCAL)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidCredentials);
    assert_eq!(count().await, 1);
    // Signing out ends the session.
    e.app.logout(&a.token).await.unwrap();
    let err = e.app.authenticate(&a.token).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
    assert_eq!(count().await, 0);
    // Two sessions expire; one made later lives on through the purge.
    let old1 = e
        .app
        .login("session.user", "corridor-demo", LOCAL)
        .await
        .unwrap();
    e.app
        .login("session.user", "corridor-demo", LOCAL)
        .await
        .unwrap();
    e.set_date(date!(2026 - 11 - 03));
    let err = e.app.authenticate(&old1.token).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Unauthenticated);
    let live = e
        .app
        .login("session.user", "corridor-demo", LOCAL)
        .await
        .unwrap();
    assert_eq!(count().await, 3);
    assert_eq!(e.app.purge_expired_sessions().await.unwrap(), 2);
    assert_eq!(count().await, 1);
    e.app.authenticate(&live.token).await.unwrap();
    assert_eq!(e.app.purge_expired_sessions().await.unwrap(), 0);
    e.cleanup().await;
}

/// Statistics older than their TTL are answered at once and recomputed in the background: only
/// the first request for a query waits for the computation.
pub async fn statistics_are_recomputed_in_the_background(backend: Backend) {
    use corridor_domain::clock::Clock;
    let Some(env) = env(backend, date!(2026 - 09 - 21)).await else {
        return;
    };
    let app = &env.app;
    let office = staff(Role::JointOffice);
    // Computed as the server starts: the first request is answered from memory.
    app.warm_statistics().await.unwrap();
    app.file_case(
        &applicant(),
        branch_filing(Some("340100-W01"), ServiceMode::RemoteReceipt),
    )
    .await
    .unwrap();
    let first = app.statistics(&office, &Default::default()).await.unwrap();
    assert_eq!(first.total, 0, "the figures computed at the start");
    let page = corridor_app::stats::StatsQuery {
        since: None,
        top: Some(corridor_app::stats::DASHBOARD_TOP),
    };
    assert_eq!(app.statistics(&office, &page).await.unwrap().total, 0);
    app.file_case(
        &applicant(),
        branch_filing(Some("340100-W01"), ServiceMode::RemoteReceipt),
    )
    .await
    .unwrap();
    // Within the TTL the computed figures are served as they are.
    let cached = app.statistics(&office, &Default::default()).await.unwrap();
    assert_eq!((cached.total, &cached.computed_at), (0, &first.computed_at));
    // After it, the next request still gets them (no waiting), and starts a recomputation.
    let later = env.clock.now() + time::Duration::milliseconds(corridor_app::stats::STATS_TTL_MS);
    env.clock.set(later);
    let stale = app.statistics(&office, &Default::default()).await.unwrap();
    assert_eq!((stale.total, &stale.computed_at), (0, &first.computed_at));
    let mut fresh = stale;
    for _ in 0..500 {
        fresh = app.statistics(&office, &Default::default()).await.unwrap();
        if fresh.total == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        fresh.total, 2,
        "the background recomputation replaced the figures"
    );
    assert!(
        fresh.computed_at > first.computed_at,
        "{}",
        fresh.computed_at
    );
    env.cleanup().await;
}
crate::both_backends!(
    statistics_recomputed_in_background,
    crate::cases::statistics_are_recomputed_in_the_background
);
