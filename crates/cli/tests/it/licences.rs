//! E-licences end to end: Hefei → Songjiang ends in a Songjiang-issued business licence that
//! a verifier checks offline with only the trust list; tampering, revocation, expiry, rotation
//! and compromised keys.

use crate::cases::branch_filing;
use crate::helpers::refused;
use crate::helpers::{applicant, clerk, env, reviewer, staff, Backend};
use crate::helpers::{Go, Node};
use corridor_app::cases::ActOnCase;
use corridor_app::ErrorCode;
use corridor_domain::case::{Action, Principal, Status};
use corridor_domain::catalogue::ServiceMode;
use corridor_licence as lic;
use std::process::Command;
use time::macros::date;
use uuid::Uuid;

fn act(action: Action) -> ActOnCase {
    ActOnCase {
        action,
        correct_materials: Vec::new(),
        correct_fields: Vec::new(),
        to_authority: None,
        reason: None,
        identity_checked: action == Action::Receive,
        identity_seen: None,
        form: None,
    }
}

/// Files, moves and issues; returns the licence id.
async fn issue(app: &corridor_app::App, ent: &Principal) -> Uuid {
    let hf = clerk("340100-W01");
    let sj = reviewer("310117-market");
    let c = app
        .file_case(
            ent,
            branch_filing(Some("340100-W01"), ServiceMode::RemoteReceipt),
        )
        .await
        .unwrap();
    for (who, a) in [
        (&hf, Action::Receive),
        (&hf, Action::Forward),
        (&sj, Action::Accept),
        (&sj, Action::Approve),
    ] {
        crate::cases::step(app, who, c.id, a).await;
    }
    let v = app.act(&sj, c.id, act(Action::IssueLicence)).await.unwrap();
    assert_eq!(v.status, Status::LicenceIssued);
    let id = v.licence_id.expect("licence linked to the case");
    assert_eq!(app.get_case(ent, c.id).await.unwrap().licence_id, Some(id));
    id
}

fn cli_verify(dir: &std::path::Path, args: &[&str]) -> (i32, serde_json::Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_corridor"))
        .arg("--data-dir")
        .arg(dir.join("no-store-here"))
        .args(["cert", "verify"])
        .args(args)
        .env_remove("CORRIDOR_DATABASE_URL")
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code().unwrap_or(-1), v)
}

