//! `corridor bench load`: an open-loop load generator against a running server (loopback only
//! in this project's tests). Requests are scheduled at a fixed arrival rate whether or not
//! earlier ones have answered, and each latency is measured from the request's *scheduled*
//! time, so a slow server cannot hide its queueing (no coordinated omission).
//!
//! The mix is what the corridor does all day: sign in, search the catalogue, file a case at a
//! window, read the queue, act on a case (receive, attach a scan of each required material,
//! mark them received, forward, accept, approve, as the clerk and the reviewer), read
//! statistics, verify an e-licence (anyone, no account), search the enterprise registry, rank
//! a head enterprise's need, move a candidate along a need's pipeline (contacted, meeting,
//! testing, qualified) and read a need's pipeline board. It uses the demo accounts and data.
//!
//! The mix stays the same however long a run lasts: once every candidate taken at the start
//! has been qualified, "move a match" posts a new need for a head enterprise (a copy of a demo
//! need), ranks it, and moves its candidates in turn, as a head enterprise would.

use anyhow::Context;
use serde_json::{json, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod mix;
mod refill;
#[allow(unused_imports)]
pub use mix::*;
use refill::{refill, Refill};

/// Searches of the enterprise registry, Chinese and English (the demo registry's vocabulary).
const FIRM_SEARCHES: &[&str] = &[
    "光刻胶",
    "集成电路 封装测试",
    "photoresist",
    "碳化硅 功率器件",
    "phased array antennas",
    "锂离子电池 储能",
    "carbon fibre prepreg",
    "机器视觉 工业质检",
    "five-axis CNC machine tools",
    "医用导管",
];

const SEARCHES: &[&str] = &[
    "公积金",
    "营业执照",
    "provident fund",
    "社会保障卡",
    "branch",
    "户口迁移",
    "pension",
    "人才",
    "不动产",
    "licence",
];

struct Shared {
    base: String,
    http: reqwest::Client,
    applicant: String,
    clerk: String,
    reviewer: String,
    office: String,
    /// Cases waiting for their next step: (id, next action, for `attach` the position in
    /// `required`).
    pipeline: Mutex<VecDeque<(String, &'static str, usize)>>,
    /// The sample matter's required materials: the clerk attaches a scan of each (one request
    /// each) between receiving and forwarding.
    required: Vec<usize>,
    /// QR texts of issued licences, to verify.
    qrs: Vec<String>,
    /// The open needs of the demo head enterprises.
    needs: Vec<String>,
    /// Candidates of those needs waiting for their next stage: (need, USCC, next stage).
    matches: Mutex<VecDeque<(String, String, &'static str)>>,
    /// The demo needs as the API shows them, copied when new needs are posted.
    need_docs: Vec<Value>,
    /// What "move a match" does once `matches` is empty.
    refill: Mutex<Refill>,
    /// Needs posted during the run.
    posted: std::sync::atomic::AtomicU64,
    /// Candidates taken from a need's ranking.
    per_need: u32,
    /// Each request's kind, time to answer (µs), success, and how late it was sent (µs).
    results: Mutex<Vec<(Kind, u64, bool, u64)>>,
}

async fn login(http: &reqwest::Client, base: &str, user: &str) -> anyhow::Result<String> {
    let v: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": corridor_app::demo::DEMO_PASSWORD}))
        .send()
        .await?
        .error_for_status()
        .with_context(|| format!("sign-in as {user}: run the server with --demo"))?
        .json()
        .await?;
    v["token"].as_str().map(str::to_string).context("no token")
}

/// A GET of the API as `token`, its JSON answer.
async fn get_json(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
) -> anyhow::Result<Value> {
    Ok(http
        .get(format!("{base}/api/v1{path}"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()
        .with_context(|| format!("GET {path}"))?
        .json()
        .await?)
}

/// The `field` of each item of a page (or of an array).
fn items(v: &Value, field: &str) -> Vec<String> {
    v.get("items")
        .unwrap_or(v)
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x[field].as_str().map(str::to_string))
        .collect()
}

async fn one(s: &Shared, kind: Kind, i: u64) -> bool {
    let api = |p: &str| format!("{}/api/v1{p}", s.base);
    let ok =
        |r: reqwest::Result<reqwest::Response>| r.map(|r| r.status().is_success()).unwrap_or(false);
    match kind {
        Kind::Login => login(&s.http, &s.base, "person.330400").await.is_ok(),
        Kind::Search => {
            let q = SEARCHES[(i as usize) % SEARCHES.len()];
            ok(s.http.get(api("/matters")).query(&[("q", q)]).send().await)
        }
        Kind::File => {
            let filing = serde_json::to_value(crate::sample::sample_filing()).unwrap_or_default();
            match s
                .http
                .post(api("/cases"))
                .bearer_auth(&s.applicant)
                .json(&filing)
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => {
                    if let Ok(v) = r.json::<Value>().await {
                        if let Some(id) = v["id"].as_str() {
                            if let Ok(mut p) = s.pipeline.lock() {
                                if p.len() < 100_000 {
                                    p.push_back((id.to_string(), "receive", 0));
                                }
                            }
                        }
                    }
                    true
                }
                _ => false,
            }
        }
        Kind::Queue => {
            let (tok, q) = if i.is_multiple_of(2) {
                (&s.reviewer, "due=near_due")
            } else {
                (&s.clerk, "status=submitted")
            };
            ok(s.http
                .get(format!("{}?{q}&per_page=20", api("/cases")))
                .bearer_auth(tok)
                .send()
                .await)
        }
        Kind::Act => {
            let next = s.pipeline.lock().ok().and_then(|mut p| p.pop_front());
            let Some((id, action, k)) = next else {
                // Nothing to act on yet: read a case list instead (still a request).
                return ok(s
                    .http
                    .get(api("/cases?per_page=5"))
                    .bearer_auth(&s.clerk)
                    .send()
                    .await);
            };
            if action == "attach" {
                let Some(material) = s.required.get(k) else {
                    return false;
                };
                // A distinct file each time (files are stored by content).
                let pdf = corridor_domain::materials::sample::pdf(&format!("{id} {material}"), 0);
                let good = ok(s
                    .http
                    .post(api(&format!("/cases/{id}/materials/{material}")))
                    .query(&[("file_name", "scan.pdf")])
                    .bearer_auth(&s.clerk)
                    .body(pdf)
                    .send()
                    .await);
                if good {
                    if let Ok(mut p) = s.pipeline.lock() {
                        if k + 1 < s.required.len() {
                            p.push_back((id, "attach", k + 1));
                        } else {
                            p.push_back((id, "check", 0));
                        }
                    }
                }
                return good;
            }
            if action == "check" {
                // The clerk marks every required material received, originals seen.
                let marks: Vec<Value> = s
                    .required
                    .iter()
                    .map(|m| json!({"material": m, "received": true, "original_seen": true}))
                    .collect();
                let good = ok(s
                    .http
                    .put(api(&format!("/cases/{id}/materials/checks")))
                    .bearer_auth(&s.clerk)
                    .json(&marks)
                    .send()
                    .await);
                if good {
                    if let Ok(mut p) = s.pipeline.lock() {
                        p.push_back((id, "forward", 0));
                    }
                }
                return good;
            }
            let (tok, following) = match action {
                "receive" if !s.required.is_empty() => (&s.clerk, Some("attach")),
                "receive" => (&s.clerk, Some("forward")),
                "forward" => (&s.clerk, Some("accept")),
                "accept" => (&s.reviewer, Some("approve")),
                _ => (&s.reviewer, None),
            };
            let body = json!({"action": action, "identity_checked": action == "receive"});
            let good = ok(s
                .http
                .post(api(&format!("/cases/{id}/actions")))
                .bearer_auth(tok)
                .json(&body)
                .send()
                .await);
            if good {
                if let (Some(f), Ok(mut p)) = (following, s.pipeline.lock()) {
                    p.push_back((id, f, 0));
                }
            }
            good
        }
        Kind::Stats => ok(s
            .http
            .get(api("/statistics"))
            .bearer_auth(&s.office)
            .send()
            .await),
        Kind::Verify => {
            // Whoever is shown a licence checks it, without an account; the answer must
            // say it is valid.
            let qr = &s.qrs[(i as usize) % s.qrs.len()];
            match s
                .http
                .post(api("/licences/verify"))
                .json(&json!({ "qr": qr }))
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => r
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["valid"].as_bool() == Some(true)),
                _ => false,
            }
        }
        Kind::Firms => {
            let q = FIRM_SEARCHES[(i as usize) % FIRM_SEARCHES.len()];
            ok(s.http
                .get(api("/enterprises"))
                .query(&[("q", q)])
                .bearer_auth(&s.office)
                .send()
                .await)
        }
        Kind::Match => {
            let n = &s.needs[(i as usize) % s.needs.len()];
            ok(s.http
                .get(api(&format!("/needs/{n}/matches?limit=20")))
                .bearer_auth(&s.office)
                .send()
                .await)
        }
        Kind::Pipeline => {
            let next = s.matches.lock().ok().and_then(|mut m| m.pop_front());
            let Some((need, uscc, stage)) = next else {
                // Every candidate has been qualified: the head enterprise posts its next need.
                return refill(s, i).await;
            };
            let good = ok(s
                .http
                .post(api(&format!("/needs/{need}/pipeline")))
                .bearer_auth(&s.office)
                .json(&json!({"uscc": uscc, "stage": stage, "note": "bench"}))
                .send()
                .await);
            let following = match stage {
                "contacted" => Some("meeting"),
                "meeting" => Some("testing"),
                "testing" => Some("qualified"),
                _ => None,
            };
            if let (true, Some(f), Ok(mut m)) = (good, following, s.matches.lock()) {
                m.push_back((need, uscc, f));
            }
            good
        }
        Kind::Board => read_board(s, i).await,
    }
}

/// The joint office reads a demo need's pipeline board.
async fn read_board(s: &Shared, i: u64) -> bool {
    let n = &s.needs[(i as usize) % s.needs.len()];
    s.http
        .get(format!("{}/api/v1/needs/{n}/pipeline", s.base))
        .bearer_auth(&s.office)
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)] as f64 / 1000.0
}

