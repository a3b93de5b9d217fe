//! Materials over HTTP: uploads as raw bodies, the type told from the content, every kind of
//! bad file refused with problem JSON and nothing stored, downloads recorded; unrecorded files
//! swept at start-up.

use crate::api::problem;
use crate::cases::branch_filing;
use crate::helpers::{env, Backend, Go};
use corridor_app::documents::NewFile;
use corridor_domain::catalogue::ServiceMode;
use corridor_domain::materials::sample;
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::macros::date;

async fn token(http: &reqwest::Client, base: &str, user: &str) -> String {
    let v: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "corridor-demo"}))
        .value()
        .await;
    v["token"].as_str().unwrap().to_string()
}

/// A case's materials as the API lists them to `token`'s holder.
async fn materials_of(http: &reqwest::Client, base: &str, id: &str, token: &str) -> Value {
    http.get(format!("{base}/api/v1/cases/{id}/materials"))
        .bearer_auth(token)
        .value()
        .await
}

/// A server on a fresh store with one demo case a member, and the tokens of the Hefei
/// enterprise, the Hefei clerk, the Songjiang market reviewer and the joint office.
async fn demo_server(backend: Backend) -> Option<(crate::helpers::Env, Served, [String; 4])> {
    let e = env(backend, date!(2026 - 11 - 02)).await?;
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    let (base, stop) = e.serve().await;
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for u in [
        "ent.340100",
        "clerk.340100",
        "reviewer.310117.market",
        "office",
    ] {
        tokens.push(token(&http, &base, u).await);
    }
    let tokens = tokens.try_into().unwrap();
    Some((e, (base, stop, http), tokens))
}

/// A running server: its base URL, what stops it, a client.
type Served = (String, tokio::sync::oneshot::Sender<()>, reqwest::Client);

