//! Sample scans for the demo's cases, so that a reviewer on the demo sees materials.

use crate::{App, AppResult};
use corridor_domain::case::Status;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Gives the newest `limit` cases past their receipt a small sample scan for each required
/// material (a PDF per material, a photo for identity documents), so that a reviewer on the
/// demo sees materials. The files are stored once (by content) and shared by the cases.
pub(super) async fn attach_samples(app: &App, limit: i64) -> AppResult<usize> {
    use corridor_domain::materials::sample;
    use corridor_store::{sha256_hex, AttachmentRecord, MaterialCheckRecord};
    let f = corridor_store::CaseFilter {
        statuses: vec![
            Status::Forwarded,
            Status::Accepted,
            Status::CorrectionRequested,
            Status::Resubmitted,
            Status::Approved,
            Status::Rejected,
            Status::LicenceIssued,
            Status::Delivered,
        ],
        ..Default::default()
    };
    let (cases, _) = app.store.list_cases(&f, limit, 0).await?;
    let r = app.reference();
    let mut stored: HashMap<String, (String, i64, &'static str)> = HashMap::new();
    let (mut rows, mut checks) = (Vec::new(), Vec::new());
    for c in &cases {
        let Some(m) = r.matter(&c.matter_code, c.catalogue_version) else {
            continue;
        };
        for (i, mt) in m.materials.iter().enumerate().filter(|(_, mt)| mt.required) {
            let photo = mt.name_en.contains("identity") || mt.name_en.contains("ID");
            let key = if photo {
                "photo".to_string()
            } else {
                mt.name_en.clone()
            };
            if !stored.contains_key(&key) {
                let (bytes, kind) = if photo {
                    (sample::png(64, 40, [214, 200, 170]), "png")
                } else {
                    (
                        sample::pdf(&format!("Sample scan - {}", mt.name_en), 0),
                        "pdf",
                    )
                };
                let sha = sha256_hex(&bytes);
                let size = bytes.len() as i64;
                app.store.put_blob(&sha, Arc::new(bytes)).await?;
                stored.insert(key.clone(), (sha, size, kind));
            }
            let (sha, size, kind) = stored[&key].clone();
            let window = c.receiving_window.is_some();
            rows.push(AttachmentRecord {
                id: Uuid::now_v7(),
                case_id: c.id,
                material: i as i64,
                file_name: format!("{}-{}.{kind}", c.receipt_no, i + 1),
                kind: kind.to_string(),
                size,
                sha256: sha,
                added_by: c.applicant_user.map(|u| u.to_string()).unwrap_or_default(),
                added_role: if window { "clerk" } else { "applicant" }.to_string(),
                added_ms: c.filed_ms + 600_000,
            });
            // Past the window: the clerk marked it received (and saw the original).
            if window {
                checks.push(MaterialCheckRecord {
                    case_id: c.id,
                    material: i as i64,
                    received: true,
                    original_seen: mt.original,
                    checked_by: String::new(),
                    checked_ms: c.filed_ms + 600_000,
                });
            }
        }
    }
    let mut tx = app.store.begin_write().await?;
    corridor_store::Store::insert_attachments(&mut tx, &rows).await?;
    corridor_store::Store::upsert_material_checks(&mut tx, &checks).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// Issues the sample enterprise (`ent.340100`'s) a business licence through the real path
/// (a change registration filed online, with its materials, accepted, approved and issued by
/// the Hefei market regulator), so that on the demo it can give that licence by reference for
/// a material (once only). Returns its number and the case's audit events; nothing without a
/// master key (no licence can be signed).
pub async fn issue_sample_licence(app: &App) -> AppResult<Option<(String, usize)>> {
    if !app.has_master_key() {
        return Ok(None);
    }
    use crate::cases::ActOnCase;
    use corridor_domain::case::Action;
    let (Some(ent), Some(rev)) = (
        app.store.user_by_name("ent.340100").await?,
        app.store.user_by_name("reviewer.340100.market").await?,
    ) else {
        return Ok(None);
    };
    let (ent, rev) = (
        crate::auth::principal_of(&ent)?,
        crate::auth::principal_of(&rev)?,
    );
    let Some(m) = app.reference().current_matter("G60-MAR-002").cloned() else {
        return Ok(None);
    };
    let today = app.today();
    let mut form = super::sample_form(&m, "340100", today, 2);
    for (k, v) in [
        ("applicant_uscc", super::SAMPLE_FIRM_USCC),
        ("enterprise_name", super::SAMPLE_FIRM_NAME),
        ("contact_id", super::SAMPLE_FILER_ID),
    ] {
        form.insert(k.into(), v.into());
    }
    let c = app
        .file_case(
            &ent,
            crate::filing::FileCase {
                matter_code: m.code.clone(),
                competent_city: "340100".into(),
                mode: corridor_domain::catalogue::ServiceMode::FullyOnline,
                window_id: None,
                form,
                identity_checked: false,
                identity_seen: None,
            },
        )
        .await?;
    let mut events = 1;
    for (i, mt) in m.materials.iter().enumerate().filter(|(_, x)| x.required) {
        events += 1;
        let file = crate::documents::NewFile {
            name: format!("material-{}.pdf", i + 1),
            bytes: corridor_domain::materials::sample::pdf(&format!("Sample - {}", mt.name_en), 0),
        };
        app.attach(&ent, c.id, i, file).await?;
    }
    let mut last = c;
    for action in [Action::Accept, Action::Approve, Action::IssueLicence] {
        let req = ActOnCase::plain(action);
        last = app.act(&rev, last.id, req).await?;
        events += 1;
    }
    let number = app.store.licence_of_case(last.id).await?.map(|l| l.number);
    tracing::info!(licence = ?number, "sample enterprise's business licence issued");
    Ok(number.map(|n| (n, events)))
}
