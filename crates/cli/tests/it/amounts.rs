//! Amounts by rule (issue #27 point 3): a rent subsidy computed at the decision by the
//! competent city's rule, shown with its steps, recorded in the decision and its notice; an
//! operator publishes a new rule without a rebuild and decisions after it use it, those before
//! keep theirs; a registration fee recorded in the licence.

use crate::cases::{act, attach_required};
use crate::helpers::{applicant, clerk, env, reviewer, staff, Backend, FILER_ID};
use corridor_app::amounts::PublishAmountRule;
use corridor_app::filing::FileCase;
use corridor_app::ErrorCode;
use corridor_domain::amount::AmountRule;
use corridor_domain::case::{Action, Role, FILER_FIELDS};
use corridor_domain::catalogue::{Matter, ServiceMode};
use serde_json::json;
use std::collections::BTreeMap;
use time::macros::date;

const SONGJIANG: &str = "310117";

fn form_of(m: &Matter, pairs: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
    let mut form = corridor_app::demo::sample_form(m, SONGJIANG, date!(2026 - 11 - 02), 3);
    for key in FILER_FIELDS {
        if form.contains_key(key) {
            form.insert(key.to_string(), FILER_ID.into());
        }
    }
    for (k, v) in pairs {
        form.insert(k.to_string(), v.clone());
    }
    form
}

fn rent_rule(cap_b: u32) -> AmountRule {
    serde_json::from_value(json!({
        "kind": "subsidy", "unit": "per_month", "months": 12,
        "terms": [{"field": "monthly_rent", "factor": 1}, {"field": "monthly_salary", "factor": -0.1}],
        "cap": {"field": "talent_level", "values": {"A": 4500, "B": cap_b, "C": 1500, "D": 670}},
        "basis_zh": "松江区人才公寓租金补贴（测试）", "basis_en": "Songjiang talent apartment rent subsidy (test)"
    }))
    .unwrap()
}

/// A rent subsidy filed online in Songjiang: rent 5,000, salary 20,000, level B.
fn rent_filing(m: &corridor_domain::catalogue::Matter) -> FileCase {
    FileCase {
        matter_code: m.code.clone(),
        competent_city: SONGJIANG.into(),
        mode: ServiceMode::FullyOnline,
        window_id: None,
        form: form_of(
            m,
            &[
                ("monthly_rent", json!(5000)),
                ("monthly_salary", json!(20000)),
                ("talent_level", json!("B")),
            ],
        ),
        identity_checked: false,
        identity_seen: None,
    }
}