pub async fn uploads_over_http(backend: Backend) {
    let Some((e, (base, _stop, http), [ent, clerk, reviewer, office])) = demo_server(backend).await
    else {
        return;
    };
    let api = |p: &str| format!("{base}/api/v1{p}");

    // The applicant files at the Hefei window and attaches online.
    let filing = branch_filing(Some("340100-W01"), ServiceMode::RemoteReceipt);
    let case: Value = http
        .post(api("/cases"))
        .bearer_auth(&ent)
        .json(&filing)
        .value()
        .await;
    let id = case["id"].as_str().unwrap().to_string();
    let upload = |who: &str, material: &str, name: &str, body: Vec<u8>| {
        http.post(api(&format!("/cases/{id}/materials/{material}")))
            .query(&[("file_name", name)])
            .bearer_auth(who)
            .body(body)
    };
    let pdf = sample::pdf("Application form", 0);
    let r = upload(&ent, "0", "申请书.pdf", pdf.clone()).go().await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["kind"], "pdf");
    assert_eq!(a["size"], pdf.len());
    assert_eq!(a["sha256"], corridor_store::sha256_hex(&pdf));

    // Bad files: each a problem document with a stable code, nothing stored.
    let png = sample::png(8, 8, [0, 128, 255]);
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "scan.pdf",
            png.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_refused",
        ),
        (
            "empty.pdf",
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_refused",
        ),
        (
            "half.pdf",
            pdf[..pdf.len() / 2].to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_refused",
        ),
        (
            "prog.pdf",
            b"MZ\x90\x00\x03".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_refused",
        ),
        (
            "../../etc/passwd.pdf",
            pdf.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_refused",
        ),
        (
            "a.exe",
            pdf.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_refused",
        ),
    ];
    for (name, body, status, code) in cases {
        let v = problem(upload(&ent, "1", name, body).go().await, status, code).await;
        assert!(v["detail_zh"].is_string(), "{v}");
        assert_eq!(v["errors"][0]["field"], "file", "{v}");
    }
    // Too large for the configured limit; more than the server reads at all.
    e.app
        .set_material_limits(corridor_domain::materials::Limits {
            file_bytes: 1000,
            ..Default::default()
        });
    let big = sample::pdf("big", 5000);
    problem(
        upload(&ent, "1", "big.pdf", big).go().await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
    )
    .await;
    e.app.set_material_limits(Default::default());
    // More than the server reads at all: refused from the head (sent alone, since a client
    // still writing the body may see the connection close).
    let addr = base.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/cases/{id}/materials/1?file_name=huge.pdf HTTP/1.1\r\nHost: x\r\n\
         Authorization: Bearer {ent}\r\nContent-Length: {}\r\n\r\n",
        corridor_api::materials::MAX_UPLOAD_BYTES + 1
    );
    tokio::io::AsyncWriteExt::write_all(&mut sock, head.as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("payload_too_large") {
        let n = tokio::io::AsyncReadExt::read(&mut sock, &mut buf)
            .await
            .unwrap();
        assert!(n > 0, "{}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 413"));
    // Not a material of the matter; not the caller's case.
    problem(
        upload(&ent, "99", "x.pdf", pdf.clone()).go().await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        upload(&reviewer, "1", "x.pdf", pdf.clone()).go().await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        http.post(api(&format!("/cases/{id}/materials/1")))
            .bearer_auth(&ent)
            .body(pdf.clone())
            .go()
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    let list: Value = materials_of(&http, &base, &id, &ent).await;
    let files: usize = list["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["files"].as_array().unwrap().len())
        .sum();
    assert_eq!(files, 1, "only the good file is stored");
    assert_eq!(list["complete"], false);
    assert_eq!(list["may_attach"], true);

    // The clerk receives, tries to forward (refused, naming what is missing), scans the rest.
    let act = |who: &str, action: &str| {
        http.post(api(&format!("/cases/{id}/actions")))
            .bearer_auth(who)
            .json(&json!({"action": action, "identity_checked": action == "receive"}))
    };
    assert!(act(&clerk, "receive").go().await.status().is_success());
    let v = problem(
        act(&clerk, "forward").go().await,
        StatusCode::CONFLICT,
        "materials_missing",
    )
    .await;
    assert!(
        v["detail_zh"].as_str().unwrap().contains("营业执照副本"),
        "{v}"
    );
    for m in list["materials"].as_array().unwrap() {
        if m["required"] == true && m["files"].as_array().unwrap().is_empty() {
            let i = m["index"].to_string();
            let r = upload(&clerk, &i, "scan.png", png.clone()).go().await;
            assert_eq!(r.status(), StatusCode::CREATED);
        }
    }
    // Scanned at the window: received; the applicant's own upload (material 0) is not, and
    // the contact's identity document wants its original seen.
    let v = problem(
        act(&clerk, "forward").go().await,
        StatusCode::CONFLICT,
        "materials_missing",
    )
    .await;
    let zh = v["detail_zh"].as_str().unwrap();
    assert!(zh.contains("窗口未确认收取") && zh.contains("原件"), "{v}");
    let checks = |who: &str, body: Value| {
        http.put(api(&format!("/cases/{id}/materials/checks")))
            .bearer_auth(who)
            .json(&body)
    };
    // Only the receiving clerk marks; a mark names a material the matter has.
    problem(
        checks(&ent, json!([{"material": 0, "received": true}]))
            .go()
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        checks(&clerk, json!([{"material": 99, "received": true}]))
            .go()
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let marks: Vec<Value> = list["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["required"] == true)
        .map(|m| json!({"material": m["index"], "received": true, "original_seen": m["original"]}))
        .collect();
    let after: Value = checks(&clerk, Value::Array(marks)).value().await;
    assert_eq!(after["complete"], true, "{after}");
    assert!(act(&clerk, "forward").go().await.status().is_success());
    // Forwarded: the window's marks are final.
    problem(
        checks(&clerk, json!([{"material": 0, "received": false}]))
            .go()
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // The Songjiang reviewer reads a file: its type, name and bytes as handed in.
    let list: Value = materials_of(&http, &base, &id, &reviewer).await;
    assert_eq!(list["complete"], true);
    let first = &list["materials"][0]["files"][0];
    let r = http
        .get(api(&format!(
            "/cases/{id}/files/{}",
            first["id"].as_str().unwrap()
        )))
        .bearer_auth(&reviewer)
        .go()
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.starts_with("inline;") && cd.contains("UTF-8''%E7%94%B3"),
        "{cd}"
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    // The joint office sees neither the list nor a file.
    problem(
        http.get(api(&format!("/cases/{id}/materials")))
            .bearer_auth(&office)
            .go()
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The download is in the audit trail; every stored file matches its hash.
    let ev: Value = http
        .get(api(&format!("/cases/{id}/events?per_page=100")))
        .bearer_auth(&reviewer)
        .value()
        .await;
    assert!(ev["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["action"] == "download_material"));
    assert!(e.store.check_blobs().await.unwrap().1.is_none());
    e.cleanup().await;
}
crate::both_backends!(
    materials_uploads_over_http,
    crate::materials::uploads_over_http
);

/// A case filed with its files in one request: everything checked before anything is stored,
/// the files' records and audit events (with their hashes) committed with the case; a bad file
/// or a bad form refused with problem JSON and no case filed.
pub async fn filing_with_materials(backend: Backend) {
    let Some((e, (base, _stop, http), [ent, _, reviewer, _])) = demo_server(backend).await else {
        return;
    };
    let api = |p: &str| format!("{base}/api/v1{p}");
    let filing = serde_json::to_vec(&branch_filing(
        Some("340100-W01"),
        ServiceMode::RemoteReceipt,
    ))
    .unwrap();
    let (pdf, png) = (
        sample::pdf("Application form", 0),
        sample::png(8, 8, [0, 128, 255]),
    );
    let send = |parts: &[crate::helpers::Part]| {
        let (ct, body) = crate::helpers::multipart(parts);
        http.post(api("/cases/with-materials"))
            .bearer_auth(&ent)
            .header("content-type", ct)
            .body(body)
            .go()
    };
    let total = || async {
        let v: Value = http
            .get(api("/cases?per_page=1"))
            .bearer_auth(&ent)
            .value()
            .await;
        v["total"].as_u64().unwrap()
    };
    let before = total().await;

    // Refused, each with problem JSON, and no case filed: a bad file after a good one, a
    // material the matter lacks, too many files, a missing filing, unpaired parts, a stray
    // part, a filing that is not JSON, a body that is not a form.
    let bad: Vec<(Vec<crate::helpers::Part>, StatusCode, &str)> = vec![
        (
            vec![
                ("filing", None, &filing),
                ("material", None, b"0"),
                ("file", Some("form.pdf"), &pdf),
                ("material", None, b"1"),
                ("file", Some("licence.pdf"), &png),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_refused",
        ),
        (
            vec![
                ("filing", None, &filing),
                ("material", None, b"99"),
                ("file", Some("form.pdf"), &pdf),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            vec![("material", None, b"0"), ("file", Some("form.pdf"), &pdf)],
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            vec![("filing", None, &filing), ("file", Some("form.pdf"), &pdf)],
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            vec![("filing", None, &filing), ("material", None, b"one")],
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            vec![("filing", None, &filing), ("extra", None, b"x")],
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            vec![("filing", None, b"{not json")],
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
    ];
    for (parts, status, code) in bad {
        let v = problem(send(&parts).await, status, code).await;
        assert!(v["detail_zh"].is_string(), "{v}");
    }
    e.app
        .set_material_limits(corridor_domain::materials::Limits {
            case_files: 1,
            ..Default::default()
        });
    let two = [
        ("filing", None, filing.as_slice()),
        ("material", None, b"0".as_slice()),
        ("file", Some("form.pdf"), pdf.as_slice()),
        ("material", None, b"1".as_slice()),
        ("file", Some("licence.png"), png.as_slice()),
    ];
    problem(
        send(&two).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
    )
    .await;
    e.app.set_material_limits(Default::default());
    problem(
        http.post(api("/cases/with-materials"))
            .bearer_auth(&ent)
            .json(&json!({}))
            .go()
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_eq!(total().await, before, "a refused filing filed nothing");

    // Filed with two files: both listed with their hashes, each in the case's audit chain
    // right after its filing, for the applicant and the deciding side alike.
    let r = send(&two).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let case: Value = r.json().await.unwrap();
    let id = case["id"].as_str().unwrap().to_string();
    assert!(case["receipt_no"].as_str().unwrap().starts_with("340100-"));
    assert_eq!(total().await, before + 1);
    for who in [&ent, &reviewer] {
        let list = materials_of(&http, &base, &id, who).await;
        let m = list["materials"].as_array().unwrap();
        assert_eq!(m[0]["files"][0]["sha256"], corridor_store::sha256_hex(&pdf));
        assert_eq!(m[0]["files"][0]["file_name"], "form.pdf");
        assert_eq!(m[1]["files"][0]["kind"], "png");
        assert_eq!(m[1]["files"][0]["added_by_role"], "applicant");
    }
    let ev: Value = http
        .get(api(&format!("/cases/{id}/events?per_page=100")))
        .bearer_auth(&ent)
        .value()
        .await;
    let ev = ev["items"].as_array().unwrap();
    let actions: Vec<&str> = ev.iter().map(|x| x["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["submit", "attach_material", "attach_material"],
        "{ev:?}"
    );
    assert!(ev[1]["after"]
        .to_string()
        .contains(&corridor_store::sha256_hex(&pdf)));
    let report = e.app.verify_audit().await.unwrap();
    assert!(report.first_break.is_none() && report.first_bad_file.is_none());
    assert!(report.files >= 2);
    e.cleanup().await;
}
crate::both_backends!(
    materials_filed_with_the_case,
    crate::materials::filing_with_materials
);

/// A fresh store with the sample applicant's branch registration filed online.
async fn online_case(
    backend: Backend,
) -> Option<(
    crate::helpers::Env,
    corridor_domain::case::Principal,
    corridor_app::cases::CaseView,
)> {
    let e = env(backend, date!(2026 - 11 - 02)).await?;
    let me = crate::helpers::applicant();
    let c = file_online(&e.app, &me).await;
    Some((e, me, c))
}

/// The applicant's branch registration, filed online.
async fn file_online(
    app: &corridor_app::App,
    me: &corridor_domain::case::Principal,
) -> corridor_app::cases::CaseView {
    app.file_case(me, branch_filing(None, ServiceMode::FullyOnline))
        .await
        .unwrap()
}

/// A file stored but never recorded (a crash between the two) is removed at the next start;
/// recorded files stay; a missing or altered file is named by the check.
pub async fn unrecorded_files_are_swept(backend: Backend) {
    let Some((e, ent, c)) = online_case(backend).await else {
        return;
    };
    let kept = sample::pdf("kept", 0);
    let a = e
        .app
        .attach(&ent, c.id, 0, NewFile::new("kept.pdf", kept.clone()))
        .await
        .unwrap();
    let orphan = sample::pdf("orphan", 0);
    let orphan_sha = corridor_store::sha256_hex(&orphan);
    e.store
        .put_blob(&orphan_sha, std::sync::Arc::new(orphan))
        .await
        .unwrap();
    assert!(e.store.blob(&orphan_sha).await.unwrap().is_some());
    // A small file kept in the database as another node's message brings one (on SQLite
    // beside the folder), that nothing names: swept as well. Bytes not of their hash are
    // refused.
    let brought = sample::pdf("brought", 0);
    let brought_sha = corridor_store::sha256_hex(&brought);
    let mut tx = e.store.begin_write().await.unwrap();
    let wrong = [(orphan_sha.clone(), brought.clone())];
    assert!(corridor_store::Store::put_small_blobs(&mut tx, &wrong)
        .await
        .is_err());
    corridor_store::Store::put_small_blobs(&mut tx, &[(brought_sha.clone(), brought)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(e.store.blob(&brought_sha).await.unwrap().is_some());
    if backend == Backend::Postgres {
        // Another server may be about to record it: left alone until it is an hour old.
        assert_eq!(e.store.sweep_blobs(&Default::default()).await.unwrap(), 0);
        sqlx::query("UPDATE material_blobs SET stored_ms = stored_ms - 3600001")
            .execute(e.store.pool())
            .await
            .unwrap();
    }
    assert_eq!(e.store.sweep_blobs(&Default::default()).await.unwrap(), 2);
    assert!(e.store.blob(&orphan_sha).await.unwrap().is_none());
    assert!(e.store.blob(&brought_sha).await.unwrap().is_none());
    assert_eq!(e.store.blob(&a.sha256).await.unwrap(), Some(kept));
    assert!(e.store.check_blobs().await.unwrap().1.is_none());
    // Altered on disk (SQLite's folder): the check names the file.
    if let Some(dir) = e.store.blob_dir() {
        let path = dir.join(&a.sha256[..2]).join(&a.sha256);
        std::fs::write(&path, b"%PDF-1.4 altered").unwrap();
        let bad = e.store.check_blobs().await.unwrap().1.unwrap();
        assert!(bad.starts_with(&format!("file {} ", a.id)), "{bad}");
        assert!(bad.ends_with(": differs"), "{bad}");
        std::fs::remove_file(&path).unwrap();
        let bad = e.store.check_blobs().await.unwrap().1.unwrap();
        assert!(bad.ends_with(": missing"), "{bad}");
    }
    e.cleanup().await;
}
crate::both_backends!(
    unrecorded_files_are_swept,
    crate::materials::unrecorded_files_are_swept
);

/// PostgreSQL with `--materials-dir`: the files go to the (shared) folder and only their rows
/// to the database; a file stored in the database before stays readable; an unrecorded file
/// in the folder is swept only once it is an hour old (another server may be recording it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_files_in_a_shared_folder() {
    let Some(e) = env(Backend::Postgres, date!(2026 - 11 - 02)).await else {
        return;
    };
    let me = crate::helpers::applicant();
    // A file stored the old way, in the database.
    let c = file_online(&e.app, &me).await;
    let before = e
        .app
        .attach(
            &me,
            c.id,
            0,
            NewFile::new("before.pdf", sample::pdf("before", 0)),
        )
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("corridor-shared-{}", uuid::Uuid::now_v7()));
    let store = e.store.clone().with_blob_dir(dir.clone());
    let app = corridor_app::App::open(store.clone(), std::sync::Arc::new(e.clock.clone()))
        .await
        .unwrap();
    let c = file_online(&app, &me).await;
    let after = app
        .attach(
            &me,
            c.id,
            0,
            NewFile::new("after.pdf", sample::pdf("after", 0)),
        )
        .await
        .unwrap();
    let path = dir.join(&after.sha256[..2]).join(&after.sha256);
    assert!(path.is_file(), "the file is in the folder");
    let in_db: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM material_blobs")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(in_db, 1, "only the earlier file is in the database");
    assert!(store.blob(&before.sha256).await.unwrap().is_some());
    assert_eq!(store.check_blobs().await.unwrap(), (2, None));
    // Stored by a server that has not recorded it yet: kept; an hour later: swept.
    let orphan = sample::pdf("orphan", 0);
    let orphan_sha = corridor_store::sha256_hex(&orphan);
    store
        .put_blob(&orphan_sha, std::sync::Arc::new(orphan))
        .await
        .unwrap();
    assert_eq!(store.sweep_blobs(&Default::default()).await.unwrap(), 0);
    let orphan_path = dir.join(&orphan_sha[..2]).join(&orphan_sha);
    std::fs::File::options()
        .write(true)
        .open(&orphan_path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3700))
        .unwrap();
    assert_eq!(store.sweep_blobs(&Default::default()).await.unwrap(), 1);
    assert!(!orphan_path.exists() && path.is_file());
    // A recorded file gone from the folder is named by the check.
    std::fs::remove_file(&path).unwrap();
    let bad = store.check_blobs().await.unwrap().1.unwrap();
    assert!(bad.starts_with(&format!("file {} ", after.id)), "{bad}");
    assert!(bad.ends_with(": missing"), "{bad}");
    let _ = std::fs::remove_dir_all(&dir);
    e.cleanup().await;
}

/// Once only: the demo enterprise gives its business licence by number (and by QR text)
/// instead of a file; the licence is verified, must be of the material's type and held by
/// the applicant; the reviewer sees what was verified; a revoked licence is refused.
pub async fn licences_by_reference(backend: Backend) {
    let Some(e) = env(backend, date!(2026 - 11 - 02)).await else {
        return;
    };
    // The demo issues the sample enterprise a business licence through the real path.
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    corridor_app::demo::issue_sample_licence(&e.app)
        .await
        .unwrap()
        .expect("issued");
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let api = |p: &str| format!("{base}/api/v1{p}");
    let ent = token(&http, &base, "ent.340100").await;
    let reviewer = token(&http, &base, "reviewer.310117.market").await;
    let mine: Value = http.get(api("/licences")).bearer_auth(&ent).value().await;
    let licence = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["licence_type"] == "business-licence")
        .expect("the sample business licence")
        .clone();
    let number = licence["number"].as_str().unwrap();

    let filing = branch_filing(None, ServiceMode::FullyOnline);
    let case: Value = http
        .post(api("/cases"))
        .bearer_auth(&ent)
        .json(&filing)
        .value()
        .await;
    let id = case["id"].as_str().unwrap().to_string();
    let give = |material: usize, reference: &str| {
        http.post(api(&format!("/cases/{id}/materials/{material}/licence")))
            .bearer_auth(&ent)
            .json(&json!({ "reference": reference }))
    };
    let list: Value = materials_of(&http, &base, &id, &ent).await;
    let takes: Vec<usize> = list["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["licence_type"] == "business-licence")
        .map(|m| m["index"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(
        takes.len(),
        2,
        "the firm's and the parent's business licence"
    );
    // Refused: a material that is not a licence, an unknown number, a QR text that is not one.
    for (material, reference, says) in [
        (0, number, "not as an e-licence"),
        (takes[0], "LIC-NO-SUCH", "no licence is numbered"),
        (takes[0], "G60:1:garbage", "not a Corridor e-licence"),
    ] {
        let v = problem(
            give(material, reference).go().await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_refused",
        )
        .await;
        assert!(v["detail"].as_str().unwrap().contains(says), "{v}");
    }
    // By number, then by QR text.
    let a: Value = give(takes[0], number).value().await;
    assert_eq!(a["kind"], "licence");
    assert_eq!(a["licence"]["number"], number);
    let b: Value = give(takes[1], licence["qr"].as_str().unwrap())
        .value()
        .await;
    assert_eq!(b["licence"]["holder_uscc"], "91340100MA2TQ8K5XE");

    // The reviewer sees the verified licence and can fetch its signed envelope.
    let list: Value = materials_of(&http, &base, &id, &reviewer).await;
    let f = &list["materials"][takes[0]]["files"][0];
    assert_eq!(f["licence"]["title_zh"], "营业执照");
    let r = http
        .get(api(&format!(
            "/cases/{id}/files/{}",
            f["id"].as_str().unwrap()
        )))
        .bearer_auth(&reviewer)
        .go()
        .await;
    assert_eq!(r.headers()["content-type"], "application/cose");
    let envelope = r.bytes().await.unwrap();
    let check = e.app.verify_licence(&envelope).await.unwrap();
    assert!(check.valid, "{check:?}");

    // Another enterprise cannot give this licence as its own.
    let mut other = branch_filing(None, ServiceMode::FullyOnline);
    other.form.insert(
        "applicant_uscc".into(),
        corridor_domain::ids::Uscc::with_check("91320500MA1XY2K3A")
            .unwrap()
            .as_str()
            .into(),
    );
    let other: Value = http
        .post(api("/cases"))
        .bearer_auth(&ent)
        .json(&other)
        .value()
        .await;
    let v = problem(
        http.post(api(&format!(
            "/cases/{}/materials/{}/licence",
            other["id"].as_str().unwrap(),
            takes[0]
        )))
        .bearer_auth(&ent)
        .json(&json!({ "reference": number }))
        .go()
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "file_refused",
    )
    .await;
    assert!(v["detail"].as_str().unwrap().contains("not held"), "{v}");

    // Revoked: refused from then on.
    let lid: uuid::Uuid = licence["id"].as_str().unwrap().parse().unwrap();
    let issuer = crate::helpers::reviewer(licence["authority_id"].as_str().unwrap());
    e.app
        .revoke_licence(&issuer, lid, "测试撤销 / revoked for the test")
        .await
        .unwrap();
    let v = problem(
        give(takes[0], number).go().await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "file_refused",
    )
    .await;
    assert!(
        v["detail"].as_str().unwrap().contains("licence_revoked"),
        "{v}"
    );
    // The stored envelopes are files like any other: audit verify checks them.
    let report = e.app.verify_audit().await.unwrap();
    assert!(
        report.first_bad_file.is_none() && report.files >= 1,
        "{report:?}"
    );
    e.cleanup().await;
}
crate::both_backends!(
    licences_given_by_reference,
    crate::materials::licences_by_reference
);

/// Uploads side by side cannot pass a case's limits together: with room for three files,
/// eight concurrent uploads store exactly three; the rest are refused with `file_too_large`.
pub async fn concurrent_uploads_keep_the_limits(backend: Backend) {
    let Some((e, me, c)) = online_case(backend).await else {
        return;
    };
    e.app
        .set_material_limits(corridor_domain::materials::Limits {
            case_files: 3,
            ..Default::default()
        });
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (app, me) = (e.app.clone(), me.clone());
            tokio::spawn(async move {
                let pdf = sample::pdf(&format!("concurrent {i}"), 200_000);
                app.attach(&me, c.id, i % 4, NewFile::new("scan.pdf", pdf))
                    .await
            })
        })
        .collect();
    let mut stored = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => stored += 1,
            Err(err) => assert_eq!(err.code, corridor_app::ErrorCode::FileTooLarge, "{err:?}"),
        }
    }
    assert_eq!(stored, 3);
    let m = e.app.materials(&me, c.id).await.unwrap();
    let files: usize = m.materials.iter().map(|x| x.files.len()).sum();
    assert_eq!(files, 3);
    e.cleanup().await;
}
crate::both_backends!(
    concurrent_uploads_stay_within_limits,
    crate::materials::concurrent_uploads_keep_the_limits
);
