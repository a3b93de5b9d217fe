//! Messages between nodes, the receiving half (issue #24): the inbox applies each message of
//! a case once and in its sequence, answers duplicates with the receipt it kept, refuses the
//! same id with other content, an already-applied sequence, an altered message and an unknown
//! sender — storing nothing of a refused message.

use crate::helpers::{env, Backend, Env, Go};
use corridor_app::ErrorCode;
use corridor_exchange::receipt::receipt_body;
use corridor_exchange::{open, seal, Header, Kind, PROTOCOL_VERSION};
use corridor_licence::trust::{self as t, CorridorTrust, Node, NodeKey};
use corridor_licence::{public_key_b64, SigningKey};
use time::macros::date;
use uuid::Uuid;

fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

fn node(id: &str, k: &SigningKey) -> Node {
    Node {
        node_id: id.into(),
        city: "340100".into(),
        name_zh: id.into(),
        name_en: id.into(),
        base_url: "http://127.0.0.1:9/".into(),
        message_keys: vec![NodeKey {
            kid: format!("{id}-1"),
            public_key: public_key_b64(&k.verifying_key()),
            not_before: 0,
            not_after: None,
        }],
    }
}

/// The corridor of this test: Hefei and Songjiang, signed by the root.
fn signed_list() -> (CorridorTrust, Vec<u8>, String) {
    signed_list_of(vec![node("hefei", &key(1)), node("songjiang", &key(2))])
}

fn signed_list_of(nodes: Vec<Node>) -> (CorridorTrust, Vec<u8>, String) {
    let root = key(7);
    let list = CorridorTrust {
        format: t::SIGNED_TRUST_FORMAT.into(),
        sequence: 1,
        issued_at: 0,
        expires_at: i64::MAX / 2,
        nodes,
        licence_keys: vec![],
    };
    let signed = t::sign_trust(&list, &root).unwrap();
    (list, signed, t::root_public(&root))
}

fn message(case: Uuid, seq: u64, now: i64, body: &[u8]) -> Vec<u8> {
    message_under(("hefei-1", 1), case, seq, now, body)
}

/// A ping from Hefei to Songjiang about `case`, sealed under Hefei's key `kid` (`key(n)`),
/// made at `made`.
fn message_under((kid, n): (&str, u8), case: Uuid, seq: u64, made: i64, body: &[u8]) -> Vec<u8> {
    let h = Header {
        v: PROTOCOL_VERSION,
        id: Uuid::now_v7(),
        sender: "hefei".into(),
        recipient: "songjiang".into(),
        kind: Kind::Ping,
        case_id: Some(case),
        case_seq: Some(seq),
        created_at: made,
        in_reply_to: None,
        body_sha256: String::new(),
    };
    seal(h, body, kid, &key(n)).unwrap()
}

/// Makes `e`'s app Songjiang's node in the corridor of this test; the list it holds.
fn serve_as_songjiang(e: &Env) -> CorridorTrust {
    let (list, signed, root) = signed_list();
    e.app.pin_trust_roots(&[root]).unwrap();
    assert!(e.app.offer_trust_list(&signed).unwrap());
    e.app
        .set_node_identity(corridor_app::exchange::NodeIdentity {
            node_id: "songjiang".into(),
            kid: "songjiang-1".into(),
            key: key(2),
        });
    list
}

fn id_of(m: &[u8], list: &CorridorTrust, now: i64) -> Uuid {
    open(m, list, "songjiang", now).unwrap().header.id
}

