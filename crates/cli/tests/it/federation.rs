//! One node per city, with real processes (issue #24): a corridor set up with the operator's
//! commands only (root key, node keys, draft, sign), each node a `corridor serve` on a
//! loopback port with its own store.

use crate::cli::{corridor, tmp};
use crate::helpers::{free_port, Go, Node};
use corridor_domain::catalogue::ServiceMode;
use corridor_domain::materials::sample;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A corridor's keys and signed list in a folder, and a data folder per node.
pub struct Corridor {
    pub dir: PathBuf,
    pub root: String,
    /// (node id, city, port)
    pub nodes: Vec<(String, String, u16)>,
    /// The port the trust list names for each node, when other nodes reach it through a
    /// proxy (else its own port).
    pub advertised: Vec<u16>,
}

fn json_of(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

impl Corridor {
    /// The joint office's steps: a root key, a key per node, the draft and the signed list.
    /// With `demo`, each node's store gets the demo accounts and its authorities' keys first,
    /// and the list names those keys (each node's `trust-list export`).
    pub fn set_up(nodes: &[(&str, &str)], demo: bool) -> Corridor {
        Corridor::set_up_proxied(nodes, demo, false)
    }

    /// As [`Corridor::set_up`]; with `proxied`, the list names another port for each node
    /// (where a test proxy listens), not the node's own.
    pub fn set_up_proxied(nodes: &[(&str, &str)], demo: bool, proxied: bool) -> Corridor {
        let dir = tmp();
        std::fs::create_dir_all(&dir).unwrap();
        let mut c = Corridor {
            dir,
            root: String::new(),
            nodes: nodes
                .iter()
                .map(|(id, city)| (id.to_string(), city.to_string(), free_port()))
                .collect(),
            advertised: Vec::new(),
        };
        c.advertised = c
            .nodes
            .iter()
            .map(|n| if proxied { free_port() } else { n.2 })
            .collect();
        let work = c.data(&c.nodes[0].0);
        let root = json_of(&corridor(
            &work,
            &["trust", "root-key", "--out", &c.path("root.json")],
            None,
        ));
        c.root = root["public_key"].as_str().unwrap().to_string();
        let mut listed = Vec::new();
        for ((id, city, _), port) in c.nodes.iter().zip(&c.advertised) {
            let key = json_of(&corridor(
                &work,
                &[
                    "trust",
                    "node-key",
                    "--kid",
                    &format!("{id}-1"),
                    "--out",
                    &c.path(&format!("{id}.key")),
                ],
                None,
            ));
            listed.push(json!({
                "node_id": id, "city": city, "name_zh": id, "name_en": id,
                "base_url": format!("http://127.0.0.1:{port}/"),
                "message_keys": [{"kid": key["kid"], "public_key": key["public_key"], "not_before": 0}],
            }));
        }
        std::fs::write(c.path("nodes.json"), Value::Array(listed).to_string()).unwrap();
        let (nodes_json, draft, list) = (
            c.path("nodes.json"),
            c.path("draft.json"),
            c.path("list.cose"),
        );
        let mut draft_args: Vec<String> = [
            "trust",
            "draft",
            "--nodes",
            &nodes_json,
            "--sequence",
            "1",
            "--out",
            &draft,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if demo {
            for (id, city, _) in &c.nodes {
                let seed = ["demo", "--cases", "0", "--enterprises", "0"];
                let o = corridor(&c.data(id), &seed, None);
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                let o = corridor(&c.data(id), &["keys", "init", "--city", city], None);
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                let keys = c.path(&format!("{id}.keys.json"));
                let o = corridor(&c.data(id), &["trust-list", "export", &keys], None);
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                draft_args.extend(["--keys".to_string(), keys]);
            }
        }
        let draft_args: Vec<&str> = draft_args.iter().map(String::as_str).collect();
        let o = corridor(&work, &draft_args, None);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let root_key = c.path("root.json");
        let sign = [
            "trust",
            "sign",
            "--root-key",
            &root_key,
            "--out",
            &list,
            &draft,
        ];
        assert!(corridor(&work, &sign, None).status.success());
        c
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }

    /// A node's data folder (made on first use).
    pub fn data(&self, id: &str) -> PathBuf {
        let d = self.dir.join(id);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    pub fn port(&self, id: &str) -> u16 {
        self.nodes.iter().find(|n| n.0 == id).unwrap().2
    }

    /// The settings that make a `corridor serve` this corridor's node `id`.
    pub fn node_args(&self, id: &str) -> Vec<String> {
        [
            "--trust-list",
            &self.path("list.cose"),
            "--trust-root",
            &self.root,
            "--node-id",
            id,
            "--node-key",
            &self.path(&format!("{id}.key")),
            "--delivery-every-ms",
            "100",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// Starts node `id` on its port, with `extra` arguments.
    pub fn start(&self, id: &str, extra: &[&str]) -> Node {
        let mut args = self.node_args(id);
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Node::start_on(&self.data(id), self.port(id), &args).unwrap()
    }
}

impl Corridor {
    /// Waits (at most 10 s) until each node's outbox has delivered `n` messages, and checks
    /// that none is waiting or parked.
    pub async fn settled(&self, nodes: &[(&str, i64)]) {
        for (d, n) in nodes {
            let mut outbox = Value::Null;
            for _ in 0..100 {
                outbox = json_of(&corridor(&self.data(d), &["exchange", "outbox"], None));
                if outbox["delivered"] == *n {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert_eq!(
                outbox,
                json!({"waiting": 0, "parked": 0, "delivered": n}),
                "{d}"
            );
        }
    }

    /// `corridor audit verify` passes on each node's store (the nodes stopped).
    pub fn chains_intact(&self, nodes: &[&str]) {
        for d in nodes {
            let v = corridor(&self.data(d), &["audit", "verify"], None);
            assert!(
                v.status.success(),
                "{d}: {}",
                String::from_utf8_lossy(&v.stdout)
            );
        }
    }
}

impl Drop for Corridor {
    fn drop(&mut self) {
        if std::env::var("KEEP_LOGS").is_ok() {
            eprintln!("kept {}", self.dir.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn token(http: &reqwest::Client, base: &str, user: &str) -> String {
    let v: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "corridor-demo"}))
        .value()
        .await;
    v["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_string()
}

/// Reads a case at a node until `ok` holds of it (at most 30 s); the case as last read.
async fn wait_case(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        let r = http
            .get(format!("{base}/api/v1/cases/{id}"))
            .bearer_auth(token)
            .go()
            .await;
        if r.status() == StatusCode::OK {
            last = r.json().await.unwrap();
            if ok(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("case {id} at {base} did not reach the state awaited: {last}");
}

fn status_is(s: &'static str) -> impl Fn(&Value) -> bool {
    move |v: &Value| v["status"] == s
}

/// At a node: the applicant files a branch registration at `window` for `competent`'s market
/// regulator and uploads the form (`form_pdf`); the clerk receives, scans every other required
/// material, marks them and forwards. The case's id and receipt number.
async fn file_and_forward(
    http: &reqwest::Client,
    base: &str,
    who: (&str, &str),
    window: &str,
    competent: &str,
    form_pdf: &[u8],
) -> (String, String) {
    let mut filing = crate::cases::branch_filing(Some(window), ServiceMode::RemoteReceipt);
    filing.competent_city = competent.into();
    file_and_forward_this(http, base, who, filing, form_pdf).await
}

/// As [`file_and_forward`], for any filing at a window.
async fn file_and_forward_this(
    http: &reqwest::Client,
    base: &str,
    (applicant, clerk): (&str, &str),
    filing: corridor_app::filing::FileCase,
    form_pdf: &[u8],
) -> (String, String) {
    let api = |p: &str| format!("{base}/api/v1{p}");
    let case: Value = http
        .post(api("/cases"))
        .bearer_auth(applicant)
        .json(&filing)
        .value()
        .await;
    let id = case["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{case}"))
        .to_string();
    let upload = |who: &str, material: String, body: Vec<u8>| {
        http.post(api(&format!("/cases/{id}/materials/{material}")))
            .query(&[(
                "file_name",
                if material == "0" {
                    "申请书.pdf"
                } else {
                    "scan.png"
                },
            )])
            .bearer_auth(who)
            .body(body)
    };
    let r = upload(applicant, "0".into(), form_pdf.to_vec()).go().await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let act = |body: Value| {
        http.post(api(&format!("/cases/{id}/actions")))
            .bearer_auth(clerk)
            .json(&body)
    };
    let r = act(json!({"action": "receive", "identity_checked": true}))
        .go()
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let list: Value = http
        .get(api(&format!("/cases/{id}/materials")))
        .bearer_auth(clerk)
        .value()
        .await;
    let png = sample::png(8, 8, [0, 128, 255]);
    let mut marks = Vec::new();
    for m in list["materials"].as_array().unwrap() {
        if m["required"] != true {
            continue;
        }
        if m["files"].as_array().unwrap().is_empty() {
            let r = upload(clerk, m["index"].to_string(), png.clone())
                .go()
                .await;
            assert_eq!(r.status(), StatusCode::CREATED);
        }
        marks.push(
            json!({"material": m["index"], "received": true, "original_seen": m["original"]}),
        );
    }
    let r = http
        .put(api(&format!("/cases/{id}/materials/checks")))
        .bearer_auth(clerk)
        .json(&Value::Array(marks))
        .go()
        .await;
    assert!(r.status().is_success());
    let r = act(json!({"action": "forward"})).go().await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    (id, case["receipt_no"].as_str().unwrap().to_string())
}

/// Hefei's and Songjiang's nodes running with the demo: the corridor, its nodes, a client,
/// their URLs, and the tokens of Hefei's applicant and clerk and of Songjiang's `reviewer`.
async fn hefei_and_songjiang(
    reviewer: &str,
) -> (
    Corridor,
    (Node, Node),
    reqwest::Client,
    (String, String),
    (String, String, String),
) {
    let c = Corridor::set_up(&[("hefei", "340100"), ("songjiang", "310117")], true);
    let a = c.start("hefei", &[]);
    let b = c.start("songjiang", &[]);
    let http = reqwest::Client::new();
    let (ua, ub) = (a.url.clone(), b.url.clone());
    let ent = token(&http, &ua, "ent.340100").await;
    let clerk = token(&http, &ua, "clerk.340100").await;
    let reviewer = token(&http, &ub, reviewer).await;
    (c, (a, b), http, (ua, ub), (ent, clerk, reviewer))
}

/// Hefei's window receives a filing for Songjiang's market regulator; Songjiang's node
/// decides, asks for a correction, approves and issues the licence; Hefei's window delivers
/// it. Each node keeps its own store; every step travels as a signed message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_from_hefei_to_songjiang_and_back() {
    let (c, nodes, http, (ua, ub), (ent, clerk, reviewer)) =
        hefei_and_songjiang("reviewer.310117.market").await;
    let api = |base: &str, p: &str| format!("{base}/api/v1{p}");

    // A node takes filings for its own city only.
    let ent_b = token(&http, &ub, "ent.340100").await;
    let r = http
        .post(api(&ub, "/cases"))
        .bearer_auth(&ent_b)
        .json(&crate::cases::branch_filing(
            Some("340100-W01"),
            ServiceMode::RemoteReceipt,
        ))
        .go()
        .await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "Hefei's window at Songjiang's node"
    );

    // Filed at Hefei's window, the applicant's file online, the clerk's scans; forwarded.
    let form_pdf = sample::pdf("Application form", 0);
    let (id, receipt_no) = file_and_forward(
        &http,
        &ua,
        (&ent, &clerk),
        "340100-W01",
        "310117",
        &form_pdf,
    )
    .await;
    assert!(receipt_no.starts_with("340100-"), "{receipt_no}");
    let upload = |who: &str, material: String, name: &str, body: Vec<u8>| {
        http.post(api(&ua, &format!("/cases/{id}/materials/{material}")))
            .query(&[("file_name", name)])
            .bearer_auth(who)
            .body(body)
    };
    let act = |base: &str, who: &str, body: Value| {
        http.post(api(base, &format!("/cases/{id}/actions")))
            .bearer_auth(who)
            .json(&body)
    };

    // At Songjiang: the case in the reviewer's queue, its files as handed in at Hefei.
    let at_b = wait_case(&http, &ub, &reviewer, &id, status_is("forwarded")).await;
    assert_eq!(at_b["receipt_no"], receipt_no.as_str());
    assert!(at_b["allowed_actions"]
        .as_array()
        .unwrap()
        .contains(&json!("accept")));
    let queue: Value = http
        .get(api(&ub, "/cases?status=forwarded"))
        .bearer_auth(&reviewer)
        .value()
        .await;
    assert!(queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == id.as_str()));
    let files: Value = http
        .get(api(&ub, &format!("/cases/{id}/materials")))
        .bearer_auth(&reviewer)
        .value()
        .await;
    assert_eq!(files["complete"], true, "{files}");
    let first = &files["materials"][0]["files"][0];
    let bytes = http
        .get(api(
            &ub,
            &format!("/cases/{id}/files/{}", first["id"].as_str().unwrap()),
        ))
        .bearer_auth(&reviewer)
        .go()
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), form_pdf.as_slice(), "the file as handed in");
    // A small file came in Songjiang's database with the message, in its transaction; at
    // Hefei, handed in at the window, it has a file of its own.
    let sha = corridor_store::sha256_hex(&form_pdf);
    let in_folder = |node: &str| {
        c.data(node)
            .join("materials")
            .join(&sha[..2])
            .join(&sha)
            .exists()
    };
    assert!(
        in_folder("hefei") && !in_folder("songjiang"),
        "the form's file at Hefei {}, at Songjiang {}",
        in_folder("hefei"),
        in_folder("songjiang")
    );
    // The window's steps are Hefei's: not done at Songjiang's node (its demo has that clerk).
    let clerk_b = token(&http, &ub, "clerk.340100").await;
    let r = act(&ub, &clerk_b, json!({"action": "withdraw"})).go().await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Accepted, then a correction asked for: Hefei's applicant sees which material.
    let r = act(&ub, &reviewer, json!({"action": "accept"})).go().await;
    assert!(r.status().is_success());
    let r = act(
        &ub,
        &reviewer,
        json!({"action": "request_correction", "reason": "申请书未签字 Unsigned form", "correct_materials": [0]}),
    )
    .go()
    .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let at_a = wait_case(&http, &ua, &ent, &id, status_is("correction_requested")).await;
    assert_eq!(at_a["correction"]["materials"], json!([0]), "{at_a}");
    assert!(at_a["reason"].as_str().unwrap().contains("Unsigned"));
    assert!(
        at_a["accepted_on"].is_string(),
        "the clock as Songjiang runs it"
    );
    // Followed without signing in, by receipt number and ID ending, on either node; a
    // wrong ending is not told apart from a wrong number.
    for base in [&ua, &ub] {
        let v: Value = http
            .post(api(base, "/track"))
            .json(&json!({"receipt_no": receipt_no, "id_tail": "31002x"}))
            .value()
            .await;
        assert_eq!(v["status"], "correction_requested", "{base}: {v}");
        // The promised deadline as Songjiang counts it, on either node.
        assert_eq!(v["promised_deadline"], at_a["promised_deadline"], "{v}");
        assert!(v["promised_deadline"].is_string(), "{v}");
        assert!(v["reason"].as_str().unwrap().contains("Unsigned"), "{v}");
        assert!(
            !v.to_string().contains("11010519491231002X"),
            "no personal data: {v}"
        );
        let r = http
            .post(api(base, "/track"))
            .json(&json!({"receipt_no": receipt_no, "id_tail": "123456"}))
            .go()
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let page = http.get(format!("{base}/track")).go().await;
        assert_eq!(page.status(), StatusCode::OK);
    }
    // Larger than a bundle carries: it goes by itself, when Songjiang asks for it.
    let signed = sample::pdf("Application form, signed", 5 << 20);
    let r = upload(&ent, "0".into(), "申请书-签字.pdf", signed.clone())
        .go()
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = act(&ua, &ent, json!({"action": "resubmit"})).go().await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());

    // The corrected file reaches Songjiang; approved; the licence issued there.
    wait_case(&http, &ub, &reviewer, &id, status_is("resubmitted")).await;
    let files: Value = http
        .get(api(&ub, &format!("/cases/{id}/materials")))
        .bearer_auth(&reviewer)
        .value()
        .await;
    let shas: Vec<&str> = files["materials"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sha256"].as_str().unwrap())
        .collect();
    assert!(
        shas.contains(&corridor_store::sha256_hex(&signed).as_str()),
        "{files}"
    );
    // The small files came with their messages; the large one by itself, when asked for.
    let metrics = http
        .get(format!("{ub}/metrics"))
        .go()
        .await
        .text()
        .await
        .unwrap();
    for route in ["/api/v1/exchange/bundles", "/api/v1/exchange/files"] {
        assert!(
            metrics
                .lines()
                .any(|l| l.contains(route) && l.contains("status=\"20")),
            "{route} was used: {metrics}"
        );
    }
    for action in ["approve", "issue_licence"] {
        let r = act(&ub, &reviewer, json!({"action": action})).go().await;
        assert!(
            r.status().is_success(),
            "{action}: {}",
            r.text().await.unwrap()
        );
    }

    // Issued locally: Hefei's window delivers the licence Songjiang signed.
    let at_a = wait_case(&http, &ua, &clerk, &id, status_is("licence_issued")).await;
    let licence = at_a["licence_id"]
        .as_str()
        .expect("the licence at Hefei")
        .to_string();
    let file = http
        .get(api(&ua, &format!("/licences/{licence}/file")))
        .bearer_auth(&ent)
        .go()
        .await;
    assert_eq!(file.status(), StatusCode::OK);
    let cose = file.bytes().await.unwrap();
    let v: Value = http
        .post(api(&ua, "/licences/verify"))
        .header("content-type", "application/cose")
        .body(cose.to_vec())
        .value()
        .await;
    assert_eq!(
        v["valid"], true,
        "Hefei verifies Songjiang's signature: {v}"
    );
    let r = act(&ua, &clerk, json!({"action": "deliver"})).go().await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    wait_case(&http, &ub, &reviewer, &id, status_is("delivered")).await;

    // Songjiang's authority revokes the licence: Hefei's copy is revoked too, so the window
    // that delivered it no longer verifies it. Only the issuing side's node may send that.
    let revoke = |base: &str, who: &str| {
        http.post(api(base, &format!("/licences/{licence}/revoke")))
            .bearer_auth(who)
            .json(&json!({"reason": "营业场所不存在 / the premises do not exist"}))
    };
    let r = revoke(&ub, &reviewer).go().await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let mut at_hefei = Value::Null;
    for _ in 0..100 {
        at_hefei = http
            .post(api(&ua, "/licences/verify"))
            .header("content-type", "application/cose")
            .body(cose.to_vec())
            .value()
            .await;
        if at_hefei["valid"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(at_hefei["reason"], "licence_revoked", "{at_hefei}");
    // The applicant, whose account is Hefei's, is told why.
    let notices: Value = http
        .get(api(&ua, &format!("/cases/{id}/notices")))
        .bearer_auth(&ent)
        .value()
        .await;
    let revoked: Vec<&Value> = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "licence_revoked")
        .collect();
    assert_eq!(revoked.len(), 1, "{notices}");
    assert!(
        revoked[0]["body"]
            .as_str()
            .unwrap()
            .contains("the premises do not exist"),
        "{notices}"
    );
    // Revoking twice is a conflict at Songjiang, and sends nothing more.
    let r = revoke(&ub, &reviewer).go().await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Both outboxes empty, nothing parked; every chain intact on both nodes.
    c.settled(&[("hefei", 3), ("songjiang", 5)]).await;
    drop(nodes);
    c.chains_intact(&["hefei", "songjiang"]);
}

/// Amounts by rule across nodes (issue #27): a rent subsidy filed at Hefei's window is decided
/// at Songjiang's node by Songjiang's rule; the approval's message carries the recorded amount,
/// and Hefei's node keeps it, shows it to the applicant with its steps and tells them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amount_decided_at_one_node_reaches_the_other() {
    let (_c, _nodes, http, (ua, ub), (ent, clerk, reviewer)) =
        hefei_and_songjiang("reviewer.310117.talent").await;
    let form = json!({
        "applicant_name": "王伟", "applicant_id": crate::helpers::FILER_ID,
        "applicant_phone": "13812345678", "employer_uscc": "91340100MA2TQ8K5XE",
        "monthly_rent": 5000, "monthly_salary": 20000, "lease_start": "2026-10-01",
        "talent_level": "B"
    });
    let filing = corridor_app::filing::FileCase {
        matter_code: "G60-TAL-002".into(),
        competent_city: "310117".into(),
        mode: ServiceMode::RemoteReceipt,
        window_id: Some("340100-W01".into()),
        form: serde_json::from_value(form).unwrap(),
        identity_checked: false,
        identity_seen: None,
    };
    let pdf = sample::pdf("Application form", 0);
    let (id, _) = file_and_forward_this(&http, &ua, (&ent, &clerk), filing, &pdf).await;
    wait_case(&http, &ub, &reviewer, &id, status_is("forwarded")).await;
    for action in ["accept", "approve"] {
        let r = http
            .post(format!("{ub}/api/v1/cases/{id}/actions"))
            .bearer_auth(&reviewer)
            .json(&json!({ "action": action }))
            .go()
            .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    let at_b: Value = http
        .get(format!("{ub}/api/v1/cases/{id}"))
        .bearer_auth(&reviewer)
        .value()
        .await;
    assert_eq!(at_b["amount"]["computed"]["amount_fen"], 300_000, "{at_b}");
    // At Hefei: the applicant reads the amount Songjiang decided, with its steps.
    let at_a = wait_case(&http, &ua, &ent, &id, status_is("approved")).await;
    let amount = &at_a["amount"];
    assert_eq!(amount["decided"], true, "{at_a}");
    assert_eq!(amount["computed"]["total_fen"], 3_600_000);
    assert_eq!(amount["rule_version"], 1);
    assert!(amount["computed"]["steps"].as_array().unwrap().len() >= 4);
    let notices: Value = http
        .get(format!("{ua}/api/v1/cases/{id}/notices"))
        .bearer_auth(&ent)
        .value()
        .await;
    let told = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "decided")
        .cloned()
        .unwrap_or_default();
    assert!(
        told["body"].as_str().unwrap_or("").contains("3,000.00"),
        "{notices}"
    );
}

/// Two real nodes set up with the operator's commands. Hefei's operator pings Songjiang;
/// every ping arrives once. Songjiang is killed (SIGKILL) and more pings are sent while it is
/// down; started again, it catches up: every ping applied exactly once, Hefei's outbox all
/// delivered with receipts, both audit chains intact. Songjiang stays down 1 s, or
/// `CORRIDOR_OUTAGE_SECS` (`scripts/federation-outage` runs it with 600).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_catch_up_after_a_kill() {
    let c = Corridor::set_up(&[("hefei", "340100"), ("songjiang", "310117")], false);
    let (a_dir, b_dir) = (c.data("hefei"), c.data("songjiang"));
    let b = c.start("songjiang", &[]);
    let _a = c.start("hefei", &[]);
    let key = c.path("hefei.key");
    let ping = |n: &str| {
        let args = [
            "exchange",
            "ping",
            "--to",
            "songjiang",
            "--node-id",
            "hefei",
            "--node-key",
            &key,
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
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|m| m["applied_ms"].is_i64())
            .map(|m| m["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    // Long enough for the senders' longest back-off (30 s) after an outage.
    let wait_for = |n: usize| {
        let mut got = applied();
        for _ in 0..120 {
            if got.len() >= n {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
            got = applied();
        }
        got
    };
    let mut sent = ping("10");
    assert_eq!(wait_for(10).len(), 10, "the first pings arrived");
    drop(b); // SIGKILL
    sent.extend(ping("10"));
    let outage: u64 = std::env::var("CORRIDOR_OUTAGE_SECS").map_or(1, |s| {
        s.parse()
            .expect("CORRIDOR_OUTAGE_SECS: a whole number of seconds")
    });
    std::thread::sleep(Duration::from_secs(outage));
    let _b = c.start("songjiang", &[]);
    let mut got = wait_for(20);
    got.sort();
    sent.sort();
    assert_eq!(got, sent, "every ping applied exactly once, none lost");
    let mut outbox = Value::Null;
    for _ in 0..40 {
        outbox = json_of(&corridor(&a_dir, &["exchange", "outbox"], None));
        if outbox["delivered"] == 20 {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(outbox, json!({"waiting": 0, "parked": 0, "delivered": 20}));
    drop(_b);
    drop(_a);
    for d in [&a_dir, &b_dir] {
        let v = corridor(d, &["audit", "verify"], None);
        assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    }
}

/// Hefei's window withdraws two cases while Songjiang's authority, not yet told, acts on them:
/// one approved, one only accepted. The messages cross (each node is down while the other
/// acts) and both nodes end the same: the approval stands (the withdrawal void at Songjiang,
/// adopted at Hefei, where the licence then arrives), the accepted case is withdrawn at both.
/// No message is refused or parked, and both audit chains verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_crossing_a_decision_ends_the_same_at_both_nodes() {
    let (c, (a, b), http, (ua, ub), (ent, clerk, reviewer)) =
        hefei_and_songjiang("reviewer.310117.market").await;
    let form = sample::pdf("Application form", 0);
    let who = (ent.as_str(), clerk.as_str());
    let (approved, _) = file_and_forward(&http, &ua, who, "340100-W01", "310117", &form).await;
    let (accepted, _) = file_and_forward(&http, &ua, who, "340100-W01", "310117", &form).await;
    for id in [&approved, &accepted] {
        wait_case(&http, &ub, &reviewer, id, status_is("forwarded")).await;
    }
    let act = |base: &str, token: &str, id: &str, action: &str| {
        http.post(format!("{base}/api/v1/cases/{id}/actions"))
            .bearer_auth(token.to_string())
            .json(&json!({"action": action}))
            .go()
    };
    // Hefei down: Songjiang decides one case and accepts the other.
    drop(a);
    for (id, action) in [
        (&approved, "accept"),
        (&approved, "approve"),
        (&accepted, "accept"),
    ] {
        let r = act(&ub, &reviewer, id, action).await;
        assert!(r.status().is_success(), "{action}");
    }
    // Songjiang down: Hefei, which still sees both forwarded, withdraws both.
    drop(b);
    let a = c.start("hefei", &[]);
    for id in [&approved, &accepted] {
        let r = act(&ua, &ent, id, "withdraw").await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    // Both up: the crossed messages arrive.
    let b = c.start("songjiang", &[]);
    for base in [&ua, &ub] {
        let t = if base == &ua { &ent } else { &reviewer };
        wait_case(&http, base, t, &approved, status_is("approved")).await;
        wait_case(&http, base, t, &accepted, status_is("withdrawn")).await;
    }
    // The approved case goes on: the licence reaches Hefei's window.
    let r = act(&ub, &reviewer, &approved, "issue_licence").await;
    assert!(r.status().is_success());
    wait_case(&http, &ua, &ent, &approved, status_is("licence_issued")).await;
    // Hefei: two forwards and two withdrawals; Songjiang: three steps and the licence.
    c.settled(&[("hefei", 4), ("songjiang", 4)]).await;
    // The applicant was told of the decision, and of no step that changed nothing.
    let notices: Value = http
        .get(format!("{ua}/api/v1/notices"))
        .bearer_auth(&ent)
        .value()
        .await;
    let kinds = |id: &str| -> Vec<String> {
        notices["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{notices}"))
            .iter()
            .filter(|n| n["case_id"] == id)
            .map(|n| n["kind"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(
        kinds(&approved).contains(&"decided".to_string()),
        "{notices}"
    );
    assert!(
        !kinds(&accepted).contains(&"decided".to_string()),
        "{notices}"
    );
    drop((a, b));
    c.chains_intact(&["hefei", "songjiang"]);
}

/// Ten consecutive free loopback ports (their first).
fn free_ports(n: u16) -> u16 {
    for _ in 0..100 {
        let base = free_port();
        if base > 65_000 - n {
            continue;
        }
        if (0..n).all(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).is_ok()) {
            return base;
        }
    }
    panic!("no {n} free ports in a row");
}

/// The whole corridor from one command (`corridor federation up`): the joint office's node
/// and nine city nodes, Songjiang's on PostgreSQL when the tests have one. Each city's window
/// forwards a case to the next city round the corridor; each arrives in that city's queue,
/// is accepted there, and the acceptance reaches the window's node; nothing is parked and
/// every node's audit chains verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nine_cities_hand_cases_round_the_corridor() {
    let dir = tmp();
    let base = free_ports(10);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_corridor"));
    cmd.args(["federation", "up", "--dir"])
        .arg(&dir)
        .args(["--base-port", &base.to_string(), "--demo-cases", "0"])
        .args(["--statistics-every-secs", "1"])
        .env_remove("CORRIDOR_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let pg = crate::helpers::pg_url();
    if let Some(u) = &pg {
        // A database left by an earlier run would be taken up again: start afresh.
        let _ = corridor_store::Store::drop_temp_postgres(u, &replace_db(u, "corridor_songjiang"))
            .await;
        cmd.args(["--postgres", u]);
    }
    let mut up = cmd.spawn().unwrap();
    let out = std::io::BufReader::new(up.stdout.take().unwrap());
    let mut nodes: Vec<Value> = Vec::new();
    for line in std::io::BufRead::lines(out) {
        let v: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if v["ready"] == true {
            break;
        }
        nodes.push(v);
    }
    assert_eq!(nodes.len(), 10, "{nodes:?}");
    assert_eq!(
        nodes.iter().filter(|n| n["store"] == "postgresql").count(),
        usize::from(pg.is_some())
    );
    let cities: Vec<(String, String)> = nodes[1..]
        .iter()
        .map(|n| {
            (
                n["city"].as_str().unwrap().to_string(),
                n["url"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let http = reqwest::Client::new();
    let pdf = sample::pdf("Application form", 9);
    let mut cases = Vec::new();
    for (i, (city, url)) in cities.iter().enumerate() {
        let next = &cities[(i + 1) % cities.len()].0;
        let ent = token(&http, url, "ent.340100").await;
        let clerk = token(&http, url, &format!("clerk.{city}")).await;
        let me: Value = http
            .get(format!("{url}/api/v1/me"))
            .bearer_auth(&clerk)
            .value()
            .await;
        let window = me["window_id"].as_str().unwrap().to_string();
        let (id, _) = file_and_forward(&http, url, (&ent, &clerk), &window, next, &pdf).await;
        cases.push((id, url.clone(), (i + 1) % cities.len()));
    }
    for (id, _, to) in &cases {
        let (city, url) = &cities[*to];
        let reviewer = token(&http, url, &format!("reviewer.{city}.market")).await;
        wait_case(&http, url, &reviewer, id, status_is("forwarded")).await;
        let r = http
            .post(format!("{url}/api/v1/cases/{id}/actions"))
            .bearer_auth(&reviewer)
            .json(&json!({"action": "accept"}))
            .go()
            .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    for (id, from, _) in &cases {
        let city = &cities.iter().find(|c| &c.1 == from).unwrap().0;
        let clerk = token(&http, from, &format!("clerk.{city}")).await;
        wait_case(&http, from, &clerk, id, status_is("accepted")).await;
    }
    // Every node serves the pages, in both languages.
    for n in &nodes {
        let url = n["url"].as_str().unwrap();
        for page in [
            "/",
            "/matters",
            "/matters/G60-MAR-001",
            "/verify",
            "/track",
            "/login",
        ] {
            for lang in ["zh", "en"] {
                let r = http.get(format!("{url}{page}?lang={lang}")).go().await;
                assert_eq!(r.status(), StatusCode::OK, "{url}{page}");
            }
        }
    }
    // The joint office's figures: each node's counts of the cases it decides, each case once.
    let office_url = nodes[0]["url"].as_str().unwrap().to_string();
    let office = token(&http, &office_url, "office").await;
    let mut figures = Value::Null;
    for _ in 0..60 {
        figures = http
            .get(format!("{office_url}/api/v1/statistics"))
            .bearer_auth(&office)
            .value()
            .await;
        let forwarded = |f: &Value| f["forwarding"].as_array().map_or(0, Vec::len);
        if figures["total"] == 9
            && figures["by_status"][0]["key"] == "accepted"
            && forwarded(&figures) == 9
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(figures["total"], 9, "{figures}");
    assert_eq!(
        figures["by_competent_city"].as_array().unwrap().len(),
        9,
        "{figures}"
    );
    assert_eq!(figures["by_status"][0]["key"], "accepted", "{figures}");
    // And each window's hand-off, sent by the node that received the case.
    let fwd = figures["forwarding"].as_array().unwrap();
    assert_eq!(fwd.len(), 9, "{figures}");
    assert!(fwd.iter().all(|f| f["forwarded"] == 1), "{figures}");
    for n in &nodes {
        let m = http
            .get(format!("{}/metrics", n["url"].as_str().unwrap()))
            .go()
            .await
            .text()
            .await
            .unwrap();
        assert!(
            m.contains("corridor_outbox{state=\"parked\"} 0"),
            "{}: {m}",
            n["node"]
        );
    }
    // Stopped together (SIGTERM); every store's chains intact.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &up.id().to_string()])
        .status();
    assert!(up.wait().unwrap().success());
    for n in &nodes {
        let id = n["node"].as_str().unwrap();
        let mut args = vec!["audit", "verify"];
        let url;
        if n["store"] == "postgresql" {
            url = pg
                .as_deref()
                .map(|u| replace_db(u, &format!("corridor_{}", id.replace('-', "_"))))
                .unwrap();
            args = vec!["--database-url", &url, "audit", "verify"];
        }
        let v = corridor(&dir.join(id), &args, None);
        assert!(
            v.status.success(),
            "{id}: {}",
            String::from_utf8_lossy(&v.stdout)
        );
    }
    if let Some(u) = &pg {
        let _ = corridor_store::Store::drop_temp_postgres(u, &replace_db(u, "corridor_songjiang"))
            .await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `base` with its database name replaced.
fn replace_db(base: &str, name: &str) -> String {
    let (head, tail) = base
        .split_once('?')
        .map_or((base, None), |(h, t)| (h, Some(t)));
    let head = head.rsplit_once('/').map_or(head, |(h, _)| h);
    match tail {
        Some(t) => format!("{head}/{name}?{t}"),
        None => format!("{head}/{name}"),
    }
}

/// What a test proxy did to the requests it passed on.
#[derive(Default)]
struct ProxyLog {
    passed: std::sync::atomic::AtomicUsize,
    duplicated: std::sync::atomic::AtomicUsize,
    held: std::sync::atomic::AtomicUsize,
}

/// A proxy on `listen` in front of `target` that delays every request by 0-150 ms, holds
/// every fifth for 600 ms (so later ones overtake it) and sends every third twice (answering
/// with the second answer): duplicated, delayed and reordered deliveries.
async fn faulty_proxy(listen: u16, target: u16) -> Arc<ProxyLog> {
    use std::sync::atomic::Ordering::Relaxed;
    let log = Arc::new(ProxyLog::default());
    let http = reqwest::Client::new();
    let l = log.clone();
    let handler = move |req: axum::extract::Request| {
        let (http, log) = (http.clone(), l.clone());
        async move {
            let n = log.passed.fetch_add(1, Relaxed);
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            let body = axum::body::to_bytes(req.into_body(), 128 << 20)
                .await
                .unwrap_or_default();
            let url = format!("http://127.0.0.1:{target}{path}");
            let wait = if n % 5 == 4 {
                log.held.fetch_add(1, Relaxed);
                600
            } else {
                (n as u64 * 37) % 150
            };
            tokio::time::sleep(Duration::from_millis(wait)).await;
            let times = if n % 3 == 2 {
                log.duplicated.fetch_add(1, Relaxed);
                2
            } else {
                1
            };
            let mut answer = (502u16, Vec::new());
            for _ in 0..times {
                if let Ok(r) = http.post(&url).body(body.clone()).send().await {
                    let status = r.status().as_u16();
                    answer = (status, r.bytes().await.unwrap_or_default().to_vec());
                }
            }
            (
                axum::http::StatusCode::from_u16(answer.0).unwrap(),
                answer.1,
            )
        }
    };
    let app = axum::Router::new().fallback(handler);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", listen))
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    log
}

/// At the deciding node: accept, approve and issue the licence.
async fn decide(http: &reqwest::Client, base: &str, reviewer: &str, id: &str) {
    for action in ["accept", "approve", "issue_licence"] {
        let r = http
            .post(format!("{base}/api/v1/cases/{id}/actions"))
            .bearer_auth(reviewer)
            .json(&json!({"action": action}))
            .go()
            .await;
        assert!(
            r.status().is_success(),
            "{action}: {}",
            r.text().await.unwrap()
        );
    }
}

/// Cases and their decisions travel through proxies that duplicate, delay and reorder every
/// message; the window's node is SIGKILLed with forwards in its outbox and the deciding node
/// is stopped for a while. Afterwards: every forwarded case reached the deciding node exactly
/// once, every decision (three per case, in order) reached the window's node, nothing is
/// waiting or parked, and every audit chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_offs_survive_duplicates_delays_reordering_and_kills() {
    let c = Corridor::set_up_proxied(&[("hefei", "340100"), ("songjiang", "310117")], true, true);
    let pa = faulty_proxy(c.advertised[0], c.port("hefei")).await;
    let pb = faulty_proxy(c.advertised[1], c.port("songjiang")).await;
    let a = c.start("hefei", &[]);
    let b = c.start("songjiang", &[]);
    let http = reqwest::Client::new();
    let (ua, ub) = (a.url.clone(), b.url.clone());
    let ent = token(&http, &ua, "ent.340100").await;
    let clerk = token(&http, &ua, "clerk.340100").await;
    let reviewer = token(&http, &ub, "reviewer.310117.market").await;
    // Ten cases forwarded; then Hefei killed while its delivery is under way.
    let mut ids = Vec::new();
    for i in 0..10u64 {
        let pdf = sample::pdf("Application form", 100 + i as usize);
        let (id, _) =
            file_and_forward(&http, &ua, (&ent, &clerk), "340100-W01", "310117", &pdf).await;
        ids.push(id);
    }
    drop(a); // SIGKILL
    tokio::time::sleep(Duration::from_millis(500)).await;
    let a = c.start("hefei", &[]);
    let ua = a.url.clone();
    for id in &ids {
        wait_case(&http, &ub, &reviewer, id, status_is("forwarded")).await;
    }
    // Songjiang decides each (three messages per case back); Songjiang stopped for 5 s
    // halfway through, Hefei keeps working.
    for (i, id) in ids.iter().enumerate() {
        decide(&http, &ub, &reviewer, id).await;
        if i == 4 {
            drop(b);
            tokio::time::sleep(Duration::from_secs(5)).await;
            break;
        }
    }
    let b = c.start("songjiang", &[]);
    let ub = b.url.clone();
    let reviewer = token(&http, &ub, "reviewer.310117.market").await;
    for id in &ids[5..] {
        decide(&http, &ub, &reviewer, id).await;
    }
    let clerk = token(&http, &ua, "clerk.340100").await;
    for id in &ids {
        let v = wait_case(&http, &ua, &clerk, id, status_is("licence_issued")).await;
        assert!(v["licence_id"].is_string(), "{v}");
    }
    let faults = |p: &ProxyLog| {
        use std::sync::atomic::Ordering::Relaxed;
        (p.duplicated.load(Relaxed), p.held.load(Relaxed))
    };
    let (da, ha) = faults(&pa);
    let (db, hb) = faults(&pb);
    assert!(
        da > 0 && ha > 0 && db > 0 && hb > 0,
        "the proxies interfered"
    );
    // Exactly once: one forward event per case at Songjiang, three decisions per case at
    // Hefei, each applied once; both outboxes delivered, nothing waiting or parked.
    for id in &ids {
        let ev: Value = http
            .get(format!("{ub}/api/v1/cases/{id}/events?per_page=100"))
            .bearer_auth(&reviewer)
            .value()
            .await;
        let actions: Vec<&str> = ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["forward", "accept", "approve", "issue_licence"],
            "{id}"
        );
        let ev: Value = http
            .get(format!("{ua}/api/v1/cases/{id}/events?per_page=100"))
            .bearer_auth(&clerk)
            .value()
            .await;
        let from_b: Vec<&str> = ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["actor"] == "node:songjiang")
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(from_b, ["accept", "approve", "issue_licence"], "{id}");
    }
    c.settled(&[("hefei", 10), ("songjiang", 30)]).await;
    drop(a);
    drop(b);
    c.chains_intact(&["hefei", "songjiang"]);
}