pub async fn offline_scenario(backend: Backend) {
    let Some(env) = env(backend, date!(2026 - 10 - 12)).await else {
        return;
    };
    let app = &env.app;
    app.set_master_key([42u8; 32]);
    let ent = applicant();
    let id = issue(app, &ent).await;
    let (number, file) = app.licence_file(&ent, id).await.unwrap();
    assert!(number.starts_with("LIC-340100-20261012-"));
    let view = app.get_licence(&ent, id).await.unwrap();
    assert_eq!(view.content["authority_id"], "310117-market");
    let hefei_firm = corridor_domain::ids::Uscc::with_check("91340100MA2TQ8K5X").unwrap();
    assert_eq!(view.content["holder"]["uscc"], hefei_firm.as_str());
    assert!(view.content["valid_until"].as_i64().is_some());
    // The verifier in Hefei has only the trust list, on disk; no store, no network.
    let dir = std::env::temp_dir().join(format!("corridor-lic-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let trust = dir.join("trust.json");
    std::fs::write(
        &trust,
        serde_json::to_string(&app.trust_list().await.unwrap()).unwrap(),
    )
    .unwrap();
    let lic_file = dir.join("licence.cose");
    std::fs::write(&lic_file, &file).unwrap();
    let t = trust.to_str().unwrap();
    let f = lic_file.to_str().unwrap();
    let (code, v) = cli_verify(
        &dir,
        &["--trust-list", t, "--at", "2026-10-13T09:00:00+08:00", f],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["valid"], true);
    assert_eq!(v["licence"]["city"], "310117");
    // The QR text verifies the same way.
    let qr = dir.join("licence.qr");
    std::fs::write(&qr, &view.qr).unwrap();
    assert_eq!(
        cli_verify(
            &dir,
            &[
                "--trust-list",
                t,
                "--at",
                "2026-10-13T09:00:00+08:00",
                qr.to_str().unwrap()
            ]
        )
        .0,
        0
    );
    // Any single byte changed: invalid (every byte offline in-process, a few through the CLI).
    let tl = app.trust_list().await.unwrap();
    let now = time::macros::datetime!(2026-10-13 09:00 +8).unix_timestamp();
    for i in 0..file.len() {
        let mut bad = file.clone();
        bad[i] ^= 0x01;
        assert!(
            lic::verify(&bad, &tl, &Default::default(), now).is_err(),
            "byte {i}"
        );
    }
    for i in [0, file.len() / 2, file.len() - 1] {
        let mut bad = file.clone();
        bad[i] ^= 0x20;
        std::fs::write(&lic_file, &bad).unwrap();
        let (code, v) = cli_verify(
            &dir,
            &["--trust-list", t, "--at", "2026-10-13T09:00:00+08:00", f],
        );
        assert_eq!(code, 1, "byte {i}: {v}");
        assert!(
            matches!(
                v["reason"].as_str(),
                Some("malformed" | "bad_signature" | "unknown_key")
            ),
            "{v}"
        );
    }
    std::fs::write(&lic_file, &file).unwrap();
    // Expiry (20-year operating period), and not yet valid.
    let (code, v) = cli_verify(
        &dir,
        &["--trust-list", t, "--at", "2046-10-13T09:00:00+08:00", f],
    );
    assert_eq!((code, v["reason"].as_str()), (1, Some("expired")));
    let (_, v) = cli_verify(
        &dir,
        &["--trust-list", t, "--at", "2026-10-11T09:00:00+08:00", f],
    );
    assert_eq!(v["reason"], "not_yet_valid");
    // Only the issuing authority revokes, with a reason.
    for other in [
        reviewer("340100-market"),
        reviewer("310117-hrss"),
        ent.clone(),
    ] {
        assert_eq!(
            app.revoke_licence(&other, id, "x").await.unwrap_err().code,
            ErrorCode::Forbidden
        );
    }
    let sj = reviewer("310117-market");
    assert_eq!(
        app.revoke_licence(&sj, id, " ").await.unwrap_err().code,
        ErrorCode::ReasonRequired
    );
    // A reason is a few paragraphs at most (2,000 characters), as for any refusal.
    let long = "理".repeat(2001);
    assert_eq!(
        app.revoke_licence(&sj, id, &long).await.unwrap_err().code,
        ErrorCode::ValidationFailed
    );
    env.set_date(date!(2026 - 10 - 14));
    assert!(app.verify_licence(&file).await.unwrap().valid);
    // Three clerks of the authority revoke at once: one revocation commits (with one audit
    // event, checked below), the others are told it is already revoked.
    let tries = futures::future::join_all(
        (0..3).map(|_| app.revoke_licence(&sj, id, "材料虚假 / false materials")),
    )
    .await;
    let done: Vec<_> = tries.iter().filter_map(|t| t.as_ref().ok()).collect();
    assert_eq!(done.len(), 1, "{tries:?}");
    assert!(done[0].revoked);
    assert!(tries
        .iter()
        .filter_map(|t| t.as_ref().err())
        .all(|e| e.code == ErrorCode::Conflict));
    // The applicant is told once, with the authority's reason.
    let case = app.get_licence(&ent, id).await.unwrap().case_id;
    let told: Vec<_> = app
        .case_notices(&ent, case)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == corridor_domain::notice::NoticeKind::LicenceRevoked)
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].body.contains("false materials") || told[0].body.contains("材料虚假"));
    // The node's own verification reads this licence's revocation (not the whole list).
    let v = app.verify_licence(&file).await.unwrap();
    assert_eq!(
        (v.valid, v.reason.as_deref()),
        (false, Some("licence_revoked"))
    );
    assert_eq!(
        app.revoke_licence(&sj, id, "again").await.unwrap_err().code,
        ErrorCode::Conflict
    );
    let revs = dir.join("revocations.json");
    std::fs::write(
        &revs,
        serde_json::to_string(&app.revocation_list().await.unwrap()).unwrap(),
    )
    .unwrap();
    let r = revs.to_str().unwrap();
    let (code, v) = cli_verify(
        &dir,
        &[
            "--trust-list",
            t,
            "--revocations",
            r,
            "--at",
            "2026-10-15T09:00:00+08:00",
            f,
        ],
    );
    assert_eq!(
        (code, v["reason"].as_str()),
        (1, Some("licence_revoked")),
        "{v}"
    );
    // Before the revocation took effect it was valid.
    assert_eq!(
        cli_verify(
            &dir,
            &[
                "--trust-list",
                t,
                "--revocations",
                r,
                "--at",
                "2026-10-13T09:00:00+08:00",
                f
            ]
        )
        .0,
        0
    );
    // The audit log records issuing and revocation, and still verifies.
    let evs = app
        .case_events(&ent, view.case_id, None, Some(50))
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = evs.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.ends_with(&["issue_licence", "revoke_licence"]),
        "{actions:?}"
    );
    assert_eq!(evs[evs.len() - 2].after["licence"], number);
    assert!(app.verify_audit().await.unwrap().first_break.is_none());
    // The holder lists it; a clerk may not read licences.
    assert_eq!(
        app.list_licences(&ent, &Default::default())
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        refused(app.get_licence(&clerk("340100-W01"), id)).await,
        ErrorCode::Forbidden
    );
    let _ = std::fs::remove_dir_all(dir);
    env.cleanup().await;
}
crate::both_backends!(licence_verified_offline, crate::licences::offline_scenario);