/// Runs the load; prints a JSON report and a table.
pub async fn run(
    url: &str,
    rate: u32,
    secs: u64,
    mix: &[(Kind, u32)],
    per_need: u32,
) -> anyhow::Result<()> {
    let base = url.trim_end_matches('/').to_string();
    let host_ok = base.starts_with("http://127.")
        || base.starts_with("http://localhost")
        || base.starts_with("http://[::1]");
    if !host_ok {
        anyhow::bail!(
            "bench load only drives servers on this machine (http://127.x.x.x, localhost or [::1])"
        );
    }
    if rate == 0 || secs == 0 {
        anyhow::bail!("--rate and --seconds must be positive");
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .timeout(Duration::from_secs(10))
        .build()?;
    let uses = |k: Kind| mix.iter().any(|m| m.0 == k && m.1 > 0);
    let reviewer = login(&http, &base, "reviewer.310117.market").await?;
    let office = login(&http, &base, "office").await?;
    let qrs = if uses(Kind::Verify) {
        let admin = login(&http, &base, "admin").await?;
        let page = get_json(&http, &base, "/licences?per_page=100", &admin).await?;
        // Only licences that verify now (not revoked, not expired) are sent.
        let mut qrs: Vec<String> = Vec::new();
        for qr in items(&page, "qr") {
            let v: Value = http
                .post(format!("{base}/api/v1/licences/verify"))
                .json(&json!({ "qr": qr }))
                .send()
                .await?
                .json()
                .await?;
            if v["valid"].as_bool() == Some(true) {
                qrs.push(qr);
            }
        }
        if qrs.is_empty() {
            anyhow::bail!("no licences to verify: run the server with --demo");
        }
        qrs
    } else {
        Vec::new()
    };
    let (needs, need_docs, matches) =
        if uses(Kind::Match) || uses(Kind::Pipeline) || uses(Kind::Board) {
            let page = get_json(&http, &base, "/needs?per_page=100", &office).await?;
            // A head enterprise's own needs (not those of a call, which may be any firm's).
            let need_docs: Vec<Value> = (page["items"].as_array().into_iter().flatten())
                .filter(|n| n["call"].is_null())
                .cloned()
                .collect();
            let needs: Vec<String> = items(&page, "id");
            if needs.is_empty() {
                anyhow::bail!("no needs to rank: run the server with --demo (and enterprises)");
            }
            // Candidates not yet in a pipeline enter it at "contacted".
            let mut queue = VecDeque::new();
            for n in needs.iter().filter(|_| uses(Kind::Pipeline)) {
                let ranked = get_json(
                    &http,
                    &base,
                    &format!("/needs/{n}/matches?limit={per_need}"),
                    &office,
                )
                .await?;
                for c in ranked["items"].as_array().into_iter().flatten() {
                    if let (Some(u), true) = (c["uscc"].as_str(), c["stage"].is_null()) {
                        queue.push_back((n.clone(), u.to_string(), "contacted"));
                    }
                }
            }
            (needs, need_docs, queue)
        } else {
            (Vec::new(), Vec::new(), VecDeque::new())
        };
    // The sample filing's matter: which of its materials are required.
    let matter = http
        .get(format!(
            "{base}/api/v1/matters/{}",
            crate::sample::sample_filing().matter_code
        ))
        .send()
        .await?
        .json::<Value>()
        .await?;
    let required: Vec<usize> = matter["materials"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, m)| m["required"] == true)
        .map(|(i, _)| i)
        .collect();
    let shared = Arc::new(Shared {
        applicant: login(&http, &base, "ent.340100").await?,
        clerk: login(&http, &base, "clerk.340100").await?,
        reviewer,
        office,
        base,
        http,
        pipeline: Mutex::new(VecDeque::new()),
        required,
        qrs,
        needs,
        matches: Mutex::new(matches),
        need_docs,
        refill: Mutex::new(Refill::Post),
        posted: Default::default(),
        per_need: per_need.min(50),
        results: Mutex::new(Vec::new()),
    });
    let total = rate as u64 * secs;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let start = Instant::now() + Duration::from_millis(50);
    // Finished requests are reaped as the run goes: a finished task's memory (its future's
    // state) is kept until it is joined, which was ~1.5 KB per request (938 MB after 600,000).
    let mut tasks = tokio::task::JoinSet::new();
    let weights: u32 = mix.iter().map(|m| m.1).sum();
    if weights == 0 {
        anyhow::bail!("the mix is empty");
    }
    for i in 0..total {
        let scheduled = start + interval.mul_f64(i as f64);
        // Deterministic interleaving of the mix.
        let mut slot = ((i.wrapping_mul(2_654_435_761)) % weights as u64) as u32;
        let kind = mix
            .iter()
            .find(|(_, w)| {
                if slot < *w {
                    true
                } else {
                    slot -= w;
                    false
                }
            })
            .map_or(Kind::Search, |m| m.0);
        // tokio's timer has a 1 ms tick and wakes on the tick after the deadline, which sent
        // requests 0.6 ms late at the median and charged that to the server. The request is
        // sent from the tick before instead; its time is counted from when it is sent, or
        // from when it was due if it leaves later than that (so a generator that falls behind
        // still charges the wait to the answer, as an open-loop generator must).
        tokio::time::sleep_until(
            scheduled
                .checked_sub(TIMER_TICK)
                .unwrap_or(scheduled)
                .into(),
        )
        .await;
        let s = shared.clone();
        while tasks.try_join_next().is_some() {}
        tasks.spawn(async move {
            let sent = Instant::now();
            let from = sent.min(scheduled);
            let ok = one(&s, kind, i).await;
            let micros = Instant::now().saturating_duration_since(from).as_micros() as u64;
            let late = sent.saturating_duration_since(scheduled).as_micros() as u64;
            if let Ok(mut r) = s.results.lock() {
                r.push((kind, micros, ok, late));
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed().as_secs_f64();
    let results = shared
        .results
        .lock()
        .map(|mut r| std::mem::take(&mut *r))
        .unwrap_or_default();
    let mut by_kind: BTreeMap<Kind, Vec<u64>> = BTreeMap::new();
    let mut errors = 0u64;
    let mut all: Vec<u64> = Vec::with_capacity(results.len());
    // Sign-ins cost an argon2id hash by design (tens of milliseconds of CPU); the rest of the
    // mix is also reported without them.
    let mut rest: Vec<u64> = Vec::with_capacity(results.len());
    let mut late: Vec<u64> = results.iter().map(|r| r.3).collect();
    late.sort_unstable();
    for (k, us, ok, _) in &results {
        by_kind.entry(*k).or_default().push(*us);
        all.push(*us);
        if *k != Kind::Login {
            rest.push(*us);
        }
        if !ok {
            errors += 1;
        }
    }
    all.sort_unstable();
    rest.sort_unstable();

    let mut kinds = serde_json::Map::new();
    println!(
        "{:<16} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "request", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let row = |name: &str, v: &[u64]| {
        println!(
            "{:<16} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            name,
            v.len(),
            pct(v, 0.5),
            pct(v, 0.95),
            pct(v, 0.99),
            pct(v, 1.0)
        );
        json!({"count": v.len(), "p50_ms": pct(v, 0.5), "p95_ms": pct(v, 0.95), "p99_ms": pct(v, 0.99), "max_ms": pct(v, 1.0)})
    };
    for (k, v) in by_kind.iter_mut() {
        v.sort_unstable();
        kinds.insert(k.name().into(), row(k.name(), v));
    }
    row("all", &all);
    let without_login = row("all but login", &rest);
    println!(
        "sent late (generator) p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(&late, 0.5),
        pct(&late, 0.99),
        pct(&late, 1.0)
    );
    let mix_str: Vec<String> = mix
        .iter()
        .map(|(k, w)| format!("{}={w}", k.key()))
        .collect();
    let report = json!({
        "target_rate_per_s": rate,
        "mix": mix_str.join(","),
        "seconds": secs,
        "requests": all.len(),
        "achieved_per_s": (all.len() as f64 / elapsed).round(),
        "errors": errors,
        "needs_posted": shared.posted.load(std::sync::atomic::Ordering::Relaxed),
        "p50_ms": pct(&all, 0.5), "p95_ms": pct(&all, 0.95), "p99_ms": pct(&all, 0.99), "max_ms": pct(&all, 1.0),
        "without_login": without_login,
        // How late the generator sent requests: if this grows, the figures include its own
        // queueing, not only the server's.
        "sent_late_ms": {"p50": pct(&late, 0.5), "p99": pct(&late, 0.99), "max": pct(&late, 1.0)},
        "by_request": kinds,
    });
    println!("{report}");
    if errors > 0 {
        anyhow::bail!("{errors} requests failed");
    }
    Ok(())
}

#[cfg(test)]
mod tests;
