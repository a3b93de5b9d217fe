//! `corridor bench handoff`: hand-offs between two nodes (issue #24, point 7). Two nodes in
//! this process, each with its own SQLite store (every commit fsync'd) and its own HTTP
//! server on a loopback port, Hefei's delivering to Songjiang's over real sockets with the
//! HTTP client the server uses. Measured in the same run:
//!
//! - **intake**: cases filed at Hefei's window (single-node, durable): the baseline;
//! - **hand-offs**: those cases forwarded by Hefei's clerk, `--concurrency` at a time: each
//!   forward commits with its message; the message, its application form (a file distinct
//!   per case; the window's scans are the same file in every case, sent once) and Songjiang's
//!   signed receipt travel; Songjiang commits the case into its reviewers' queue. The rate is
//!   cases in Songjiang's queue per second from the first forward to the last arrival; the
//!   latency is from the forward's answer at Hefei to the case's commit at Songjiang;
//! - with `--down-secs S`, a **backlog**: Songjiang's server stopped, as many cases forwarded
//!   while it is down, S seconds waited, Songjiang started again, and the time until the
//!   whole backlog is in its queue (nothing lost: every case counted there).

use anyhow::Context;
use corridor_app::cases::ActOnCase;
use corridor_app::documents::NewFile;
use corridor_app::exchange::NodeIdentity;
use corridor_app::materials::MaterialCheck;
use corridor_app::App;
use corridor_domain::case::{Action, Principal, Role};
use corridor_domain::clock::SystemClock;
use corridor_domain::materials::sample;
use corridor_licence::trust::{self as t, CorridorTrust, Node, NodeKey};
use corridor_store::Store;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

struct Side {
    app: Arc<App>,
    store: Store,
    url: String,
    listener: Option<tokio::net::TcpListener>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Side {
    async fn open(dir: &std::path::Path) -> anyhow::Result<Side> {
        let store = Store::open_dir(dir).await?;
        let app = App::open(store.clone(), Arc::new(SystemClock)).await?;
        app.set_master_key([0x42; 32]);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        Ok(Side {
            app,
            store,
            url,
            listener: Some(listener),
            stop: None,
        })
    }

    /// Serves on its address (bound before, so that the trust list can name it).
    async fn serve(&mut self) -> anyhow::Result<()> {
        let listener = match self.listener.take() {
            Some(l) => l,
            None => {
                let addr = self.url.trim_start_matches("http://").to_string();
                tokio::net::TcpListener::bind(&addr).await?
            }
        };
        let state = corridor_server::ServerState::new(
            self.app.clone(),
            corridor_server::DEFAULT_MAX_IN_FLIGHT,
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = corridor_server::serve(state, listener, async {
                let _ = rx.await;
            })
            .await;
        });
        self.stop = Some(tx);
        Ok(())
    }