/// Rotation and compromise: licences signed before a rotation verify; a key revoked as
/// compromised fails what it signed from the compromise time and passes what it signed before.
pub async fn rotation(backend: Backend) {
    let Some(env) = env(backend, date!(2026 - 10 - 12)).await else {
        return;
    };
    let app = &env.app;
    app.set_master_key([7u8; 32]);
    let ent = applicant();
    let first = issue(app, &ent).await;
    let (_, file1) = app.licence_file(&ent, first).await.unwrap();
    let kid1 = app.get_licence(&ent, first).await.unwrap().kid;
    env.set_date(date!(2026 - 10 - 20));
    let (kid2, _) = app.rotate_key("310117-market").await.unwrap();
    assert_ne!(kid1, kid2);
    let second = issue(app, &ent).await;
    assert_eq!(app.get_licence(&ent, second).await.unwrap().kid, kid2);
    env.set_date(date!(2026 - 11 - 02));
    let third = issue(app, &ent).await;
    let (_, file2) = app.licence_file(&ent, second).await.unwrap();
    let (_, file3) = app.licence_file(&ent, third).await.unwrap();
    let now = time::macros::datetime!(2026-11-10 09:00 +8).unix_timestamp();
    let tl = app.trust_list().await.unwrap();
    for f in [&file1, &file2, &file3] {
        assert!(lic::verify(f, &tl, &Default::default(), now).is_ok());
    }
    // The retired key is out of service but still trusted for what it signed.
    let k1 = tl.keys.iter().find(|k| k.kid == kid1).unwrap();
    assert!(k1.not_after.is_some() && k1.revoked_at.is_none());
    // Key 2 leaked on 25 October: the 2 November licence fails, the 20 October one passes.
    let leak = time::macros::datetime!(2026-10-25 00:00 +8).unix_timestamp();
    app.revoke_key(&kid2, leak).await.unwrap();
    let tl = app.trust_list().await.unwrap();
    assert!(lic::verify(&file2, &tl, &Default::default(), now).is_ok());
    assert_eq!(
        lic::verify(&file3, &tl, &Default::default(), now)
            .unwrap_err()
            .code(),
        "key_revoked"
    );
    assert!(lic::verify(&file1, &tl, &Default::default(), now).is_ok());
    // The authority gets a fresh key for the next licence.
    let fourth = issue(app, &ent).await;
    let kid4 = app.get_licence(&ent, fourth).await.unwrap().kid;
    assert!(kid4 != kid1 && kid4 != kid2);
    let tl = app.trust_list().await.unwrap();
    let (_, file4) = app.licence_file(&ent, fourth).await.unwrap();
    assert!(lic::verify(&file4, &tl, &Default::default(), now).is_ok());
    env.cleanup().await;
}
crate::both_backends!(key_rotation_and_compromise, crate::licences::rotation);

