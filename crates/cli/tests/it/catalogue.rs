//! The catalogue walk: every matter of the shipped catalogue, in every mode it offers, filed
//! with valid sample data and a file for each required material, taken to its decision (and
//! its licence, where it issues one). A matter a real applicant could not file fails here.

use crate::cases::{act, attach_required};
use crate::helpers::{applicant, clerk, env, reviewer, Backend, FILER_ID};
use corridor_app::filing::FileCase;
use corridor_domain::case::FILER_FIELDS;
use corridor_domain::case::{Action, Status};
use corridor_domain::catalogue::{ApplicantKind, FieldType, ServiceMode};
use time::macros::date;

const HOME: &str = "310117";
const WINDOW: &str = "340100-W01";

pub async fn walk(backend: Backend) {
    let today = date!(2026 - 11 - 02);
    let Some(env) = env(backend, today).await else {
        return;
    };
    let app = &env.app;
    let matters = app.reference().current.clone();
    assert!(matters.len() >= 220, "{} matters", matters.len());
    let (me, window) = (applicant(), clerk(WINDOW));
    let mut filed = 0;
    for (i, m) in matters.iter().enumerate() {
        let deciding = reviewer(&format!("{HOME}-{}", m.authority_kind));
        for mode in &m.modes {
            let mut form = corridor_app::demo::sample_form(m, "340100", today, i as u64);
            // A matter whose competent city is a form field's answer: that answer is HOME.
            if let Some(k) = &m.competent_city_field {
                form.insert(k.clone(), HOME.into());
            }
            // The natural person filing is the signed-in applicant (or the person at the window).
            for key in FILER_FIELDS {
                if form.contains_key(key) {
                    form.insert(key.to_string(), FILER_ID.into());
                }
            }
            // A matter with parts in multi-site mode is one joint filing: each part decided in
            // its own city (Hefei, then the home city).
            if *mode == ServiceMode::MultiSite && !m.parts.is_empty() {
                for (part, city) in m.parts.iter().zip(["340100", HOME]) {
                    form.insert(part.city_field.clone(), city.into());
                }
                let req = corridor_app::joint::FileJoint::multi_site(&m.code, form);
                let j = app.file_joint(&me, req).await.unwrap();
                for p in &j.parts {
                    attach_required(app, &me, p.case_id).await;
                    let who = reviewer(&p.competent_authority);
                    app.act(&who, p.case_id, act(Action::Accept)).await.unwrap();
                    app.act(&who, p.case_id, act(Action::Approve))
                        .await
                        .unwrap();
                }
                let done = app.get_joint(&me, j.id).await.unwrap();
                assert_eq!(
                    done.outcome,
                    Some(corridor_domain::joint::Outcome::Approved)
                );
                filed += 1;
                continue;
            }
            let at_window = *mode == ServiceMode::RemoteReceipt;
            let who = if at_window { &window } else { &me };
            let req = FileCase {
                matter_code: m.code.clone(),
                competent_city: HOME.into(),
                mode: *mode,
                window_id: None,
                form,
                identity_checked: at_window,
                identity_seen: None,
            };
            let c = app
                .file_case(who, req)
                .await
                .unwrap_or_else(|e| panic!("{} {}: {e:?}", m.code, mode.as_str()));
            attach_required(app, who, c.id).await;
            let files = app.materials(who, c.id).await.unwrap();
            assert!(files.complete, "{} {}: {files:?}", m.code, mode.as_str());
            let mut path = vec![];
            if at_window {
                path.push((&window, Action::Forward));
            }
            path.push((&deciding, Action::Accept));
            path.push((&deciding, Action::Approve));
            if m.output.licence_type.is_some() {
                path.push((&deciding, Action::IssueLicence));
            }
            let mut status = c.status;
            for (who, a) in path {
                status = app
                    .act(who, c.id, act(a))
                    .await
                    .unwrap_or_else(|e| panic!("{} {} {a:?}: {e:?}", m.code, mode.as_str()))
                    .status;
            }
            let end = if m.output.licence_type.is_some() {
                Status::LicenceIssued
            } else {
                Status::Approved
            };
            assert_eq!(status, end, "{} {}", m.code, mode.as_str());
            filed += 1;
        }
    }
    let offered: usize = matters.iter().map(|m| m.modes.len()).sum();
    assert_eq!(filed, offered);
    assert!(filed > 350, "{filed} filings");
    env.cleanup().await;
}
crate::both_backends!(every_matter_in_every_mode, crate::catalogue::walk);

