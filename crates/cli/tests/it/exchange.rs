//! Messages between nodes, the receiving half (issue #24): the inbox applies each message of
//! a case once and in its sequence, answers duplicates with the receipt it kept, refuses the
//! same id with other content, an already-applied sequence, an altered message and an unknown
//! sender — storing nothing of a refused message.

use crate::helpers::{env, Backend, Go};
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
    let h = Header {
        v: PROTOCOL_VERSION,
        id: Uuid::now_v7(),
        sender: "hefei".into(),
        recipient: "songjiang".into(),
        kind: Kind::CaseForwarded,
        case_id: Some(case),
        case_seq: Some(seq),
        created_at: now,
        in_reply_to: None,
        body_sha256: String::new(),
    };
    seal(h, body, "hefei-1", &key(1)).unwrap()
}

fn id_of(m: &[u8], list: &CorridorTrust, now: i64) -> Uuid {
    open(m, list, "songjiang", now).unwrap().header.id
}

pub async fn inbox_applies_each_message_once_in_order(backend: Backend) {
    let Some(e) = env(backend, date!(2026 - 11 - 02)).await else {
        return;
    };
    let (list, signed, root) = signed_list();
    e.app.pin_trust_roots(&[root]).unwrap();
    assert!(e.app.offer_trust_list(&signed).unwrap());
    e.app
        .set_node_identity(corridor_app::exchange::NodeIdentity {
            node_id: "songjiang".into(),
            kid: "songjiang-1".into(),
            key: key(2),
        });
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
    let r = http.post(&url).body(altered).go().await;
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["code"], "message_refused");
    e.cleanup().await;
}
crate::both_backends!(
    inbox_applies_each_message_once_in_order,
    crate::exchange::inbox_applies_each_message_once_in_order
);

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
    let (Some(a), Some(b)) = (
        env(backend, date!(2026 - 11 - 02)).await,
        env(backend, date!(2026 - 11 - 02)).await,
    ) else {
        return;
    };
    let (base_b, _stop_b) = b.serve().await;
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
                .send_message("songjiang", Kind::CaseForwarded, Some(case), body)
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
        .send_message(
            "songjiang",
            Kind::CaseForwarded,
            Some(case),
            b"step 4".to_vec(),
        )
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

/// Two real nodes (`corridor serve` processes on loopback ports, each with its own store),
/// set up with the commands an operator uses: a root key, node keys, a signed list. Hefei's
/// operator pings Songjiang; every ping arrives once. Songjiang is killed (SIGKILL) and more
/// pings are sent while it is down; started again, it catches up: every ping applied exactly
/// once, Hefei's outbox all delivered with receipts, both audit chains intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_catch_up_after_a_kill() {
    use crate::cli::corridor;
    use crate::helpers::{free_port, Node};
    let dir = crate::cli::tmp();
    let (a_dir, b_dir) = (dir.join("hefei"), dir.join("songjiang"));
    std::fs::create_dir_all(&a_dir).unwrap();
    std::fs::create_dir_all(&b_dir).unwrap();
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let json = |o: &std::process::Output| -> serde_json::Value {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let root = json(&corridor(
        &a_dir,
        &["trust", "root-key", "--out", &p("root.json")],
        None,
    ));
    let root = root["public_key"].as_str().unwrap().to_string();
    let (pa, pb) = (free_port(), free_port());
    let mut nodes = Vec::new();
    for (id, city, port) in [("hefei", "340100", pa), ("songjiang", "310117", pb)] {
        let key = json(&corridor(
            &a_dir,
            &[
                "trust",
                "node-key",
                "--kid",
                &format!("{id}-1"),
                "--out",
                &p(&format!("{id}.key")),
            ],
            None,
        ));
        nodes.push(serde_json::json!({
            "node_id": id, "city": city, "name_zh": id, "name_en": id,
            "base_url": format!("http://127.0.0.1:{port}/"),
            "message_keys": [{"kid": key["kid"], "public_key": key["public_key"], "not_before": 0}],
        }));
    }
    std::fs::write(p("nodes.json"), serde_json::to_string(&nodes).unwrap()).unwrap();
    let draft = [
        "trust",
        "draft",
        "--nodes",
        &p("nodes.json"),
        "--sequence",
        "1",
        "--out",
        &p("draft.json"),
    ];
    assert!(corridor(&a_dir, &draft, None).status.success());
    let sign = [
        "trust",
        "sign",
        "--root-key",
        &p("root.json"),
        "--out",
        &p("list.cose"),
        &p("draft.json"),
    ];
    assert!(corridor(&a_dir, &sign, None).status.success());
    let node_args = |id: &str| -> Vec<String> {
        [
            "--trust-list",
            &p("list.cose"),
            "--trust-root",
            &root,
            "--node-id",
            id,
            "--node-key",
            &p(&format!("{id}.key")),
            "--delivery-every-ms",
            "100",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let start = |data: &std::path::Path, port: u16, id: &str| {
        let args = node_args(id);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Node::start_on(data, port, &args).unwrap()
    };
    let b = start(&b_dir, pb, "songjiang");
    let _a = start(&a_dir, pa, "hefei");
    let ping = |n: &str| {
        let args = [
            "exchange",
            "ping",
            "--to",
            "songjiang",
            "--node-id",
            "hefei",
            "--node-key",
            &p("hefei.key"),
            "--count",
            n,
        ];
        let o = corridor(&a_dir, &args, None);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // The messages Songjiang has applied, by id.
    let applied = || -> Vec<String> {
        let o = corridor(&b_dir, &["exchange", "inbox"], None);
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["applied_ms"].is_i64())
            .map(|m| m["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let wait_for = |n: usize| {
        let mut got = applied();
        for _ in 0..60 {
            if got.len() >= n {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
            got = applied();
        }
        got
    };
    let mut sent = ping("10");
    assert_eq!(wait_for(10).len(), 10, "the first pings arrived");
    drop(b); // SIGKILL
    sent.extend(ping("10"));
    std::thread::sleep(std::time::Duration::from_secs(1));
    let _b = start(&b_dir, pb, "songjiang");
    let mut got = wait_for(20);
    got.sort();
    sent.sort();
    assert_eq!(got, sent, "every ping applied exactly once, none lost");
    let mut outbox = serde_json::Value::Null;
    for _ in 0..40 {
        outbox = json(&corridor(&a_dir, &["exchange", "outbox"], None));
        if outbox["delivered"] == 20 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert_eq!(
        outbox,
        serde_json::json!({"waiting": 0, "parked": 0, "delivered": 20})
    );
    drop(_b);
    drop(_a);
    for d in [&a_dir, &b_dir] {
        let v = corridor(d, &["audit", "verify"], None);
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