/// Private keys never leave: not in exports, not in the trust list; an imported store signs
/// with a new key and still verifies the old licences.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_keys_stay_home() {
    let a = env(Backend::Sqlite, date!(2026 - 10 - 12)).await.unwrap();
    a.app.set_master_key([9u8; 32]);
    let ent = applicant();
    let first = issue(&a.app, &ent).await;
    let wrapped: String = sqlx::query_scalar("SELECT private_enc FROM signing_keys")
        .fetch_one(a.store.pool())
        .await
        .unwrap();
    let mut buf = Vec::new();
    a.store.export(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(!text.contains(&wrapped));
    let tl = serde_json::to_string(&a.app.trust_list().await.unwrap()).unwrap();
    assert!(!tl.contains(&wrapped) && !tl.contains("private"));
    let b = env(Backend::Sqlite, date!(2026 - 10 - 13)).await.unwrap();
    for t in corridor_store::TABLES.iter().rev() {
        sqlx::query(&format!("DELETE FROM {}", t.name))
            .execute(b.store.pool())
            .await
            .unwrap();
    }
    b.store.import(std::io::Cursor::new(text)).await.unwrap();
    b.app.reload_reference().await.unwrap();
    b.app.set_master_key([9u8; 32]);
    let second = issue(&b.app, &ent).await;
    let k1 = b.app.get_licence(&ent, first).await.unwrap().kid;
    let k2 = b.app.get_licence(&ent, second).await.unwrap().kid;
    assert_ne!(k1, k2, "a key without its private part is replaced");
    let tl = b.app.trust_list().await.unwrap();
    let now = time::macros::datetime!(2026-10-14 09:00 +8).unix_timestamp();
    for id in [first, second] {
        let (_, f) = b.app.licence_file(&ent, id).await.unwrap();
        assert!(lic::verify(&f, &tl, &Default::default(), now).is_ok());
    }
    // A wrong master key cannot sign.
    b.app.set_master_key([1u8; 32]);
    let c = b
        .app
        .file_case(&ent, branch_filing(None, ServiceMode::FullyOnline))
        .await
        .unwrap();
    let sj = reviewer("310117-market");
    crate::cases::attach_required(&b.app, &ent, c.id).await;
    b.app.act(&sj, c.id, act(Action::Accept)).await.unwrap();
    b.app.act(&sj, c.id, act(Action::Approve)).await.unwrap();
    let e = b
        .app
        .act(&sj, c.id, act(Action::IssueLicence))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Internal);
    assert_eq!(
        b.app.get_case(&sj, c.id).await.unwrap().status,
        Status::Approved,
        "nothing half-done"
    );
    a.cleanup().await;
    b.cleanup().await;
}