/// What the walk found a real applicant hitting: a new company is not a branch, foreign
/// nationals give passport numbers, and an enterprise files in its own name (its credit code).
#[tokio::test]
async fn the_catalogue_fits_its_applicants() {
    let Some(env) = env(Backend::Sqlite, date!(2026 - 11 - 02)).await else {
        return;
    };
    let r = env.app.reference();
    let named = |zh: &str| {
        r.current
            .iter()
            .find(|m| m.name_zh == zh)
            .unwrap_or_else(|| panic!("no matter {zh}"))
    };
    let newco = named("内资公司设立登记");
    assert_eq!(newco.applicant_kind, ApplicantKind::Person);
    assert!(newco.fields.iter().all(|f| f.key != "parent_uscc"));
    assert!(named("分支机构设立登记")
        .fields
        .iter()
        .any(|f| f.key == "parent_uscc"));
    for zh in ["外国人来华工作许可", "外籍高层次人才确认函"] {
        let m = named(zh);
        let passport = m.fields.iter().find(|f| f.ty == FieldType::Passport);
        assert!(passport.is_some_and(|f| f.personal && f.required), "{zh}");
        let mut form = corridor_app::demo::sample_form(m, "310117", date!(2026 - 11 - 02), 1);
        form.insert("passport_no".into(), "AB12".into());
        let errors = m.validate_form(&form).unwrap_err();
        assert!(
            errors.iter().any(|e| e.field == "passport_no"),
            "{errors:?}"
        );
    }
    let complaint = named("跨区域知识产权侵权投诉");
    assert_eq!(complaint.applicant_kind, ApplicantKind::Either);
    assert!(complaint
        .fields
        .iter()
        .any(|f| f.key == "applicant_uscc" && f.ty == FieldType::Uscc));
    // Every matter asks for something beyond the identity documents, and a licence-issuing
    // matter for proof of its conditions.
    for m in &r.current {
        assert!(m.materials.len() >= 2, "{}", m.code);
        assert!(m.materials.iter().any(|x| x.original), "{}", m.code);
    }
    env.cleanup().await;
}

/// An IP infringement complaint's sample form, filed by the sample person at a Hefei window,
/// about an infringer in `infringer_city`.
fn ip_complaint(
    m: &corridor_domain::catalogue::Matter,
    today: time::Date,
    infringer_city: &str,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    let mut form = corridor_app::demo::sample_form(m, "340100", today, 7);
    for key in FILER_FIELDS {
        if form.contains_key(key) {
            form.insert(key.to_string(), FILER_ID.into());
        }
    }
    form.insert("infringer_city".into(), infringer_city.into());
    form
}