pub async fn amounts_by_rule(backend: Backend) {
    let today = date!(2026 - 11 - 02);
    let Some(env) = env(backend, today).await else {
        return;
    };
    let app = &env.app;
    // The shipped rules are in force: nine cities' rent subsidies and provident fund limits,
    // and the registration fees of four real estate matters.
    let rules = app.amount_rules();
    assert_eq!(rules.len(), 54, "{}", rules.len());
    let r = app.reference();
    let computed: Vec<&str> = r
        .current
        .iter()
        .filter(|m| m.amount.is_some())
        .map(|m| m.code.as_str())
        .collect();
    assert_eq!(computed.len(), 6, "{computed:?}");
    let m = r.current_matter("G60-TAL-002").unwrap().clone();

    // A rent subsidy filed online in Songjiang: rent 5,000, salary 20,000, level B.
    let me = applicant();
    let req = rent_filing(&m);
    let c = app.file_case(&me, req.clone()).await.unwrap();
    attach_required(app, &me, c.id).await;
    let talent = reviewer("310117-talent");
    app.act(&talent, c.id, act(Action::Accept)).await.unwrap();
    // Before the decision the reviewer and the applicant see what the rule in force gives
    // today, marked as not decided, with its steps; an administrator (who sees the case
    // masked) nothing until the decision.
    let seen = app.get_case(&talent, c.id).await.unwrap();
    let preview = seen.amount.expect("the reviewer's preview");
    assert!(!preview.decided);
    assert_eq!(preview.computed.amount_fen, 300_000);
    assert_eq!(preview.rule_version, 1);
    let estimate = app.get_case(&me, c.id).await.unwrap().amount.unwrap();
    assert!(!estimate.decided && !estimate.computed.steps.is_empty());
    assert_eq!(estimate.computed.amount_fen, 300_000);
    assert!(app
        .get_case(&staff(Role::Admin), c.id)
        .await
        .unwrap()
        .amount
        .is_none());

    // The operator publishes a new Songjiang rule (level B capped at 2,800): no rebuild.
    let admin = staff(Role::Admin);
    let publish = |cap: u32| PublishAmountRule {
        rule: rent_rule(cap),
        note: "2027 policy".into(),
        effective_from: None,
    };
    let e = app
        .publish_amount_rule(&talent, SONGJIANG, &m.code, publish(2800))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    let mut bad = publish(2800);
    bad.rule.terms[0].field = "monthly_income".into();
    let e = app
        .publish_amount_rule(&admin, SONGJIANG, &m.code, bad)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidReferenceData, "{e:?}");
    assert!(e.detail.contains("monthly_income"), "{e:?}");
    assert!(
        e.detail_zh
            .as_deref()
            .unwrap_or("")
            .contains("monthly_income"),
        "{e:?}"
    );
    let e = app
        .publish_amount_rule(&admin, "999999", &m.code, publish(2800))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
    let e = app
        .publish_amount_rule(&admin, SONGJIANG, "G60-TAL-001", publish(2800))
        .await
        .unwrap_err();
    assert_eq!(
        e.code,
        ErrorCode::InvalidReferenceData,
        "a matter without an amount: {e:?}"
    );
    let v2 = app
        .publish_amount_rule(&admin, SONGJIANG, &m.code, publish(2800))
        .await
        .unwrap();
    assert_eq!(v2.version, 2);

    // The decision computes by the rule in force, and records it.
    let decided = app.act(&talent, c.id, act(Action::Approve)).await.unwrap();
    let a = decided.amount.expect("the decision's amount");
    assert!(a.decided);
    assert_eq!(
        (a.computed.amount_fen, a.computed.total_fen),
        (280_000, 3_360_000)
    );
    assert_eq!(a.rule_version, 2);
    // The applicant reads it with how it was computed (the salary is theirs to see).
    let mine = app.get_case(&me, c.id).await.unwrap().amount.unwrap();
    assert_eq!(
        mine.summary_zh,
        "补贴 2,800.00 元/月，共 12 个月 33,600.00 元"
    );
    assert!(mine
        .computed
        .steps
        .iter()
        .any(|s| s.en.contains("20,000.00 × -0.1 = -2,000.00")));
    assert!(
        mine.computed.steps.iter().any(|s| s
            .zh
            .contains("上限（人才层次“B类(领军人才)”） 2,800.00 元：取 2,800.00 元")),
        "{:?}",
        mine.computed.steps
    );
    // An administrator sees the amount, not the steps that quote the salary.
    let masked = app.get_case(&admin, c.id).await.unwrap().amount.unwrap();
    assert_eq!(masked.computed.amount_fen, 280_000);
    assert!(masked.computed.steps.is_empty());
    // The decision's notice says what was granted; its audit event records the amount.
    let notices = app.case_notices(&me, c.id).await.unwrap();
    let decision = notices
        .iter()
        .find(|n| n.kind == corridor_domain::notice::NoticeKind::Decided)
        .expect("a decision notice");
    assert!(
        decision.body.contains("2,800.00 元/月"),
        "{}",
        decision.body
    );
    let events = app.case_events(&talent, c.id, None, None).await.unwrap();
    let approve = events.items.iter().find(|e| e.action == "approve").unwrap();
    assert_eq!(approve.after["amount"]["amount_fen"], 280_000);
    assert_eq!(approve.after["amount"]["rule_version"], 2);

    // A later rule changes later decisions only.
    app.publish_amount_rule(&admin, SONGJIANG, &m.code, publish(3500))
        .await
        .unwrap();
    let kept = app.get_case(&me, c.id).await.unwrap().amount.unwrap();
    assert_eq!((kept.computed.amount_fen, kept.rule_version), (280_000, 2));
    let history = app.amount_rule_history(SONGJIANG, &m.code).await.unwrap();
    assert_eq!(
        history.iter().map(|h| h.version).collect::<Vec<_>>(),
        [3, 2, 1]
    );
    assert_eq!(history[0].note, "2027 policy");
    let c2 = app.file_case(&me, req).await.unwrap();
    attach_required(app, &me, c2.id).await;
    app.act(&talent, c2.id, act(Action::Accept)).await.unwrap();
    let a = app
        .act(&talent, c2.id, act(Action::Approve))
        .await
        .unwrap()
        .amount
        .unwrap();
    assert_eq!((a.computed.amount_fen, a.rule_version), (300_000, 3));
    // The joint office sees what was decided by rule, by city and matter; a reviewer does not.
    let office = staff(Role::JointOffice);
    let totals = app.amount_totals(&office, None).await.unwrap();
    let rent = totals
        .iter()
        .find(|t| t.city == SONGJIANG && t.matter_code == "G60-TAL-002")
        .expect("Songjiang's rent subsidies");
    assert_eq!((rent.decisions, rent.total_fen), (2, 3_360_000 + 3_600_000));
    let this_month = app.amount_totals(&office, Some("2026-11")).await.unwrap();
    assert_eq!(this_month.len(), totals.len());
    let later = app.amount_totals(&office, Some("2026-12")).await.unwrap();
    assert!(later.is_empty(), "{later:?}");
    let e = app
        .amount_totals(&office, Some("2026-13"))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::BadRequest);
    let e = app.amount_totals(&talent, None).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);

    // A registration fee, filed at a Hefei window for a Songjiang property, non-residential:
    // 550 yuan, recorded in the signed title certificate.
    let m = r.current_matter("G60-RES-002").unwrap().clone();
    let window = clerk("340100-W01");
    let req = FileCase {
        matter_code: m.code.clone(),
        competent_city: SONGJIANG.into(),
        mode: ServiceMode::RemoteReceipt,
        window_id: None,
        form: form_of(
            &m,
            &[
                ("property_use", json!("non_residential")),
                ("small_micro", json!("no")),
            ],
        ),
        identity_checked: true,
        identity_seen: None,
    };
    let c = app.file_case(&window, req).await.unwrap();
    attach_required(app, &window, c.id).await;
    app.act(&window, c.id, act(Action::Forward)).await.unwrap();
    let estate = reviewer("310117-resources");
    app.act(&estate, c.id, act(Action::Accept)).await.unwrap();
    let a = app.act(&estate, c.id, act(Action::Approve)).await.unwrap();
    assert_eq!(a.amount.unwrap().summary_en, "fee 550.00 yuan");
    let issued = app
        .act(&estate, c.id, act(Action::IssueLicence))
        .await
        .unwrap();
    let l = app
        .get_licence(&estate, issued.licence_id.unwrap())
        .await
        .unwrap();
    assert_eq!(l.content["amount"]["fen"], 55_000, "{}", l.content);
    assert_eq!(l.content["amount"]["kind"], "fee");
    assert_eq!(l.content["amount"]["zh"], "收费 550.00 元");
    // The licence still verifies with the amount in its signed content.
    let v = app
        .verify_request(&serde_json::from_value(json!({"qr": l.qr})).unwrap())
        .await
        .unwrap();
    assert!(v.valid, "{v:?}");

    // A rule published ahead of the day it takes effect: today's decisions keep the rule in
    // force; from that day the new one decides. A date in the past, too far ahead or not a
    // date is refused next to the field.
    let m = r.current_matter("G60-TAL-002").unwrap().clone();
    for (date, says) in [
        ("2026-11-01", "today or later"),
        ("2029-01-01", "two years"),
        ("1 December", "YYYY-MM-DD"),
    ] {
        let mut ahead = publish(2600);
        ahead.effective_from = Some(date.into());
        let e = app
            .publish_amount_rule(&admin, SONGJIANG, &m.code, ahead)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationFailed, "{date}: {e:?}");
        assert_eq!(e.fields[0].field, "effective_from");
        assert!(e.fields[0].reason.contains(says), "{date}: {e:?}");
    }
    let mut ahead = publish(2600);
    ahead.effective_from = Some("2026-12-01".into());
    let v4 = app
        .publish_amount_rule(&admin, SONGJIANG, &m.code, ahead)
        .await
        .unwrap();
    assert_eq!((v4.version, v4.in_force), (4, false));
    assert_eq!(v4.effective_from, "2026-12-01");
    let listed: Vec<(i64, bool)> = app
        .amount_rules()
        .iter()
        .filter(|v| v.city == SONGJIANG && v.matter_code == m.code)
        .map(|v| (v.version, v.in_force))
        .collect();
    assert_eq!(listed, [(3, true), (4, false)]);
    let decide = |day| {
        let req = rent_filing(&m);
        let (env, me, talent) = (&env, &me, &talent);
        async move {
            env.set_date(day);
            let c = env.app.file_case(me, req).await.unwrap();
            attach_required(&env.app, me, c.id).await;
            env.app
                .act(talent, c.id, act(Action::Accept))
                .await
                .unwrap();
            let a = env
                .app
                .act(talent, c.id, act(Action::Approve))
                .await
                .unwrap();
            let a = a.amount.unwrap();
            (a.computed.amount_fen, a.rule_version)
        }
    };
    assert_eq!(decide(date!(2026 - 11 - 30)).await, (300_000, 3));
    assert_eq!(decide(date!(2026 - 12 - 01)).await, (260_000, 4));
    let history = app.amount_rule_history(SONGJIANG, &m.code).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|h| (h.version, h.in_force))
            .collect::<Vec<_>>(),
        [(4, true), (3, false), (2, false), (1, false)]
    );
    env.cleanup().await;
}
crate::both_backends!(
    amounts_follow_each_citys_rule,
    crate::amounts::amounts_by_rule
);