/// The HTTP face: holders download the file and the QR code; anyone verifies by QR text,
/// base64 file or raw bytes; the trust list and revocations are public.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licences_over_http() {
    let e = env(Backend::Sqlite, date!(2026 - 10 - 12)).await.unwrap();
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let api = |p: &str| format!("{base}/api/v1{p}");
    let login = |u: &str| {
        http.post(api("/auth/login"))
            .json(&serde_json::json!({"username": u, "password": "corridor-demo"}))
            .send()
    };
    let ent: serde_json::Value = login("ent.340100").await.unwrap().json().await.unwrap();
    let holder = Principal {
        user_id: ent["user"]["id"].as_str().unwrap().parse().unwrap(),
        username: "ent.340100".into(),
        role: corridor_domain::case::Role::Applicant,
        city: None,
        window_id: None,
        authority_id: None,
        resident_id: Some(crate::helpers::FILER_ID.into()),
    };
    let id = issue(&e.app, &holder).await;
    let tok = ent["token"].as_str().unwrap();
    let list: serde_json::Value = http.get(api("/licences")).bearer_auth(tok).value().await;
    assert_eq!(list["total"], 1);
    let qr = list["items"][0]["qr"].as_str().unwrap().to_string();
    let file = http
        .get(api(&format!("/licences/{id}/file")))
        .bearer_auth(tok)
        .go()
        .await;
    assert_eq!(file.headers()["content-type"], "application/cose");
    assert!(file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".cose"));
    let bytes = file.bytes().await.unwrap();
    let svg = http
        .get(api(&format!("/licences/{id}/qr.svg")))
        .bearer_auth(tok)
        .go()
        .await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));
    // Public verification, three ways.
    let v: serde_json::Value = http
        .post(api("/licences/verify"))
        .json(&serde_json::json!({"qr": qr}))
        .value()
        .await;
    assert_eq!(v["valid"], true, "{v}");
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let v: serde_json::Value = http
        .post(api("/licences/verify"))
        .json(&serde_json::json!({"file_base64": b64}))
        .value()
        .await;
    assert_eq!(v["valid"], true);
    let v: serde_json::Value = http
        .post(api("/licences/verify"))
        .header("content-type", "application/cose")
        .body(bytes.to_vec())
        .value()
        .await;
    assert_eq!(v["valid"], true);
    let mut bad = bytes.to_vec();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let v: serde_json::Value = http
        .post(api("/licences/verify"))
        .header("content-type", "application/cose")
        .body(bad)
        .value()
        .await;
    assert_eq!(
        (v["valid"].as_bool(), v["reason"].as_str()),
        (Some(false), Some("bad_signature"))
    );
    let r = http
        .post(api("/licences/verify"))
        .json(&serde_json::json!({"qr": "x", "file_base64": "y"}))
        .go()
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
    let tl: serde_json::Value = http.get(api("/trust-list")).value().await;
    assert_eq!(tl["format"], "corridor-trust-list/1");
    assert!(!tl.to_string().contains("private"));
    let rv: serde_json::Value = http.get(api("/revocations")).value().await;
    assert_eq!(rv["revoked"].as_array().unwrap().len(), 0);
    // The public verification page (a form, no JavaScript).
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let (vcookie, vtok) = crate::web::public_form(&http, &base, "/verify").await;
    let form = |q: &str, lang: &str| {
        http.post(format!("{base}/verify?lang={lang}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &vcookie)
            .body(format!("csrf={vtok}&qr={}", enc(q)))
            .send()
    };
    let page = form(&qr, "zh").await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("有效证照")
            && html.contains("松江区市场监督管理局")
            && html.contains("营业执照"),
        "{html}"
    );
    let mut tampered = qr.clone().into_bytes();
    let at = tampered.len() - 3;
    tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
    let page = form(std::str::from_utf8(&tampered).unwrap(), "en")
        .await
        .unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text().await.unwrap();
    assert!(html.contains("Not valid"), "{html}");
    let form_page = http
        .get(format!("{base}/verify"))
        .go()
        .await
        .text()
        .await
        .unwrap();
    assert!(form_page.contains(r#"<label for="qr">"#));
    // Another applicant cannot download it.
    let other: serde_json::Value = login("ent.320500").await.unwrap().json().await.unwrap();
    let r = http
        .get(api(&format!("/licences/{id}/file")))
        .bearer_auth(other["token"].as_str().unwrap())
        .go()
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    e.cleanup().await;
}

/// Licence lists at scale: newest first read in index order (no sort of every licence in
/// scope), and the count stops at 10,000 like the case lists'.
#[tokio::test]
async fn licence_lists_read_in_index_order() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 20)).await.unwrap();
    // 10,005 rows straight into the table: three authorities, newest has the highest time.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10005) \
         INSERT INTO licences (id, number, case_id, authority_id, kid, licence_type, holder_user, \
         issued_ms, valid_until_ms, envelope) \
         SELECT printf('00000000-0000-7000-8000-%012d', i), 'N' || i, \
         printf('00000000-0000-7000-9000-%012d', i), \
         CASE i % 3 WHEN 0 THEN '310117-market' WHEN 1 THEN '340100-market' ELSE '320500-market' END, \
         'k', 'business-licence', NULL, 1000 + i, NULL, 'e' FROM n",
    )
    .execute(e.store.pool())
    .await
    .unwrap();
    let (rows, total, exact) = e.store.list_licences(None, None, None, 5, 0).await.unwrap();
    assert_eq!((total, exact), (10_000, false));
    let times: Vec<i64> = rows.iter().map(|r| r.issued_ms).collect();
    assert_eq!(times, vec![11_005, 11_004, 11_003, 11_002, 11_001]);
    let (rows, total, exact) = e
        .store
        .list_licences(None, Some("310117-market"), None, 2, 1)
        .await
        .unwrap();
    assert_eq!((total, exact), (3_335, true));
    assert_eq!(
        rows.iter().map(|r| r.issued_ms).collect::<Vec<_>>(),
        vec![11_002, 10_999]
    );
    for (filter, index) in [
        ("", "licences_issued"),
        ("WHERE authority_id = 'A' ", "licences_authority"),
        ("WHERE holder_user = 'H' ", "licences_holder"),
        // The keyset cursor of `next_after` enters the same indexes.
        (
            "WHERE issued_ms <= 9 AND (issued_ms < 9 OR id > 'i') ",
            "licences_issued",
        ),
        (
            "WHERE authority_id = 'A' AND issued_ms <= 9 AND (issued_ms < 9 OR id > 'i') ",
            "licences_authority",
        ),
    ] {
        let plan = crate::helpers::query_plan(
            &e.store,
            &format!("SELECT id FROM licences {filter}ORDER BY issued_ms DESC, id LIMIT 20"),
        )
        .await;
        assert!(
            plan.contains(index) && !plan.contains("TEMP B-TREE"),
            "{filter}: {plan}"
        );
    }
    e.cleanup().await;
}