/// Competence from the facts (issue #27): an IP infringement complaint about a Jiaxing
/// infringer, filed by a Hefei firm at a Hefei window, is decided by Jiaxing's IP office, not
/// Hefei's; a home city that contradicts the infringer's city is refused, naming the field; the
/// catalogue says which matters take their competent city from which field.
pub async fn competence_from_the_facts(backend: Backend) {
    let today = date!(2026 - 11 - 02);
    let Some(env) = env(backend, today).await else {
        return;
    };
    let app = &env.app;
    let r = app.reference();
    let m = r.current_matter("G60-IP-001").unwrap().clone();
    assert_eq!(m.competent_city_field.as_deref(), Some("infringer_city"));
    let ruled: Vec<(String, String)> = r
        .current
        .iter()
        .filter_map(|m| Some((m.code.clone(), m.competent_city_field.clone()?)))
        .collect();
    assert_eq!(ruled.len(), 14, "{ruled:?}");
    let window = clerk(WINDOW); // Hefei
    let form = ip_complaint(&m, today, "330400"); // Jiaxing
    let req = |city: &str| FileCase {
        matter_code: m.code.clone(),
        competent_city: city.into(),
        mode: ServiceMode::RemoteReceipt,
        window_id: None,
        form: form.clone(),
        identity_checked: true,
        identity_seen: None,
    };
    // The filer's home city, Hefei, contradicts the infringer's city: refused, saying why.
    let e = app.file_case(&window, req("340100")).await.unwrap_err();
    assert_eq!(e.code, corridor_app::ErrorCode::BadRequest, "{e:?}");
    assert!(e.detail.contains("Where the infringement happens"), "{e:?}");
    assert_eq!(e.fields[0].field, "city", "{e:?}");
    // Left out (or the same city): decided in Jiaxing, received in Hefei.
    let c = app.file_case(&window, req("")).await.unwrap();
    assert_eq!(c.competent_city, "330400");
    assert_eq!(c.competent_authority, "330400-ip");
    assert_eq!(c.receiving_city, "340100");
    let same = app.file_case(&window, req("330400")).await.unwrap();
    assert_eq!(same.competent_authority, "330400-ip");
    // Without the field's answer: refused on that field.
    let mut missing = req("");
    missing.form.remove("infringer_city");
    let e = app.file_case(&window, missing).await.unwrap_err();
    assert_eq!(e.fields[0].field, "infringer_city", "{e:?}");
    // Jiaxing's IP reviewer decides it after the Hefei window forwards it; Hefei's cannot.
    attach_required(app, &window, c.id).await;
    app.act(&window, c.id, act(Action::Forward)).await.unwrap();
    let hefei = reviewer("340100-ip");
    assert!(app.act(&hefei, c.id, act(Action::Accept)).await.is_err());
    let jiaxing = reviewer("330400-ip");
    app.act(&jiaxing, c.id, act(Action::Accept)).await.unwrap();
    let done = app.act(&jiaxing, c.id, act(Action::Approve)).await.unwrap();
    assert_eq!(done.status, Status::Approved);
    // A matter without the rule keeps the applicant's home city.
    let plain = r.current_matter("G60-MAR-001").unwrap();
    assert!(plain.competent_city_field.is_none());
    env.cleanup().await;
}

crate::both_backends!(
    competence_follows_the_facts,
    crate::catalogue::competence_from_the_facts
);

