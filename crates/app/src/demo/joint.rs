//! The demo's joint filings, made through the same path as a real one (`App::file_joint`, the
//! parts' materials attached, the decisions taken): a provident-fund transfer from Hefei to
//! Songjiang approved by both fund centres, another waiting in both queues, and an investment
//! project's four permits received at a Hefei window for Songjiang and forwarded.

use crate::cases::ActOnCase;
use crate::joint::FileJoint;
use crate::{App, AppResult};
use corridor_domain::case::{Action, Principal, FILER_FIELDS};
use corridor_domain::joint::JointKind;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

async fn principal(app: &App, username: &str) -> AppResult<Option<Principal>> {
    match app.store.user_by_name(username).await? {
        Some(u) => Ok(Some(crate::auth::principal_of(&u)?)),
        None => Ok(None),
    }
}

/// A matter's sample answers with the filer's ID number.
fn sample(app: &App, code: &str, filer: &str) -> BTreeMap<String, Value> {
    let r = app.reference();
    let Some(m) = r.current_matter(code) else {
        return BTreeMap::new();
    };
    let mut form = super::sample_form(m, "310117", app.today(), 7);
    for k in FILER_FIELDS {
        if form.contains_key(k) {
            form.insert(k.to_string(), json!(filer));
        }
    }
    form
}

/// A multi-site transfer (`G60-HPF-003`, `G60-HRS-002`) online from city `from` to city `to`,
/// with the matter's sample answers and the filer's ID number (the demo and the tests file it).
pub fn transfer_filing(app: &App, code: &str, (from, to): (&str, &str), filer: &str) -> FileJoint {
    let mut form = sample(app, code, filer);
    form.insert("from_city".into(), json!(from));
    form.insert("to_city".into(), json!(to));
    FileJoint::multi_site(code, form)
}

/// Attaches a sample scan for each required material of the case still without one; at a
/// window the clerk also marks each received, its original seen (the demo's joint filings and
/// the tests use it).
pub async fn attach_required(app: &App, who: &Principal, case: Uuid) -> AppResult<()> {
    let m = app.materials(who, case).await?;
    for mt in m
        .materials
        .iter()
        .filter(|m| m.required && m.files.is_empty())
    {
        let file = crate::documents::NewFile {
            name: format!("material-{}.pdf", mt.index),
            bytes: corridor_domain::materials::sample::pdf(&mt.name_en, 0),
        };
        app.attach(who, case, mt.index, file).await?;
    }
    if who.role == corridor_domain::case::Role::Clerk {
        let marks: Vec<_> = m
            .materials
            .iter()
            .filter(|m| m.required)
            .map(|m| crate::materials::MaterialCheck {
                material: m.index,
                received: true,
                original_seen: true,
            })
            .collect();
        app.check_materials(who, case, &marks).await?;
    }
    Ok(())
}

/// Files the demo's joint filings; how many (none when the demo accounts are missing).
pub(super) async fn seed_joint(app: &App) -> AppResult<usize> {
    let (Some(ent), Some(clerk), Some(hefei), Some(songjiang)) = (
        principal(app, "ent.340100").await?,
        principal(app, "clerk.340100").await?,
        principal(app, "reviewer.340100.hpf").await?,
        principal(app, "reviewer.310117.hpf").await?,
    ) else {
        return Ok(0);
    };
    let filer = super::demo_resident_id("ent.340100");
    let transfer = || transfer_filing(app, "G60-HPF-003", ("340100", "310117"), &filer);
    let plain = ActOnCase::plain;
    // Approved by both cities.
    let done = app.file_joint(&ent, transfer()).await?;
    for (part, who) in done.parts.iter().zip([&hefei, &songjiang]) {
        attach_required(app, &ent, part.case_id).await?;
        app.act(who, part.case_id, plain(Action::Accept)).await?;
        app.act(who, part.case_id, plain(Action::Approve)).await?;
    }
    // Waiting in both queues.
    let open = app.file_joint(&ent, transfer()).await?;
    for part in &open.parts {
        attach_required(app, &ent, part.case_id).await?;
    }
    // An investment project's permits, received at the Hefei window for Songjiang.
    let r = app.reference();
    let mut form = BTreeMap::new();
    if let Some(b) = r.bundle("G60-BUN-001") {
        for code in &b.matters {
            for (k, v) in sample(app, code, &filer) {
                form.entry(k).or_insert(v);
            }
        }
    }
    let project = app
        .file_joint(
            &clerk,
            FileJoint {
                kind: JointKind::Bundle,
                code: "G60-BUN-001".into(),
                competent_city: "310117".into(),
                mode: None,
                window_id: None,
                form,
                identity_checked: true,
                identity_seen: None,
            },
        )
        .await?;
    for part in &project.parts {
        attach_required(app, &clerk, part.case_id).await?;
        app.act(&clerk, part.case_id, plain(Action::Forward))
            .await?;
    }
    Ok(3)
}