/// Keyset paging of licence lists: walking by `next_after` gives the same licences in the same
/// order as walking by page number, ties in issue time included, for every scope; a cursor
/// that is not one is refused.
pub async fn licence_keyset(b: Backend) {
    let Some(e) = env(b, date!(2026 - 11 - 20)).await else {
        return;
    };
    // 1,205 licences, three to each issue time, ids out of issue order, two authorities.
    let sql = match b {
        Backend::Sqlite => {
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1205) \
             INSERT INTO licences (id, number, case_id, authority_id, kid, licence_type, \
             holder_user, issued_ms, valid_until_ms, envelope) \
             SELECT printf('00000000-0000-7000-8000-%012d', (i * 7919) % 10007), 'N' || i, \
             printf('00000000-0000-7000-9000-%012d', i), \
             CASE i % 2 WHEN 0 THEN '310117-market' ELSE '340100-market' END, \
             'k', 'business-licence', NULL, 1000 + i / 3, NULL, 'e' FROM n"
        }
        Backend::Postgres => {
            "INSERT INTO licences (id, number, case_id, authority_id, kid, licence_type, \
             holder_user, issued_ms, valid_until_ms, envelope) \
             SELECT '00000000-0000-7000-8000-' || lpad(((i * 7919) % 10007)::text, 12, '0'), \
             'N' || i, '00000000-0000-7000-9000-' || lpad(i::text, 12, '0'), \
             CASE i % 2 WHEN 0 THEN '310117-market' ELSE '340100-market' END, \
             'k', 'business-licence', NULL, 1000 + i / 3, NULL, 'e' \
             FROM generate_series(1, 1205) AS n(i)"
        }
    };
    sqlx::query(sql).execute(e.store.pool()).await.unwrap();
    let q = |page, after: Option<String>| corridor_app::licences::LicenceQuery {
        page: Some(page),
        per_page: Some(100),
        after,
    };
    for (who, n) in [
        (staff(corridor_domain::case::Role::Admin), 1205),
        (reviewer("310117-market"), 602),
    ] {
        let (mut by_page, mut by_cursor) = (Vec::new(), Vec::new());
        for page in 1.. {
            let p = e.app.list_licences(&who, &q(page, None)).await.unwrap();
            assert_eq!((p.total, p.total_exact), (n, true));
            if p.items.is_empty() {
                break;
            }
            by_page.extend(p.items.into_iter().map(|l| (l.issued_at, l.id)));
        }
        let mut after = None;
        loop {
            // `page` is ignored once there is a cursor.
            let page = if after.is_some() { 7 } else { 1 };
            let p = e.app.list_licences(&who, &q(page, after)).await.unwrap();
            assert!(p.items.iter().all(|l| who.authority_id.is_none()
                || Some(&l.authority_id) == who.authority_id.as_ref()));
            by_cursor.extend(p.items.into_iter().map(|l| (l.issued_at, l.id)));
            match p.next_after {
                Some(a) => after = Some(a),
                None => break,
            }
        }
        assert_eq!(by_page.len() as i64, n);
        assert_eq!(by_cursor, by_page, "{}", who.username);
        let ids: std::collections::HashSet<_> = by_cursor.iter().map(|(_, id)| id).collect();
        assert_eq!(ids.len() as i64, n);
        assert!(
            by_cursor.windows(2).all(|w| w[0].0 >= w[1].0),
            "newest first"
        );
    }
    for bad in [
        "x",
        "12.not-a-uuid",
        "12",
        ".00000000-0000-7000-8000-000000000001",
    ] {
        let err = e
            .app
            .list_licences(
                &staff(corridor_domain::case::Role::Admin),
                &q(1, Some(bad.into())),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::BadRequest, "{bad}");
    }
    e.cleanup().await;
}

crate::both_backends!(
    licence_lists_walk_by_cursor,
    crate::licences::licence_keyset
);

/// An authority without a key that decides several cases at the same moment gets one key, and
/// every licence signed then verifies (before, each decision created a key and retired the one
/// before it, and licences signed with a retired key in that window failed).
pub async fn first_keys_are_created_once(backend: Backend) {
    let Some(env) = env(backend, date!(2026 - 10 - 12)).await else {
        return;
    };
    let app = &env.app;
    let authority = "310117-market";
    let before = app.trust_list().await.unwrap().keys.len();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let app = app.clone();
        tasks.spawn(async move { app.signing_key(authority).await.unwrap().0 });
    }
    let mut kids = std::collections::BTreeSet::new();
    while let Some(kid) = tasks.join_next().await {
        kids.insert(kid.unwrap());
    }
    assert_eq!(kids.len(), 1, "one key for concurrent first uses: {kids:?}");
    let tl = app.trust_list().await.unwrap();
    assert_eq!(tl.keys.len(), before + 1);
    assert!(
        tl.keys.iter().all(|k| k.not_after.is_none()),
        "none retired"
    );
    env.cleanup().await;
}
crate::both_backends!(
    first_key_created_once,
    crate::licences::first_keys_are_created_once
);