/// A transfer when competence was wrong (issue #27): an IP complaint filed about a Hefei
/// infringer, accepted by Hefei's IP office, turns out to concern a Jiaxing one. Hefei's
/// reviewer transfers it, with a reason, to Jiaxing's IP office: the case waits in Jiaxing's
/// queue as forwarded, its legal clock starts again at Jiaxing's acceptance, Hefei's office no
/// longer sees it, and the audit chain records who moved it where and why.
pub async fn transfer_between_cities(backend: Backend) {
    let today = date!(2026 - 11 - 02);
    let Some(env) = env(backend, today).await else {
        return;
    };
    let app = &env.app;
    let r = app.reference();
    let m = r.current_matter("G60-IP-001").unwrap().clone();
    let window = clerk(WINDOW); // Hefei
    let form = ip_complaint(&m, today, "340100");
    let c = app
        .file_case(
            &window,
            FileCase {
                matter_code: m.code.clone(),
                competent_city: String::new(),
                mode: ServiceMode::RemoteReceipt,
                window_id: None,
                form,
                identity_checked: true,
                identity_seen: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(c.competent_authority, "340100-ip");
    attach_required(app, &window, c.id).await;
    app.act(&window, c.id, act(Action::Forward)).await.unwrap();
    let hefei = reviewer("340100-ip");
    let accepted = app.act(&hefei, c.id, act(Action::Accept)).await.unwrap();
    assert!(accepted.deadline.is_some());
    assert!(accepted.allowed_actions.contains(&Action::Transfer));
    let to = |id: Option<&str>, reason: Option<&str>| {
        let mut a = act(Action::Transfer);
        a.to_authority = id.map(str::to_string);
        a.reason = reason.map(str::to_string);
        a
    };
    let why = Some("侵权行为地在嘉兴 / The infringement happens in Jiaxing");
    // Refused, nothing changed: no reason, no target, another kind, the same city, a
    // reviewer of another authority.
    let e = app.act(&hefei, c.id, to(Some("330400-ip"), None)).await;
    assert!(e.unwrap_err().detail.contains("requires a reason"));
    for (target, says) in [
        (None, "choose the authority"),
        (Some("330400-market"), "same kind"),
        (Some("340100-ip"), "already with"),
        (Some("999999-ip"), "choose the authority"),
    ] {
        let e = app.act(&hefei, c.id, to(target, why)).await.unwrap_err();
        assert_eq!(e.fields[0].field, "to_authority", "{target:?}: {e:?}");
        assert!(e.fields[0].reason.contains(says), "{target:?}: {e:?}");
    }
    let other = reviewer("340100-market");
    let e = app.act(&other, c.id, to(Some("330400-ip"), why)).await;
    assert_eq!(e.unwrap_err().code, corridor_app::ErrorCode::Forbidden);
    assert_eq!(
        app.get_case(&hefei, c.id).await.unwrap().status,
        Status::Accepted
    );
    // The page offers Jiaxing's and the other cities' IP offices, not Hefei's own.
    let targets = app.transfer_targets("340100-ip");
    assert_eq!(targets.len(), 8, "{targets:?}");
    assert!(targets
        .iter()
        .all(|a| a.kind == "ip" && a.city.as_str() != "340100"));
    // Transferred.
    let moved = app
        .act(&hefei, c.id, to(Some("330400-ip"), why))
        .await
        .unwrap();
    assert_eq!(moved.status, Status::Forwarded);
    assert_eq!(moved.competent_authority, "330400-ip");
    assert_eq!(moved.competent_city, "330400");
    assert_eq!((moved.accepted_on, moved.deadline), (None, None));
    let e = app.get_case(&hefei, c.id).await.unwrap_err();
    assert_eq!(e.code, corridor_app::ErrorCode::Forbidden);
    // An action Hefei's office decided on the case as it was before the transfer is not
    // written over it: the store's update wants the authority it was decided for.
    let mut stale = env.store.get_case(c.id).await.unwrap().unwrap();
    stale.status = Status::Accepted;
    let mut tx = env.store.begin_write().await.unwrap();
    let written =
        corridor_store::Store::update_case(&mut tx, &stale, (Status::Forwarded, "340100-ip"))
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert!(!written, "a stale action applied after the transfer");
    let jiaxing = reviewer("330400-ip");
    let queue = app
        .list_cases(&jiaxing, &corridor_app::cases::CaseQuery::default())
        .await
        .unwrap();
    assert!(queue.items.iter().any(|x| x.id == c.id));
    // Jiaxing accepts: the clock starts from today, for the whole statutory period.
    let again = app.act(&jiaxing, c.id, act(Action::Accept)).await.unwrap();
    assert_eq!(again.accepted_on.as_deref(), Some("2026-11-02"));
    let due = app.add_working_days(today, m.statutory_days);
    assert_eq!(again.deadline, Some(corridor_store::date_str(due)));
    // Recorded: the transfer, by Hefei's reviewer, from and to, with the reason.
    let events = app.case_events(&jiaxing, c.id, None, None).await.unwrap();
    let ev = events
        .items
        .iter()
        .find(|e| e.action == "transfer")
        .expect("transfer recorded");
    assert_eq!(ev.role, "reviewer");
    assert_eq!(ev.before["competent_authority"], "340100-ip");
    assert_eq!(ev.after["competent_authority"], "330400-ip");
    assert!(ev.after["reason"].as_str().unwrap().contains("Jiaxing"));
    assert!(app.verify_audit().await.unwrap().first_break.is_none());
    // The statistics kept by the triggers follow the case to its new city.
    assert_eq!(env.store.check_stats().await.unwrap(), Vec::<String>::new());
    env.cleanup().await;
}

crate::both_backends!(
    a_case_is_transferred_between_cities,
    crate::catalogue::transfer_between_cities
);
