//! `bench materials`: durable intake with one attachment per case (the case filed, then its
//! file stored, both on disk before each answer), next to the disk's own rate of fsync'd
//! writes of the same size measured in the same run, in the same folder (SQLite) or beside it
//! (PostgreSQL keeps its files in the database, on this machine's disk too).

use crate::{applicant, fresh, run_concurrent, sample, StoreArgs};
use corridor_app::App;
use corridor_domain::clock::SystemClock;
use corridor_domain::materials::sample::pdf;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Writes `n` files of `size` bytes into `dir`, each fsync'd with its folder, `concurrency`
/// at a time; files per second.
async fn disk_rate(dir: &Path, n: usize, size: usize, concurrency: usize) -> anyhow::Result<f64> {
    std::fs::create_dir_all(dir)?;
    let body = Arc::new(vec![7u8; size]);
    let dir = Arc::new(dir.to_path_buf());
    run_concurrent(n, concurrency, move |i| {
        let (dir, body) = (dir.clone(), body.clone());
        async move {
            tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                let path = dir.join(format!("f{i}"));
                let mut f = std::fs::File::create(&path)?;
                f.write_all(&body)?;
                f.sync_all()?;
                std::fs::File::open(dir.as_path())?.sync_all()?;
                Ok(())
            })
            .await??;
            Ok(())
        }
    })
    .await
}

pub async fn run(
    args: &StoreArgs,
    cases: usize,
    size_kb: usize,
    concurrency: usize,
) -> anyhow::Result<()> {
    let size = size_kb * 1024;
    let (store, temp_url, temp_dir) = fresh(args).await?;
    let backend = store.backend().name();
    let app = App::open(store.clone(), Arc::new(SystemClock)).await?;
    let p = Arc::new(applicant());
    // The disk, in the same run: next to the database file, or in a temporary folder; before
    // and after the intake (a virtualised disk's rate drifts within minutes), the mean of the
    // two the baseline.
    let scratch = temp_dir
        .clone()
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("disk-{}", uuid::Uuid::now_v7().simple()));
    let disk_rate_here = |tag: &'static str| {
        let dir = scratch.join(tag);
        async move {
            let r = disk_rate(&dir, cases, size, concurrency).await;
            let _ = std::fs::remove_dir_all(&dir);
            r
        }
    };
    let disk_before = disk_rate_here("before").await?;
    // The files, made before the clock starts: each a distinct PDF of `size` bytes whose
    // padding does not compress (like a scan).
    let files: Arc<Vec<std::sync::Mutex<Option<Vec<u8>>>>> = Arc::new(
        (0..cases)
            .map(|i| std::sync::Mutex::new(Some(pdf(&format!("bench {i}"), size))))
            .collect(),
    );
    // Each case: filed, then its file attached (type check, SHA-256, stored and recorded).
    let a = app.clone();
    let intake = run_concurrent(cases, concurrency, move |i| {
        let (app, p, files) = (a.clone(), p.clone(), files.clone());
        async move {
            let mut filing = sample::sample_filing();
            filing.window_id = None;
            filing.mode = corridor_domain::catalogue::ServiceMode::FullyOnline;
            let c = app.file_case(&p, filing).await?;
            let file = files[i]
                .lock()
                .ok()
                .and_then(|mut f| f.take())
                .unwrap_or_default();
            app.attach(&p, c.id, 0, "application.pdf", file).await?;
            Ok(())
        }
    })
    .await?;
    let disk_after = disk_rate_here("after").await?;
    let _ = std::fs::remove_dir_all(&scratch);
    let disk = (disk_before + disk_after) / 2.0;
    let mb = |per_s: f64| (per_s * size as f64 / 1e6 * 10.0).round() / 10.0;
    println!(
        "{}",
        json!({
            "backend": backend,
            "cases": cases,
            "file_bytes": size,
            "concurrency": concurrency,
            "disk_fsync_writes_per_s": disk.round(),
            "disk_before_after": [disk_before.round(), disk_after.round()],
            "disk_mb_per_s": mb(disk),
            "intake_cases_per_s": (intake * 10.0).round() / 10.0,
            "intake_mb_per_s": mb(intake),
            "intake_vs_disk": (intake / disk * 1000.0).round() / 1000.0,
        })
    );
    store.close().await;
    if let (Some(base), Some(t)) = (&args.database_url, temp_url) {
        corridor_store::Store::drop_temp_postgres(base, &t).await?;
    }
    if let Some(d) = temp_dir {
        let _ = std::fs::remove_dir_all(d);
    }
    Ok(())
}