    fn halt(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

fn node(id: &str, city: &str, url: &str, key: &corridor_licence::SigningKey) -> Node {
    Node {
        node_id: id.into(),
        city: city.into(),
        name_zh: id.into(),
        name_en: id.into(),
        base_url: format!("{url}/"),
        message_keys: vec![NodeKey {
            kid: format!("{id}-1"),
            public_key: corridor_licence::public_key_b64(&key.verifying_key()),
            not_before: 0,
            not_after: None,
        }],
    }
}

fn clerk() -> Principal {
    Principal {
        user_id: Uuid::now_v7(),
        username: "bench-clerk".into(),
        role: Role::Clerk,
        city: corridor_domain::ids::DivisionCode::parse("340100").ok(),
        window_id: Some("340100-W01".into()),
        authority_id: None,
        resident_id: None,
    }
}

/// Runs `f(i)` for i in 0..n, `c` at a time; the seconds it took.
async fn each<F, Fut>(n: usize, c: usize, f: F) -> anyhow::Result<f64>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    use futures::StreamExt;
    let t = Instant::now();
    let results: Vec<anyhow::Result<()>> = futures::stream::iter(0..n)
        .map(&f)
        .buffer_unordered(c.max(1))
        .collect()
        .await;
    results.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    Ok(t.elapsed().as_secs_f64())
}

fn pct(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Files `n` cases at Hefei's window with their materials complete: their ids, and the
/// seconds the filings alone took (the intake baseline).
async fn prepare(app: &Arc<App>, n: usize, c: usize) -> anyhow::Result<(Vec<Uuid>, f64)> {
    let p = Arc::new(clerk());
    let ids = Arc::new(std::sync::Mutex::new(vec![Uuid::nil(); n]));
    let mut filing = corridor_app::filing::FileCase {
        matter_code: "G60-MAR-001".into(),
        competent_city: "310117".into(),
        mode: corridor_domain::catalogue::ServiceMode::RemoteReceipt,
        window_id: Some("340100-W01".into()),
        form: Default::default(),
        identity_checked: true,
        identity_seen: None,
    };
    let matter = app
        .reference()
        .current_matter("G60-MAR-001")
        .cloned()
        .context("matter G60-MAR-001")?;
    filing.form = corridor_app::demo::sample_form(&matter, "340100", app.today(), 7);
    let filing = Arc::new(filing);
    let intake = each(n, c, |i| {
        let (app, p, ids, filing) = (app.clone(), p.clone(), ids.clone(), filing.clone());
        async move {
            let v = app.file_case(&p, (*filing).clone()).await?;
            ids.lock().unwrap_or_else(|e| e.into_inner())[i] = v.id;
            Ok(())
        }
    })
    .await?;
    let ids = ids.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let scan = Arc::new(sample::png(16, 16, [90, 90, 90]));
    let marks: Vec<MaterialCheck> = matter
        .materials
        .iter()
        .enumerate()
        .filter(|(_, m)| m.required)
        .map(|(i, m)| MaterialCheck {
            material: i,
            received: true,
            original_seen: m.original,
        })
        .collect();
    let (marks, required) = (
        Arc::new(marks),
        Arc::new(
            matter
                .materials
                .iter()
                .enumerate()
                .filter(|(_, m)| m.required)
                .map(|(i, _)| i)
                .collect::<Vec<_>>(),
        ),
    );
    let ids_ref = Arc::new(ids.clone());
    each(n, c, |i| {
        let (app, p, scan, marks, required, ids) = (
            app.clone(),
            p.clone(),
            scan.clone(),
            marks.clone(),
            required.clone(),
            ids_ref.clone(),
        );
        async move {
            let id = ids[i];
            for &m in required.iter() {
                let bytes = if m == 0 {
                    sample::pdf(&format!("Application form, case {i}"), 2048)
                } else {
                    (*scan).clone()
                };
                let name = if m == 0 { "form.pdf" } else { "scan.png" };
                app.attach(&p, id, m, NewFile::new(name, bytes)).await?;
            }
            app.check_materials(&p, id, &marks).await?;
            Ok(())
        }
    })
    .await?;
    Ok((ids, intake))
}

/// Forwards `ids` from Hefei, `c` at a time (with `rate`, the i-th no earlier than i/rate
/// seconds after the first); each forward's answer time (ms since the epoch).
async fn forward(
    app: &Arc<App>,
    ids: &[Uuid],
    c: usize,
    rate: f64,
) -> anyhow::Result<Vec<(Uuid, i64)>> {
    let p = Arc::new(clerk());
    let start = tokio::time::Instant::now();
    let acks = Arc::new(std::sync::Mutex::new(Vec::with_capacity(ids.len())));
    let ids = Arc::new(ids.to_vec());
    each(ids.len(), c, |i| {
        let (app, p, acks, ids) = (app.clone(), p.clone(), acks.clone(), ids.clone());
        async move {
            if rate > 0.0 {
                let at = start + std::time::Duration::from_secs_f64(i as f64 / rate);
                tokio::time::sleep_until(at).await;
            }
            let req = ActOnCase::plain(Action::Forward);
            app.act(&p, ids[i], req).await?;
            let now = app.now_ms();
            acks.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((ids[i], now));
            Ok(())
        }
    })
    .await?;
    let out = acks.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok(out)
}

/// Waits until `n` forwarded cases are applied at Songjiang (at most `limit` seconds); the
/// time each case was applied there, by case.
async fn arrivals(
    b: &Store,
    n: usize,
    limit: u64,
) -> anyhow::Result<std::collections::HashMap<String, i64>> {
    let t = Instant::now();
    // A count of cases while waiting (reading every message 50 times a second would take the
    // cores the nodes need), then the times once.
    while (b.inbox_cases_applied().await? as usize) < n {
        anyhow::ensure!(
            t.elapsed().as_secs() < limit,
            "only {} of {n} hand-offs arrived in {limit} s",
            b.inbox_cases_applied().await?
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(b.inbox_applied_times("case_forwarded")
        .await?
        .into_iter()
        .collect())
}

pub(crate) async fn run(
    cases: usize,
    concurrency: usize,
    rate: f64,
    down_secs: u64,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        (1..=1_000_000).contains(&cases),
        "--cases must be 1-1000000"
    );
    let dir = std::env::temp_dir().join(format!("corridor-handoff-{}", Uuid::now_v7().simple()));
    let mut a = Side::open(&dir.join("hefei")).await?;
    let mut b = Side::open(&dir.join("songjiang")).await?;
    let root = corridor_licence::generate_key();
    let (ka, kb) = (
        corridor_licence::generate_key(),
        corridor_licence::generate_key(),
    );
    let now = crate::now_secs();
    let list = CorridorTrust {
        format: t::SIGNED_TRUST_FORMAT.into(),
        sequence: 1,
        issued_at: now - 60,
        expires_at: now + 86_400,
        nodes: vec![
            node("hefei", "340100", &a.url, &ka),
            node("songjiang", "310117", &b.url, &kb),
        ],
        licence_keys: Vec::new(),
    };
    let signed = t::sign_trust(&list, &root).map_err(|e| anyhow::anyhow!("{e}"))?;
    let root_pub = corridor_licence::public_key_b64(&root.verifying_key());
    for (side, id, key) in [(&a, "hefei", &ka), (&b, "songjiang", &kb)] {
        side.app.pin_trust_roots(std::slice::from_ref(&root_pub))?;
        side.app.offer_trust_list(&signed)?;
        side.app.set_node_identity(NodeIdentity {
            node_id: id.into(),
            kid: format!("{id}-1"),
            key: key.clone(),
        });
    }
    a.serve().await?;
    b.serve().await?;
    let transport = corridor_server::client::http_transport().map_err(|e| anyhow::anyhow!(e))?;
    a.app.start_delivery(
        transport,
        std::time::Duration::from_millis(500),
        6 * 3_600_000,
    );
    eprintln!("filing {cases} cases at Hefei's window, with their materials ...");
    let (ids, intake_s) = prepare(&a.app, cases, concurrency).await?;
    let intake = cases as f64 / intake_s;
    eprintln!("forwarding them to Songjiang ...");
    let t0 = a.app.now_ms();
    let acks = forward(&a.app, &ids, concurrency, rate).await?;
    let forwarded_s = (a.app.now_ms() - t0) as f64 / 1000.0;
    let got = arrivals(&b.store, cases, 600).await?;
    let last = got.values().copied().max().unwrap_or(t0);
    let handoffs = cases as f64 / ((last - t0).max(1) as f64 / 1000.0);
    let mut lat: Vec<i64> = acks
        .iter()
        .filter_map(|(id, ack)| got.get(&id.to_string()).map(|at| (at - ack).max(0)))
        .collect();
    lat.sort_unstable();
    let queue = b
        .store
        .list_cases(
            &corridor_store::CaseFilter {
                competent_authority: Some("310117-market".into()),
                ..Default::default()
            },
            1,
            0,
        )
        .await?
        .1
        .n;
    println!(
        "{}",
        serde_json::json!({
            "cases": cases,
            "concurrency": concurrency,
            "offered_per_s": if rate > 0.0 { serde_json::json!(rate) } else { serde_json::json!("as fast as possible") },
            "intake_cases_per_s": intake.round(),
            "handoffs_per_s": handoffs.round(),
            "forwards_per_s": (cases as f64 / forwarded_s).round(),
            "ratio_to_intake": ((handoffs / intake) * 100.0).round() / 100.0,
            "latency_ms": {"p50": pct(&lat, 0.5), "p99": pct(&lat, 0.99), "max": pct(&lat, 1.0)},
            "in_songjiang_queue": queue,
        })
    );
    if down_secs > 0 {
        let (more, _) = prepare(&a.app, cases, concurrency).await?;
        b.halt();
        eprintln!("Songjiang stopped; forwarding {cases} more, then waiting {down_secs} s ...");
        forward(&a.app, &more, concurrency, 0.0).await?;
        tokio::time::sleep(std::time::Duration::from_secs(down_secs)).await;
        let counts = a.app.outbox_counts().await?;
        b.serve().await?;
        let t1 = a.app.now_ms();
        let got = arrivals(&b.store, 2 * cases, 900).await?;
        let last = got.values().copied().max().unwrap_or(t1);
        let drain = cases as f64 / ((last - t1).max(1) as f64 / 1000.0);
        println!(
            "{}",
            serde_json::json!({
                "backlog": cases,
                "down_s": down_secs,
                "waiting_when_back": counts.waiting,
                "parked": counts.parked,
                "drained_in_s": ((last - t1) as f64 / 100.0).round() / 10.0,
                "drain_per_s": drain.round(),
                "arrived": got.len(),
            })
        );
    }
    a.halt();
    b.halt();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