pub async fn inbox_applies_each_message_once_in_order(backend: Backend) {
    let Some(e) = env(backend, date!(2026 - 11 - 02)).await else {
        return;
    };
    let list = serve_as_songjiang(&e);
    let now = e.app.now_ms();
    let case = Uuid::now_v7();
    let m: Vec<Vec<u8>> = (1..=3)
        .map(|s| message(case, s, now, format!("step {s}").as_bytes()))
        .collect();
    let ids: Vec<Uuid> = m.iter().map(|x| id_of(x, &list, now)).collect();
    // The third arrives first: kept, waiting; its receipt says so and verifies at Hefei.
    let r3 = e.app.receive_message(&m[2]).await.unwrap();
    assert!(r3.applied.is_empty() && !r3.duplicate);
    let receipt = open(&r3.receipt, &list, "hefei", now).unwrap();
    assert_eq!(receipt.header.in_reply_to, Some(ids[2]));
    let body = receipt_body(&receipt).unwrap();
    assert_eq!((body.of, body.outcome.as_str()), (ids[2], "waiting"));
    // The first: applied. The second: applied, and the third after it.
    assert_eq!(
        e.app.receive_message(&m[0]).await.unwrap().applied,
        vec![ids[0]]
    );
    let r2 = e.app.receive_message(&m[1]).await.unwrap();
    assert_eq!(r2.applied, vec![ids[1], ids[2]]);
    // Duplicates: the receipt kept (now `applied` for the third), nothing applied again.
    let again = e.app.receive_message(&m[1]).await.unwrap();
    assert!(again.duplicate && again.applied.is_empty());
    assert_eq!(again.receipt, r2.receipt);
    let again3 = e.app.receive_message(&m[2]).await.unwrap();
    let body = receipt_body(&open(&again3.receipt, &list, "hefei", now).unwrap()).unwrap();
    assert_eq!(body.outcome, "applied");
    // Applied once each, in order: the sender's audit stream.
    let events = e.store.events_of("inbox:hefei").await.unwrap();
    let seqs: Vec<i64> = events
        .iter()
        .map(|ev| {
            serde_json::from_str::<serde_json::Value>(&ev.after).unwrap()["case_seq"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    // Refused, and nothing stored: the same id with other content; a new id for a sequence
    // already applied; an altered message; a sender the list does not know.
    let held = e.store.inbox_all().await.unwrap().len();
    let same_id = {
        let mut h = open(&m[0], &list, "songjiang", now).unwrap().header;
        h.body_sha256.clear();
        seal(h, b"other content", "hefei-1", &key(1)).unwrap()
    };
    let err = e.app.receive_message(&same_id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "{err}");
    let replayed_seq = message(case, 2, now, b"step 2 again");
    let err = e.app.receive_message(&replayed_seq).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict, "{err}");
    let mut altered = message(case, 4, now, b"step 4");
    let at = altered.len() - 80;
    altered[at] ^= 1;
    let err = e.app.receive_message(&altered).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::MessageRefused, "{err}");
    let stranger = {
        let mut h = open(&m[0], &list, "songjiang", now).unwrap().header;
        h.id = Uuid::now_v7();
        h.sender = "ningbo".into();
        seal(h, b"x", "ningbo-1", &key(9)).unwrap()
    };
    let err = e.app.receive_message(&stranger).await.unwrap_err();
    assert!(err.detail.starts_with("message_unknown_key"), "{err}");
    assert_eq!(e.store.inbox_all().await.unwrap().len(), held);
    let report = e.app.verify_audit().await.unwrap();
    assert!(report.first_break.is_none(), "{report:?}");
    // Over HTTP: the receipt as application/cose; a duplicate says so; a refusal is problem
    // JSON with its code.
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let url = format!("{base}/api/v1/exchange/messages");
    let m4 = message(case, 4, now, b"step 4");
    for dup in ["false", "true"] {
        let r = http.post(&url).body(m4.clone()).go().await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/cose");
        assert_eq!(r.headers()["x-corridor-duplicate"], dup);
        let bytes = r.bytes().await.unwrap();
        assert!(open(&bytes, &list, "hefei", now).is_ok());
    }
    let r = http.post(&url).body(altered.clone()).go().await;
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["code"], "message_refused");
    // A batch: each message answered on its own, in order — a new one applied, a duplicate
    // with the receipt kept, an altered one refused (and nothing of it kept).
    let batch_url = format!("{base}/api/v1/exchange/batches");
    let m5 = message(case, 5, now, b"step 5");
    let r = http
        .post(&batch_url)
        .body(batch(&[&m5, &m4, &altered]))
        .go()
        .await;
    assert_eq!(r.status(), 200);
    let a: serde_json::Value = r.json().await.unwrap();
    let results = a["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{a}");
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let receipt5 = b64.decode(results[0]["receipt"].as_str().unwrap()).unwrap();
    let body = receipt_body(&open(&receipt5, &list, "hefei", now).unwrap()).unwrap();
    assert_eq!(
        (body.of, body.outcome.as_str()),
        (id_of(&m5, &list, now), "applied")
    );
    assert_eq!(results[1]["duplicate"], true, "{a}");
    assert_eq!(results[2]["problem"]["code"], "message_refused", "{a}");
    assert!(results[2].get("receipt").is_none());
    let held_now = e.store.inbox_all().await.unwrap();
    assert_eq!(
        held_now.len(),
        held + 2,
        "m4 and m5, nothing of the altered one"
    );
    // A batch that cannot be read is refused whole, with a problem.
    for bad in [
        0u32.to_be_bytes().to_vec(),
        33u32.to_be_bytes().to_vec(),
        [batch(&[&m5]), vec![0]].concat(),
        batch(&[&m5])[..20].to_vec(),
    ] {
        let r = http.post(&batch_url).body(bad).go().await;
        assert_eq!(r.status(), 422);
        let p: serde_json::Value = r.json().await.unwrap();
        assert_eq!(p["code"], "message_refused", "{p}");
    }
    let report = e.app.verify_audit().await.unwrap();
    assert!(report.first_break.is_none(), "{report:?}");
    e.cleanup().await;
}