fn corridor_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_corridor"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CORRIDOR_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// The signed corridor trust list by CLI (issue #24, point 1): the joint office makes a root
/// key, drafts a list from the member nodes and the store's authority keys, signs it; a
/// verifier pinning the root checks a licence with it, and refuses an unsigned, tampered,
/// foreign-rooted, older or expired list with a stable code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_trust_list_by_cli() {
    let env = env(Backend::Sqlite, date!(2026 - 10 - 12)).await.unwrap();
    env.app.set_master_key([42u8; 32]);
    let ent = applicant();
    let id = issue(&env.app, &ent).await;
    let (_, licence) = env.app.licence_file(&ent, id).await.unwrap();
    let store_dir = env.dir.clone().unwrap();
    let dir = std::env::temp_dir().join(format!("corridor-trust-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let run = |args: &[&str]| corridor_in(&store_dir, args);
    let code = |o: &std::process::Output| o.status.code().unwrap_or(-1);
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    // The root key: a new file only its owner reads; never overwritten.
    let o = run(&["trust", "root-key", "--out", &p("root.json")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let root: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let root_pub = root["public_key"].as_str().unwrap().to_string();
    assert!(root["kid"].as_str().unwrap().starts_with("root-"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(p("root.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_ne!(
        code(&run(&["trust", "root-key", "--out", &p("root.json")])),
        0
    );
    let o = run(&["trust", "root-key", "--out", &p("other-root.json")]);
    let other_pub = serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    // Two member nodes, each with a message key.
    let node = |id: &str, city: &str, port: u16| {
        serde_json::json!({
            "node_id": id, "city": city, "name_zh": id, "name_en": id,
            "base_url": format!("http://127.0.0.1:{port}/"),
            "message_keys": [{
                "kid": format!("{id}-msg-1"),
                "public_key": lic::public_key_b64(&lic::generate_key().verifying_key()),
                "not_before": 0
            }]
        })
    };
    let nodes = serde_json::json!([
        node("hefei", "340100", 9101),
        node("songjiang", "310117", 9102)
    ]);
    std::fs::write(p("nodes.json"), nodes.to_string()).unwrap();
    for (seq, days) in [("1", "30"), ("2", "30")] {
        let draft = p(&format!("draft{seq}.json"));
        let o = run(&[
            "trust",
            "draft",
            "--nodes",
            &p("nodes.json"),
            "--sequence",
            seq,
            "--days",
            days,
            "--out",
            &draft,
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let o = run(&[
            "trust",
            "sign",
            "--root-key",
            &p("root.json"),
            "--out",
            &p(&format!("list{seq}.cose")),
            &draft,
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    let draft: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("draft1.json")).unwrap()).unwrap();
    assert!(!draft["licence_keys"].as_array().unwrap().is_empty());
    // Checked against the pinned root.
    let o = run(&["trust", "check", "--root", &root_pub, &p("list1.cose")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(list["sequence"], 1);
    assert_eq!(list["nodes"][1]["node_id"], "songjiang");
    // A licence verified with the signed list (no store: another data folder).
    std::fs::write(p("licence.cose"), &licence).unwrap();
    let (c, v) = cli_verify(
        &dir,
        &[
            "--signed-trust",
            &p("list2.cose"),
            "--root",
            &root_pub,
            &p("licence.cose"),
        ],
    );
    assert_eq!(c, 0, "{v}");
    assert_eq!(v["valid"], true);
    // Refused, each with its code, and nothing verified.
    let refused = |args: &[&str], want: &str| {
        let o = run(args);
        assert_eq!(code(&o), 1, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    };
    refused(
        &["trust", "check", "--root", &root_pub, &p("draft1.json")],
        "trust_list_unsigned",
    );
    refused(
        &["trust", "check", "--root", &other_pub, &p("list1.cose")],
        "trust_list_unknown_root",
    );
    let mut bytes = std::fs::read(p("list1.cose")).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(p("tampered.cose"), &bytes).unwrap();
    let o = run(&["trust", "check", "--root", &root_pub, &p("tampered.cose")]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    refused(
        &[
            "trust",
            "check",
            "--root",
            &root_pub,
            "--held",
            &p("list2.cose"),
            &p("list1.cose"),
        ],
        "trust_list_older",
    );
    refused(
        &[
            "trust",
            "check",
            "--root",
            &root_pub,
            "--at",
            "2099-01-01T00:00:00Z",
            &p("list1.cose"),
        ],
        "trust_list_expired",
    );
    let (c, _) = cli_verify(
        &dir,
        &[
            "--signed-trust",
            &p("draft1.json"),
            "--root",
            &root_pub,
            &p("licence.cose"),
        ],
    );
    assert_ne!(c, 0);
    // A base64url key may begin with '-': taken as the value, not as an option.
    let o = run(&["trust", "check", "--root", "-AAAA", &p("list1.cose")]);
    assert!(stderr(&o).contains("is not a public key"), "{}", stderr(&o));
    nodes_hold_and_fetch_the_list(&dir, &root_pub, &licence).await;
    let _ = std::fs::remove_dir_all(&dir);
    env.cleanup().await;
}

impl Node {
    /// The sequence of the signed list the node serves.
    async fn sequence(&self) -> Option<u64> {
        let r = reqwest::get(format!("{}/api/v1/trust-list/signed", self.url))
            .await
            .ok()?;
        r.headers()
            .get("x-corridor-trust-sequence")?
            .to_str()
            .ok()?
            .parse()
            .ok()
    }

    /// The node's verdict on a licence file.
    async fn verify(&self, licence: &[u8]) -> serde_json::Value {
        use base64::Engine;
        let file = base64::engine::general_purpose::STANDARD.encode(licence);
        reqwest::Client::new()
            .post(format!("{}/api/v1/licences/verify", self.url))
            .json(&serde_json::json!({ "file_base64": file }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// Nodes with the signed list: the joint office's node serves list 2; a city node starts on
/// list 1, fetches list 2 from it and keeps it on disk; it verifies another city's licence
/// with the keys the list carries (its own store has none); a node given an altered list
/// does not start, and says why.
async fn nodes_hold_and_fetch_the_list(dir: &std::path::Path, root_pub: &str, licence: &[u8]) {
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    std::fs::copy(p("list1.cose"), p("held.cose")).unwrap();
    let trusting = |list: String| {
        vec![
            "--trust-list".to_string(),
            list,
            "--trust-root".into(),
            root_pub.into(),
        ]
    };
    let office_args = trusting(p("list2.cose"));
    let office_args: Vec<&str> = office_args.iter().map(String::as_str).collect();
    let office = Node::start(&dir.join("office"), &office_args).expect("the joint office's node");
    assert_eq!(office.sequence().await, Some(2));
    let fetch = format!("{}/api/v1/trust-list/signed", office.url);
    let mut city_args = trusting(p("held.cose"));
    city_args.extend([
        "--trust-list-url".into(),
        fetch,
        "--trust-refresh-secs".into(),
        "1".into(),
    ]);
    let city_args: Vec<&str> = city_args.iter().map(String::as_str).collect();
    let city = Node::start(&dir.join("city"), &city_args).expect("the city's node");
    // The node adopts the newer list, then writes it over the one it holds: wait for both.
    let newer = std::fs::read(p("list2.cose")).unwrap();
    let held = || std::fs::read(p("held.cose")).unwrap();
    let mut seq = city.sequence().await;
    for _ in 0..100 {
        if seq == Some(2) && held() == newer {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        seq = city.sequence().await;
    }
    assert_eq!(seq, Some(2), "the city node fetched the newer list");
    assert_eq!(held(), newer, "the city node kept the newer list on disk");
    let answer = city.verify(licence).await;
    assert_eq!(answer["valid"], true, "{answer}");
    // Without the list, the same node cannot tell the key.
    drop(city);
    let bare = Node::start(&dir.join("city"), &[]).expect("the city's node without a list");
    assert!(bare.sequence().await.is_none());
    let answer = bare.verify(licence).await;
    assert_eq!(answer["valid"], false, "{answer}");
    drop(bare);
    let altered = trusting(p("tampered.cose"));
    let altered: Vec<&str> = altered.iter().map(String::as_str).collect();
    let refused = Node::start(&dir.join("city"), &altered)
        .err()
        .expect("a node on an altered list does not start");
    assert!(refused.contains("trust_list_"), "{refused}");
}
