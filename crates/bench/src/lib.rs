//! Corridor's benchmarks (`corridor bench ...`), kept out of the binary's crate.
//!
//! - `intake` (here): durable intake (a case and its audit event committed to disk before the
//!   answer) next to the same engine's raw insert ceiling (the same rows, one transaction
//!   each), measured in the same run on a fresh store.
//! - `verify` (here): licence verification next to raw Ed25519.
//! - [`materials`]: durable intake with a file per case next to the disk's fsync'd writes.
//! - [`load`]: open-loop mixed load against a running server.
//! - [`auctions`]: bids at a fixed rate on a hot lot in its last minute and many open lots.
//! - [`search`], [`search_compare`]: enterprise search, and the same corpus on other engines.

pub mod auctions;
pub mod crosslang;
pub mod load;
pub mod materials;
pub mod sample;
pub mod search;
pub mod search_compare;

use clap::Subcommand;
use corridor_app::App;
use corridor_domain::audit::{AuditEvent, Entry, GENESIS};
use corridor_domain::case::{Principal, Role};
use corridor_domain::clock::SystemClock;
use corridor_store::{Backend, CaseRecord, Store};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

pub struct StoreArgs {
    pub database_url: Option<String>,
    /// Where the material files go (`--materials-dir`): the bench writes in a fresh folder
    /// inside it, on SQLite with the database.
    pub materials_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum BenchCmd {
    /// Open-loop mixed load against a running server (`serve --demo`) on this machine.
    Load {
        /// Base URL of the server (loopback only).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Requests per second (fixed arrival rate).
        #[arg(long, default_value_t = 500)]
        rate: u32,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Weights of the request kinds (login, search, file, queue, act, stats, verify, firms,
        /// match, pipeline, board), e.g. `file=1,act=4`; kinds left out are not sent. Or a
        /// preset: `corridor` (all of them) or `cases` (the any-window services alone).
        #[arg(long, default_value = "corridor")]
        mix: String,
        /// Candidates taken from each demo need's ranking to move along its pipeline (1-200).
        /// When they are all qualified, a new need is posted and up to 50 of its candidates
        /// (at most this many) are moved, and so on.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=200))]
        candidates: u32,
    },
    /// Licence verification throughput next to raw Ed25519 verification of the same bytes.
    Verify {
        /// Distinct licences to verify (each is verified once per round).
        #[arg(long, default_value_t = 2_000)]
        licences: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Enterprise search (tantivy + jieba) on N generated enterprises: index build and
    /// zh/en query latency, with and without filters.
    Search {
        #[arg(long, default_value_t = 1_000_000)]
        enterprises: usize,
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
    /// Cross-language matching on the held-out set inside N generated enterprises: top-5
    /// recall across and within languages, with the glossary and without, and latency.
    Crosslang {
        #[arg(long, default_value_t = 1_000_000)]
        enterprises: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// Instead: write the corpus (`firms.jsonl`) and the needs with their targets
        /// (`cases.jsonl`) into this folder, for another matcher to be measured on
        /// (`scripts/crosslang-model`).
        #[arg(long)]
        export: Option<std::path::PathBuf>,
    },
    /// The same corpus and queries on our index, SQLite FTS5 (trigram) and PostgreSQL
    /// (pg_trgm): build time, latency and recall@20 against a brute-force scan.
    SearchCompare {
        #[arg(long, default_value_t = 1_000_000)]
        enterprises: usize,
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        /// A PostgreSQL server to compare with (a temporary database is created there).
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Search and matching latency through a running server's API (posts the demo needs for
    /// head enterprises of its registry; the token must be the joint office's).
    IndustryApi {
        url: String,
        #[arg(long)]
        token: String,
        #[arg(long, default_value_t = 30)]
        rounds: usize,
    },
    /// Durable intake with one attachment per case (filed with its file: the file stored,
    /// then the case and the file's record committed together) next to the disk's own rate of
    /// fsync'd writes of the same size, on a fresh temporary store.
    Materials {
        #[arg(long, default_value_t = 300)]
        cases: usize,
        /// The attachment's size in KiB.
        #[arg(long, default_value_t = 1024)]
        size_kb: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Rounds, each the disk's own writes and then intake, of `cases / rounds` each (a
        /// virtualised disk's rate drifts within minutes; each round's pair is measured
        /// close together).
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        /// File each case first and attach its file in a second call (the path of a file
        /// added later), instead of filing with the file.
        #[arg(long)]
        two_step: bool,
    },
    /// Bids at a fixed rate (open loop) from approved bidders on a lot in its last minute and
    /// on many open lots, durable before each answer, checked for wrong acceptances after;
    /// next to the store's raw commit rate, on a fresh temporary store.
    Auctions {
        #[arg(long, default_value_t = 1_000)]
        bidders: usize,
        /// Lots open besides the hot one.
        #[arg(long, default_value_t = 100)]
        lots: usize,
        /// Bids offered per second.
        #[arg(long, default_value_t = 500)]
        rate: u32,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
    },
    /// Durable intake vs the raw insert ceiling, on a fresh temporary store.
    Intake {
        /// Cases per measurement.
        #[arg(long, default_value_t = 20_000)]
        cases: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
}

fn applicant() -> Principal {
    Principal {
        user_id: Uuid::now_v7(),
        username: "bench".into(),
        role: Role::Applicant,
        city: None,
        window_id: None,
        authority_id: None,
        resident_id: Some(corridor_app::demo::SAMPLE_FILER_ID.into()),
    }
}

/// A fresh store: a temporary PostgreSQL database, or a SQLite file in a temporary folder.
/// Returns the store, the temporary database's URL and the folder to remove at the end.
async fn fresh(args: &StoreArgs) -> anyhow::Result<(Store, Option<String>, Option<PathBuf>)> {
    let dir = args
        .materials_dir
        .clone()
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("corridor-bench-{}", Uuid::now_v7().simple()));
    match &args.database_url {
        Some(url) if Backend::of_url(url) == Some(Backend::Postgres) => {
            let (s, temp) = Store::create_temp_postgres(url, "corridor_bench").await?;
            match args.materials_dir {
                Some(_) => {
                    std::fs::create_dir_all(&dir)?;
                    Ok((
                        s.with_blob_dir(dir.join("materials")),
                        Some(temp),
                        Some(dir),
                    ))
                }
                None => Ok((s, Some(temp), None)),
            }
        }
        _ => Ok((Store::open_dir(&dir).await?, None, Some(dir))),
    }
}

async fn run_concurrent<F, Fut>(n: usize, concurrency: usize, f: F) -> anyhow::Result<f64>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let f = Arc::new(f);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (f, next) = (f.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    return anyhow::Ok(());
                }
                f(i).await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// One thread, same licences: full verification (QR/CBOR/COSE decoding, trust-list lookup,
/// signature, validity and revocation checks) vs `ed25519_dalek::VerifyingKey::verify` on the
/// exact bytes the signature covers.
fn bench_verify(n: usize, rounds: usize) -> anyhow::Result<()> {
    use corridor_licence as lic;
    use ed25519_dalek::Verifier as _;
    let key = lic::generate_key();
    let vk = key.verifying_key();
    let trust = lic::TrustList {
        format: lic::TRUST_LIST_FORMAT.into(),
        issued_at: 0,
        keys: (0..198)
            .map(|i| lic::TrustedKey {
                kid: if i == 0 {
                    "310117-market-k1".into()
                } else {
                    format!("other-{i}")
                },
                authority_id: "310117-market".into(),
                authority_zh: "松江区市场监督管理局".into(),
                authority_en: "Songjiang".into(),
                city: "310117".into(),
                public_key: lic::public_key_b64(&if i == 0 {
                    vk
                } else {
                    lic::generate_key().verifying_key()
                }),
                not_before: 0,
                not_after: None,
                revoked_at: None,
            })
            .collect(),
    };
    let revs = lic::RevocationList {
        format: lic::REVOCATION_LIST_FORMAT.into(),
        issued_at: 0,
        revoked: (0..1000)
            .map(|i| lic::Revoked {
                number: format!("LIC-R-{i}"),
                authority_id: "310117-market".into(),
                revoked_at: 0,
                reason: "x".into(),
            })
            .collect(),
    };
    let now = 1_800_000_000;
    let envelopes: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let mut l = lic::Licence::sample(now - 1000);
            l.number = format!("LIC-340100-20261012-{i:06}");
            l.receipt_no = format!("340100-20261012-{i:06}");
            l.valid_until = Some(now + 1000);
            l.fields
                .insert("business_scope".into(), "新材料技术研发".into());
            lic::sign(&l, "310117-market-k1", &key).map_err(|e| anyhow::anyhow!("{e}"))
        })
        .collect::<anyhow::Result<_>>()?;
    let raw_inputs: Vec<(Vec<u8>, ed25519_dalek::Signature)> = envelopes
        .iter()
        .map(|e| {
            let (tbs, sig) = lic::signed_bytes(e).map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok((tbs, ed25519_dalek::Signature::from_slice(&sig)?))
        })
        .collect::<anyhow::Result<_>>()?;
    let qr: Vec<String> = envelopes.iter().map(|e| lic::to_qr_text(e)).collect();
    let verifier = lic::Verifier::new(&trust, &revs);
    let mut best = (0f64, 0f64, 0f64);
    for _ in 0..rounds {
        let t = Instant::now();
        for (tbs, sig) in &raw_inputs {
            vk.verify(tbs, sig)?;
        }
        let raw = n as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        for e in &envelopes {
            verifier
                .verify(e, now)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let full = n as f64 / t.elapsed().as_secs_f64();
        let t = Instant::now();
        for q in &qr {
            verifier
                .verify(q.as_bytes(), now)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let from_qr = n as f64 / t.elapsed().as_secs_f64();
        best = (best.0.max(raw), best.1.max(full), best.2.max(from_qr));
    }
    println!(
        "{}",
        json!({
            "licences": n,
            "rounds": rounds,
            "envelope_bytes": envelopes[0].len(),
            "qr_chars": qr[0].len(),
            "raw_ed25519_per_s": best.0.round(),
            "verify_file_per_s": best.1.round(),
            "verify_qr_per_s": best.2.round(),
            "file_vs_raw": (best.1 / best.0 * 1000.0).round() / 1000.0,
            "qr_vs_raw": (best.2 / best.0 * 1000.0).round() / 1000.0,
        })
    );
    Ok(())
}

pub async fn run(args: &StoreArgs, cmd: &BenchCmd) -> anyhow::Result<()> {
    let (cases, concurrency) = match cmd {
        BenchCmd::Verify { licences, rounds } => return bench_verify(*licences, *rounds),
        BenchCmd::Load {
            url,
            rate,
            seconds,
            mix,
            candidates,
        } => {
            let mix = crate::load::parse_mix(mix)?;
            return crate::load::run(url, *rate, *seconds, &mix, *candidates).await;
        }
        BenchCmd::Search {
            enterprises,
            rounds,
        } => return crate::search::run(*enterprises, *rounds),
        BenchCmd::Crosslang {
            enterprises,
            rounds,
            export,
        } => {
            return match export {
                Some(dir) => crate::crosslang::export(*enterprises, dir),
                None => crate::crosslang::run(*enterprises, *rounds),
            }
        }
        BenchCmd::IndustryApi { url, token, rounds } => {
            return crate::search_compare::industry_api(url, token, *rounds).await
        }
        BenchCmd::SearchCompare {
            enterprises,
            rounds,
            postgres,
        } => return crate::search_compare::run(*enterprises, *rounds, postgres.clone()).await,
        BenchCmd::Materials {
            cases,
            size_kb,
            concurrency,
            rounds,
            two_step,
        } => {
            let shape = (*cases, *size_kb, *concurrency, *rounds);
            return crate::materials::run(args, shape, *two_step).await;
        }
        BenchCmd::Auctions {
            bidders,
            lots,
            rate,
            seconds,
        } => return crate::auctions::run(args, *bidders, *lots, *rate, *seconds).await,
        BenchCmd::Intake { cases, concurrency } => (cases, concurrency),
    };
    let (store, temp_url, temp_dir) = fresh(args).await?;
    let backend = store.backend().name();
    let app = App::open(store.clone(), Arc::new(SystemClock)).await?;
    let p = applicant();
    // One real filing gives the row shape the raw ceiling inserts.
    let template: CaseRecord = {
        let v = app.file_case(&p, sample::sample_filing()).await?;
        store
            .get_case(v.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("template case missing"))?
    };
    let snapshot = corridor_app::writer::snapshot(&template).to_string();

    // 1. Raw ceiling: the same rows (case, audit event, chain head), one transaction each.
    let s2 = store.clone();
    let raw = run_concurrent(*cases, *concurrency, move |i| {
        let (store, mut c, snap) = (s2.clone(), template.clone(), snapshot.clone());
        async move {
            c.id = Uuid::now_v7();
            c.receipt_no = format!("RAW-{i:09}");
            let stream = format!("case:{}", c.id);
            let entry = Entry {
                actor: "bench",
                role: "applicant",
                action: "submit",
                before: "{}".into(),
                after: snap,
            };
            let head = (0, GENESIS.to_string());
            let e =
                AuditEvent::follow(Uuid::now_v7().to_string(), &stream, head, c.filed_ms, entry);
            let mut tx = store.begin_write().await?;
            Store::insert_cases(&mut tx, std::slice::from_ref(&c)).await?;
            Store::insert_events(&mut tx, std::slice::from_ref(&e)).await?;
            Store::put_heads(&mut tx, &[(stream, 1, e.hash.clone())]).await?;
            tx.commit().await?;
            Ok(())
        }
    })
    .await?;

    // 2. Durable intake through the application (validation, receipt number, audit event,
    //    group commit), each client waiting for its receipt.
    let app2 = app.clone();
    let intake = run_concurrent(*cases, *concurrency, move |_| {
        let (app, p) = (app2.clone(), p.clone());
        async move {
            app.file_case(&p, sample::sample_filing()).await?;
            Ok(())
        }
    })
    .await?;
    let report = json!({
        "backend": backend,
        "cases": cases,
        "concurrency": concurrency,
        "raw_ceiling_per_s": raw.round(),
        "durable_intake_per_s": intake.round(),
        "ratio": (intake / raw * 100.0).round() / 100.0,
    });
    println!("{report}");
    store.close().await;
    if let (Some(base), Some(t)) = (&args.database_url, temp_url) {
        Store::drop_temp_postgres(base, &t).await?;
    }
    if let Some(d) = temp_dir {
        let _ = std::fs::remove_dir_all(d);
    }
    Ok(())
}