/// A batch frame: a count, then each message as a length and a bundle of no files.
fn batch(msgs: &[&[u8]]) -> Vec<u8> {
    let mut out = (msgs.len() as u32).to_be_bytes().to_vec();
    for m in msgs {
        let mut bundle = (m.len() as u32).to_be_bytes().to_vec();
        bundle.extend_from_slice(m);
        bundle.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&(bundle.len() as u32).to_be_bytes());
        out.extend_from_slice(&bundle);
    }
    out
}
crate::both_backends!(
    inbox_applies_each_message_once_in_order,
    crate::exchange::inbox_applies_each_message_once_in_order
);

/// A message that came before the one ahead of it waits, and the files it named (stored when
/// it came, recorded only when it is applied) survive the start-up sweep: a small one kept in
/// the database with the message, a larger one stored on its own.
pub async fn a_waiting_message_keeps_its_files(backend: Backend) {
    let Some(e) = env(backend, date!(2026 - 11 - 02)).await else {
        return;
    };
    // A case of this store's (filed before it serves as a node) for the message to carry.
    let me = crate::helpers::applicant();
    let filing =
        crate::cases::branch_filing(None, corridor_domain::catalogue::ServiceMode::FullyOnline);
    let v = e.app.file_case(&me, filing).await.unwrap();
    let case = e.store.get_case(v.id).await.unwrap().unwrap();
    serve_as_songjiang(&e);
    let small = corridor_domain::materials::sample::pdf("small", 0);
    let large =
        corridor_domain::materials::sample::pdf("large", corridor_store::INLINE_BLOB_MAX + 1);
    let file = |material: i64, bytes: &[u8]| corridor_store::AttachmentRecord {
        id: Uuid::now_v7(),
        case_id: case.id,
        material,
        file_name: format!("m{material}.pdf"),
        kind: "pdf".into(),
        size: bytes.len() as i64,
        sha256: corridor_store::sha256_hex(bytes),
        added_by: me.user_id.to_string(),
        added_role: "applicant".into(),
        added_ms: 0,
    };
    let body = corridor_app::handoff::CaseMessage {
        action: corridor_domain::case::Action::Resubmit,
        case: case.clone(),
        files: vec![file(0, &small), file(1, &large)],
        checks: vec![],
        correction: None,
        licence: None,
        amount: None,
    };
    let now = e.app.now_ms();
    let h = Header {
        v: PROTOCOL_VERSION,
        id: Uuid::now_v7(),
        sender: "hefei".into(),
        recipient: "songjiang".into(),
        kind: Kind::Resubmitted,
        case_id: Some(case.id),
        case_seq: Some(2),
        created_at: now,
        in_reply_to: None,
        body_sha256: String::new(),
    };
    let m = seal(h, &serde_json::to_vec(&body).unwrap(), "hefei-1", &key(1)).unwrap();
    let mut bundle = (m.len() as u32).to_be_bytes().to_vec();
    bundle.extend_from_slice(&m);
    bundle.extend_from_slice(&2u32.to_be_bytes());
    for f in [&small, &large] {
        bundle.extend_from_slice(&(f.len() as u32).to_be_bytes());
        bundle.extend_from_slice(f);
    }
    let r = e.app.receive_bundle(&bundle).await.unwrap();
    assert!(r.missing_files.is_empty() && r.applied.is_empty(), "{r:?}");
    assert_eq!(e.store.inbox_waiting_all().await.unwrap().len(), 1);
    if backend == Backend::Postgres {
        // Past the hour another server's upload is given.
        sqlx::query("UPDATE material_blobs SET stored_ms = stored_ms - 3600001")
            .execute(e.store.pool())
            .await
            .unwrap();
    }
    // An unnamed file beside them goes; theirs stay.
    let orphan = corridor_domain::materials::sample::pdf("orphan", 0);
    let mut tx = e.store.begin_write().await.unwrap();
    let orphan_sha = corridor_store::sha256_hex(&orphan);
    corridor_store::Store::put_small_blobs(&mut tx, &[(orphan_sha.clone(), orphan)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    if backend == Backend::Postgres {
        sqlx::query("UPDATE material_blobs SET stored_ms = stored_ms - 3600001 WHERE sha256 = $1")
            .bind(&orphan_sha)
            .execute(e.store.pool())
            .await
            .unwrap();
    }
    assert_eq!(e.app.sweep_unrecorded_files().await.unwrap(), 1);
    assert!(e.store.blob(&orphan_sha).await.unwrap().is_none());
    for f in [&small, &large] {
        let sha = corridor_store::sha256_hex(f);
        assert_eq!(e.store.blob(&sha).await.unwrap().as_deref(), Some(&f[..]));
    }
    e.cleanup().await;
}
crate::both_backends!(
    a_waiting_message_keeps_its_files,
    crate::exchange::a_waiting_message_keeps_its_files
);

/// Two stores, Hefei's and Songjiang's, the second serving on a loopback port (its base URL).
async fn two_nodes(
    backend: Backend,
) -> Option<(Env, Env, String, tokio::sync::oneshot::Sender<()>)> {
    let a = env(backend, date!(2026 - 11 - 02)).await?;
    let b = env(backend, date!(2026 - 11 - 02)).await?;
    let (base_b, stop_b) = b.serve().await;
    Some((a, b, base_b, stop_b))
}

/// Joins `app` to the corridor as `node_id` (its key: `key(n)`).
fn join(app: &corridor_app::App, signed: &[u8], root: &str, node_id: &str, n: u8) {
    app.pin_trust_roots(&[root.to_string()]).unwrap();
    app.offer_trust_list(signed).unwrap();
    app.set_node_identity(corridor_app::exchange::NodeIdentity {
        node_id: node_id.into(),
        kid: format!("{node_id}-1"),
        key: key(n),
    });
}

/// The sending half: Hefei's messages go from its outbox to Songjiang's inbox over a real
/// socket, and Hefei keeps Songjiang's signed receipts; a message to a node that is down is
/// retried with a back-off, parked once past the configured time (counted in /metrics,
/// listed), and replayed by an operator.
pub async fn outbox_delivers_parks_and_replays(backend: Backend) {
    let Some((a, b, base_b, _stop_b)) = two_nodes(backend).await else {
        return;
    };
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut songjiang = node("songjiang", &key(2));
    songjiang.base_url = format!("{base_b}/");
    let mut ningbo = node("ningbo", &key(3));
    ningbo.base_url = format!("http://127.0.0.1:{closed}/");
    let (list, signed, root) = signed_list_of(vec![node("hefei", &key(1)), songjiang, ningbo]);
    join(&a.app, &signed, &root, "hefei", 1);
    join(&b.app, &signed, &root, "songjiang", 2);
    let case = Uuid::now_v7();
    let mut ids = Vec::new();
    for s in 1..=3 {
        let body = format!("step {s}").into_bytes();
        ids.push(
            a.app
                .send_message("songjiang", Kind::Ping, Some(case), body)
                .await
                .unwrap(),
        );
    }
    let transport = corridor_server::client::http_transport().unwrap();
    let hour = 3_600_000;
    let pass = a.app.deliver_due(&transport, hour, 100).await.unwrap();
    assert_eq!((pass.delivered, pass.failed, pass.parked), (3, 0, 0));
    let inbox = b.store.inbox_all().await.unwrap();
    assert_eq!(inbox.len(), 3);
    assert!(inbox.iter().all(|m| m.applied_ms.is_some()));
    use base64::Engine;
    let now = a.app.now_ms();
    for id in &ids {
        let m = a.store.outbox_get(&id.to_string()).await.unwrap().unwrap();
        assert!(m.delivered_ms.is_some());
        let r = base64::engine::general_purpose::STANDARD
            .decode(m.receipt.unwrap())
            .unwrap();
        let r = open(&r, &list, "hefei", now).unwrap();
        assert_eq!(r.header.in_reply_to, Some(*id));
    }
    assert_eq!(
        a.app.deliver_due(&transport, hour, 100).await.unwrap(),
        Default::default()
    );
    // Ningbo is down, Songjiang up, in one pass: Songjiang's message is delivered; Ningbo's
    // first fails (retried later, not due before then) and ends Ningbo's turn, so its second
    // is not tried in that pass.
    let n = a
        .app
        .send_message("ningbo", Kind::Statistics, None, b"counts".to_vec())
        .await
        .unwrap();
    let n2 = a
        .app
        .send_message("ningbo", Kind::Statistics, None, b"more counts".to_vec())
        .await
        .unwrap();
    a.app
        .send_message("songjiang", Kind::Ping, Some(case), b"step 4".to_vec())
        .await
        .unwrap();
    let pass = a.app.deliver_due(&transport, hour, 100).await.unwrap();
    assert_eq!((pass.delivered, pass.failed), (1, 1));
    let m = a.store.outbox_get(&n.to_string()).await.unwrap().unwrap();
    assert_eq!(m.attempts, 1);
    assert!(m.next_attempt_ms > a.app.now_ms());
    assert!(m.last_error.unwrap().starts_with("unreachable"));
    let m2 = a.store.outbox_get(&n2.to_string()).await.unwrap().unwrap();
    assert_eq!(m2.attempts, 0);
    let pass = a.app.deliver_due(&transport, hour, 100).await.unwrap();
    assert_eq!(
        (pass.delivered, pass.failed),
        (0, 1),
        "only the untried one was due"
    );
    assert_eq!(
        a.app.deliver_due(&transport, hour, 100).await.unwrap(),
        Default::default()
    );
    // A day later both are past the park time: parked (one a pass, Ningbo still down),
    // counted, listed.
    a.set_date(date!(2026 - 11 - 03));
    for _ in 0..2 {
        let pass = a.app.deliver_due(&transport, hour, 100).await.unwrap();
        assert_eq!(pass.parked, 1);
    }
    let counts = a.app.outbox_counts().await.unwrap();
    assert_eq!((counts.waiting, counts.parked, counts.delivered), (0, 2, 4));
    let (base_a, _stop_a) = a.serve().await;
    let metrics =
        crate::helpers::get_text(&reqwest::Client::new(), &format!("{base_a}/metrics")).await;
    assert!(
        metrics.contains("corridor_outbox{state=\"parked\"} 2"),
        "{metrics}"
    );
    let parked = a.app.parked_messages(10).await.unwrap();
    assert_eq!(parked.len(), 2);
    assert_eq!(parked[0].id, n.to_string());
    // The operator's page lists it (a clerk is refused the page); replayed from the page:
    // back in line.
    corridor_app::demo::seed(&a.app, 0, 1).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (clerk, _) = crate::web::page_session(&http, &base_a, "clerk.340100").await;
    let r = http
        .get(format!("{base_a}/exchange"))
        .header(reqwest::header::COOKIE, clerk)
        .go()
        .await;
    assert_eq!(r.status(), 403);
    let (admin, token) = crate::web::page_session(&http, &base_a, "admin").await;
    let html = crate::web::page_text(&http, &format!("{base_a}/exchange"), &admin).await;
    assert!(
        html.contains("ningbo") && html.contains(&format!("/exchange/{n}/replay")),
        "{html}"
    );
    assert!(html.contains(r#"<dd id="node-id">hefei</dd>"#), "{html}");
    let r = http
        .post(format!("{base_a}/exchange/{n}/replay"))
        .header(reqwest::header::COOKIE, admin.clone())
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(format!("csrf={token}"))
        .go()
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(a.app.outbox_counts().await.unwrap().waiting, 1);
    let html = crate::web::page_text(&http, &format!("{base_a}/exchange"), &admin).await;
    assert!(html.contains(r#"<dd id="parked">1</dd>"#), "{html}");
    let err = a.app.replay_message(&n.to_string()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    a.cleanup().await;
    b.cleanup().await;
}
crate::both_backends!(
    outbox_delivers_parks_and_replays,
    crate::exchange::outbox_delivers_parks_and_replays
);

/// A licence's revocation travels from the deciding city's node only: a `licence_revoked`
/// message about a case Hefei holds is refused when another city's node sends it, when its
/// body names another case than its header, when it gives no reason, or when it names a licence
/// Hefei does not hold — each storing nothing; Songjiang's (the case's deciding city) is
/// applied and Hefei's copy is revoked. (The two-node scenario does the same with a licence
/// Songjiang's authority really issued.)
pub async fn only_the_deciding_node_revokes(backend: Backend) {
    let Some(e) = env(backend, date!(2026 - 11 - 02)).await else {
        return;
    };
    let in_city = |id: &str, n: u8, city: &str| Node {
        city: city.into(),
        ..node(id, &key(n))
    };
    let (list, signed, root) = signed_list_of(vec![
        in_city("hefei", 1, "340100"),
        in_city("songjiang", 2, "310117"),
        in_city("ningbo", 3, "330200"),
    ]);
    join(&e.app, &signed, &root, "hefei", 1);
    let filing = crate::cases::branch_filing(
        Some("340100-W01"),
        corridor_domain::catalogue::ServiceMode::RemoteReceipt,
    );
    let case = e
        .app
        .file_case(&crate::helpers::applicant(), filing)
        .await
        .unwrap();
    assert_eq!(case.competent_city, "310117");
    let now = e.app.now_ms();
    // The licence Songjiang issued for it, as Hefei holds it (its `licence_issued` applied).
    let licence = corridor_store::LicenceRecord {
        id: Uuid::now_v7(),
        number: "G60-310117-2026-000001".into(),
        case_id: case.id,
        authority_id: "310117-MR".into(),
        kid: "songjiang-licences-1".into(),
        licence_type: "business_licence".into(),
        holder_user: None,
        issued_ms: now,
        valid_until_ms: None,
        envelope: "AA".into(),
        revoked_ms: None,
        revoke_reason: None,
    };
    let mut tx = e.store.begin_write().await.unwrap();
    corridor_store::Store::insert_licence(&mut tx, &licence)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let revocation_of = |licence_id: Uuid, from: &str, n: u8, body_case: Uuid, reason: &str| {
        let h = Header {
            v: PROTOCOL_VERSION,
            id: Uuid::now_v7(),
            sender: from.into(),
            recipient: "hefei".into(),
            kind: Kind::LicenceRevoked,
            case_id: Some(case.id),
            case_seq: Some(1),
            created_at: now,
            in_reply_to: None,
            body_sha256: String::new(),
        };
        let body = serde_json::json!({
            "case_id": body_case, "licence_id": licence_id,
            "number": "G60-310117-2026-000001", "reason": reason,
        });
        let body = serde_json::to_vec(&body).unwrap();
        seal(h, &body, &format!("{from}-1"), &key(n)).unwrap()
    };
    let revocation = |from: &str, n: u8, body_case: Uuid, reason: &str| {
        revocation_of(licence.id, from, n, body_case, reason)
    };
    let refusals = [
        (revocation("ningbo", 3, case.id, "x"), ErrorCode::Forbidden),
        (
            revocation("songjiang", 2, Uuid::now_v7(), "x"),
            ErrorCode::MessageRefused,
        ),
        (
            revocation("songjiang", 2, case.id, " "),
            ErrorCode::MessageRefused,
        ),
        // A licence this node does not hold.
        (
            revocation_of(Uuid::now_v7(), "songjiang", 2, case.id, "x"),
            ErrorCode::NotFound,
        ),
    ];
    for (m, code) in refusals {
        let err = e.app.receive_message(&m).await.unwrap_err();
        assert_eq!(err.code, code, "{err:?}");
    }
    assert!(e.store.inbox_all().await.unwrap().is_empty());
    let m = revocation("songjiang", 2, case.id, "the premises do not exist");
    let r = e.app.receive_message(&m).await.unwrap();
    assert!(!r.duplicate);
    let sent = open(&m, &list, "hefei", now).unwrap().header.id;
    let receipt = open(&r.receipt, &list, "songjiang", now).unwrap();
    assert_eq!(receipt.header.in_reply_to, Some(sent));
    let inbox = e.store.inbox_all().await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].applied_ms.is_some());
    let held = e.store.get_licence(licence.id).await.unwrap().unwrap();
    assert!(held.revoked_ms.is_some());
    e.cleanup().await;
}
crate::both_backends!(
    only_the_deciding_node_revokes_a_licence,
    crate::exchange::only_the_deciding_node_revokes
);

/// Rotating a node's message key, as docs/FEDERATION.md tells the operator: list 2 adds
/// Hefei's new key and ends the old one's signing time; Songjiang, on list 2, takes messages
/// under the new key and those the old key sealed before its end, and refuses one the old key
/// sealed after it. Hefei's node, given the new key, delivers through its outbox under it.
/// List 3 removes the old key (as for a compromised one): its messages are refused from then
/// on, whenever they were made. Songjiang refuses to go back to an older list. Nothing of a
/// refused message is stored. A message Hefei's outbox sealed under the old key after its end
/// is parked; replayed, it is sealed again under the new key and delivered.
pub async fn a_node_key_rotates_across_trust_lists(backend: Backend) {
    let Some((a, b, base_b, _stop_b)) = two_nodes(backend).await else {
        return;
    };
    let now = b.app.now_ms();
    let secs = now / 1000;
    let root = key(7);
    let signed_list = |sequence: u64, hefei_keys: Vec<NodeKey>| {
        let mut songjiang = node("songjiang", &key(2));
        songjiang.base_url = format!("{base_b}/");
        let hefei = Node {
            message_keys: hefei_keys,
            ..node("hefei", &key(1))
        };
        let list = CorridorTrust {
            format: t::SIGNED_TRUST_FORMAT.into(),
            sequence,
            issued_at: 0,
            expires_at: i64::MAX / 2,
            nodes: vec![hefei, songjiang],
            licence_keys: vec![],
        };
        (t::sign_trust(&list, &root).unwrap(), list)
    };
    let entry = |kid: &str, n: u8, not_before: i64, not_after: Option<i64>| NodeKey {
        kid: kid.into(),
        public_key: public_key_b64(&key(n).verifying_key()),
        not_before,
        not_after,
    };
    // List 1: Hefei signs with hefei-1.
    let (l1, _) = signed_list(1, vec![entry("hefei-1", 1, 0, None)]);
    join(&a.app, &l1, &t::root_public(&root), "hefei", 1);
    join(&b.app, &l1, &t::root_public(&root), "songjiang", 2);
    let case = Uuid::now_v7();
    let sealed =
        |kid: &str, n: u8, seq: u64, made: i64| message_under((kid, n), case, seq, made, b"ping");
    b.app
        .receive_message(&sealed("hefei-1", 1, 1, now))
        .await
        .unwrap();
    // Hefei's outbox seals one under hefei-1 now; it is not delivered before the rotation.
    let pending = a
        .app
        .send_message("songjiang", Kind::Ping, Some(Uuid::now_v7()), b"x".to_vec())
        .await
        .unwrap();
    // Message 2 was sealed under hefei-1 a minute ago and waits in Hefei's outbox.
    let waiting_in_outbox = sealed("hefei-1", 1, 2, now - 60_000);
    // List 2: hefei-2 signs from now; hefei-1 signed until 30 seconds ago.
    let (l2, list2) = signed_list(
        2,
        vec![
            entry("hefei-1", 1, 0, Some(secs - 30)),
            entry("hefei-2", 4, secs - 1, None),
        ],
    );
    assert!(b.app.offer_trust_list(&l2).unwrap());
    assert!(a.app.offer_trust_list(&l2).unwrap());
    // Sealed under the old key after its end: refused, nothing kept.
    let late = sealed("hefei-1", 1, 2, now);
    let err = b.app.receive_message(&late).await.unwrap_err();
    assert!(err.detail.starts_with("message_key_not_valid"), "{err}");
    assert_eq!(b.store.inbox_all().await.unwrap().len(), 1);
    // Sealed before its end: taken.
    b.app.receive_message(&waiting_in_outbox).await.unwrap();
    // Hefei's node restarted with the new key: its outbox seals and delivers under hefei-2,
    // and Songjiang's receipt verifies at Hefei.
    let other_case = Uuid::now_v7();
    a.app
        .set_node_identity(corridor_app::exchange::NodeIdentity {
            node_id: "hefei".into(),
            kid: "hefei-2".into(),
            key: key(4),
        });
    let id = a
        .app
        .send_message(
            "songjiang",
            Kind::Ping,
            Some(other_case),
            b"new key".to_vec(),
        )
        .await
        .unwrap();
    let transport = corridor_server::client::http_transport().unwrap();
    // The one sealed under hefei-1 after its end is refused by Songjiang: parked (this pass
    // allows no waiting), the refusal's code kept; the new one is delivered.
    let pass = a.app.deliver_due(&transport, 0, 100).await.unwrap();
    assert_eq!((pass.delivered, pass.failed, pass.parked), (1, 0, 1));
    let parked = a.store.outbox_get(&pending.to_string()).await.unwrap();
    let parked = parked.unwrap();
    assert!(parked.parked_ms.is_some(), "{parked:?}");
    let why = parked.last_error.unwrap_or_default();
    assert!(why.contains("message_key_not_valid"), "{why}");
    let kept = a.store.outbox_get(&id.to_string()).await.unwrap().unwrap();
    use base64::Engine;
    let envelope = base64::engine::general_purpose::STANDARD
        .decode(kept.envelope)
        .unwrap();
    let opened = open(&envelope, &list2, "songjiang", now).unwrap();
    assert_eq!(opened.header.case_seq, Some(1), "Hefei's own numbering");
    assert!(b
        .store
        .inbox_all()
        .await
        .unwrap()
        .iter()
        .any(|m| m.id == id.to_string()));
    // List 3: hefei-1 removed. A message it sealed while it was valid is refused now.
    let (l3, _) = signed_list(3, vec![entry("hefei-2", 4, secs - 1, None)]);
    assert!(b.app.offer_trust_list(&l3).unwrap());
    let old = sealed("hefei-1", 1, 3, now - 120_000);
    let err = b.app.receive_message(&old).await.unwrap_err();
    assert!(err.detail.starts_with("message_unknown_key"), "{err}");
    // And Songjiang does not go back to list 2.
    let back = b.app.offer_trust_list(&l2).unwrap_err();
    assert!(back.detail.contains("trust_list_older"), "{back}");
    assert!(a.app.offer_trust_list(&l3).unwrap());
    // The operator replays the parked message: sealed again under hefei-2 (the same message
    // id, made now), it is delivered.
    a.app.replay_message(&pending.to_string()).await.unwrap();
    let pass = a.app.deliver_due(&transport, 3_600_000, 100).await.unwrap();
    assert_eq!((pass.delivered, pass.failed, pass.parked), (1, 0, 0));
    let kept = a.store.outbox_get(&pending.to_string()).await.unwrap();
    let envelope = base64::engine::general_purpose::STANDARD
        .decode(kept.unwrap().envelope)
        .unwrap();
    let resealed = corridor_exchange::envelope::read_stored(&envelope).unwrap();
    assert_eq!(
        (resealed.kid.as_str(), resealed.header.id),
        ("hefei-2", pending)
    );
    let held = b.store.inbox_all().await.unwrap();
    assert_eq!(held.len(), 4);
    assert!(held.iter().any(|m| m.id == pending.to_string()));
    a.cleanup().await;
    b.cleanup().await;
}
crate::both_backends!(
    a_node_key_rotates_across_trust_lists,
    crate::exchange::a_node_key_rotates_across_trust_lists
);
