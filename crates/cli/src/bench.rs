//! `corridor bench intake`: durable intake (a case and its audit event committed to disk before
//! the answer) next to the same engine's raw insert ceiling (the same rows, one transaction
//! each), measured in the same run on a fresh store.

use clap::Subcommand;
use corridor_app::cases::FileCase;
use corridor_app::App;
use corridor_domain::audit::{AuditEvent, GENESIS};
use corridor_domain::case::{Principal, Role};
use corridor_domain::catalogue::ServiceMode;
use corridor_domain::clock::SystemClock;
use corridor_store::{CaseRecord, Store};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

pub struct StoreArgs {
    pub database_url: Option<String>,
}

#[derive(Subcommand)]
pub enum BenchCmd {
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
    }
}

/// A valid remote-receipt filing: a Hefei enterprise's branch registration in Songjiang.
pub fn sample_filing() -> FileCase {
    let form = json!({
        "applicant_uscc": "91310117MA1J00014T",
        "enterprise_name": "启明新材料有限公司",
        "contact_name": "王伟",
        "contact_id": "11010519491231002X",
        "contact_phone": "13812345678",
        "parent_uscc": "91110000600037341L",
        "branch_name": "启明新材料有限公司松江分公司",
        "branch_address": "松江区示例路1号",
        "business_scope": "新材料技术研发",
        "person_in_charge": "李娜",
        "person_in_charge_id": "360426199101010071"
    });
    FileCase {
        matter_code: "G60-MAR-001".into(),
        competent_city: "310117".into(),
        mode: ServiceMode::RemoteReceipt,
        window_id: Some("340100-W01".into()),
        form: serde_json::from_value(form).unwrap_or_default(),
        identity_checked: false,
    }
}

async fn fresh(args: &StoreArgs) -> anyhow::Result<(Store, Option<String>, Option<PathBuf>)> {
    match &args.database_url {
        Some(url) if url.starts_with("postgres") => {
            let (s, temp) = Store::create_temp_postgres(url, "corridor_bench").await?;
            Ok((s, Some(temp), None))
        }
        _ => {
            let dir =
                std::env::temp_dir().join(format!("corridor-bench-{}", Uuid::now_v7().simple()));
            Ok((Store::open_dir(&dir).await?, None, Some(dir)))
        }
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

pub async fn run(args: &StoreArgs, cmd: &BenchCmd) -> anyhow::Result<()> {
    let BenchCmd::Intake { cases, concurrency } = cmd;
    let (store, temp_url, temp_dir) = fresh(args).await?;
    let backend = store.backend().name();
    let app = App::open(store.clone(), Arc::new(SystemClock)).await?;
    let p = applicant();
    // One real filing gives the row shape the raw ceiling inserts.
    let template: CaseRecord = {
        let v = app.file_case(&p, sample_filing()).await?;
        store
            .get_case(v.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("template case missing"))?
    };
    let snapshot = corridor_app::cases::snapshot(&template).to_string();

    // 1. Raw ceiling: the same rows (case, audit event, chain head), one transaction each.
    let s2 = store.clone();
    let raw = run_concurrent(*cases, *concurrency, move |i| {
        let (store, mut c, snap) = (s2.clone(), template.clone(), snapshot.clone());
        async move {
            c.id = Uuid::now_v7();
            c.receipt_no = format!("RAW-{i:09}");
            let stream = format!("case:{}", c.id);
            let e = AuditEvent {
                id: Uuid::now_v7().to_string(),
                stream: stream.clone(),
                seq: 1,
                at_ms: c.filed_ms,
                actor: "bench".into(),
                role: "applicant".into(),
                action: "submit".into(),
                before: "{}".into(),
                after: snap,
                prev_hash: GENESIS.into(),
                hash: String::new(),
            }
            .seal();
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
            app.file_case(&p, sample_filing()).await?;
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
