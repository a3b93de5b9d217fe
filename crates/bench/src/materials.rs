//! `bench materials`: durable intake with one attachment per case (the case filed, then its
//! file stored, both on disk before each answer), next to the disk's own rate of fsync'd
//! writes of the same size measured in the same run, in the same folder (SQLite) or beside it
//! (PostgreSQL keeps its files in the database, on this machine's disk too, or with
//! `--materials-dir` in that folder). The two alternate in rounds. With the files in the
//! database, each round also measures the database's own rate of durable inserts of the same
//! files (a scratch table, nothing of Corridor's): the ceiling that storage sets.

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

/// Inserts `n` rows of `size` bytes into a scratch table of the database, each its own
/// committed transaction, `concurrency` at a time: the database's own rate of durable inserts
/// of a file (none of Corridor's work), for a store that keeps its files in the database.
async fn database_rate(
    store: &corridor_store::Store,
    n: usize,
    size: usize,
    concurrency: usize,
) -> anyhow::Result<f64> {
    let pool = store.pool().clone();
    sqlx::query("CREATE TABLE IF NOT EXISTS bench_raw_files (id TEXT PRIMARY KEY, bytes BYTEA)")
        .execute(&pool)
        .await?;
    if store.backend() == corridor_store::Backend::Postgres {
        // As `material_blobs`: out of line, no compression attempt.
        sqlx::query("ALTER TABLE bench_raw_files ALTER COLUMN bytes SET STORAGE EXTERNAL")
            .execute(&pool)
            .await?;
    }
    let body = Arc::new(pdf("raw", size));
    let p = pool.clone();
    let rate = run_concurrent(n, concurrency, move |_| {
        let (pool, body) = (p.clone(), body.clone());
        async move {
            sqlx::query("INSERT INTO bench_raw_files (id, bytes) VALUES ($1, $2)")
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(body.as_ref().clone())
                .execute(&pool)
                .await?;
            Ok(())
        }
    })
    .await?;
    sqlx::query("DROP TABLE bench_raw_files")
        .execute(&pool)
        .await?;
    Ok(rate)
}

/// `(cases, size_kb, concurrency, rounds)`; `two_step`: each case filed, then its file
/// attached, instead of filed with its file.
pub async fn run(
    args: &StoreArgs,
    (cases, size_kb, concurrency, rounds): (usize, usize, usize, usize),
    two_step: bool,
) -> anyhow::Result<()> {
    let size = size_kb * 1024;
    let rounds = rounds.clamp(1, cases.max(1));
    let per_round = cases.div_ceil(rounds);
    let (store, temp_url, temp_dir) = fresh(args).await?;
    let backend = store.backend().name();
    let files_in = if store.blob_dir().is_some() {
        "folder"
    } else {
        "database"
    };
    let app = App::open(store.clone(), Arc::new(SystemClock)).await?;
    let p = Arc::new(applicant());
    // The disk, in the same run: next to the database file (or the files' folder), else in a
    // temporary folder.
    let scratch = temp_dir
        .clone()
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("disk-{}", uuid::Uuid::now_v7().simple()));
    // The files, made before the clock starts: each a distinct PDF of `size` bytes whose
    // padding does not compress (like a scan).
    let files: Arc<Vec<std::sync::Mutex<Option<Vec<u8>>>>> = Arc::new(
        (0..cases)
            .map(|i| std::sync::Mutex::new(Some(pdf(&format!("bench {i}"), size))))
            .collect(),
    );
    // Rounds: the disk's own fsync'd writes and as many cases, each filed and its file
    // attached (type check, SHA-256, stored and recorded). Each round's two rates are
    // measured a few seconds apart, so that the disk's drift falls on both; the figure is
    // the rate over all rounds of each.
    let in_database = store.blob_dir().is_none();
    let (mut disk_s, mut intake_s, mut ratios) = (0.0, 0.0, Vec::new());
    let (mut raw_s, mut raw_ratios) = (0.0, Vec::new());
    let mut done = 0;
    for r in 0..rounds {
        let n = per_round.min(cases - done);
        if n == 0 {
            break;
        }
        let dir = scratch.join(format!("round-{r}"));
        // Its files stay until the end of the run: a file system that will not reuse an inode
        // freed in the last minutes (ext4 without a journal) would otherwise make the files
        // created after each round, on either side, pay for that round's deletions.
        let disk_round = || disk_rate(&dir, n, size, concurrency);
        let (a, p, files) = (app.clone(), p.clone(), files.clone());
        let intake_round = run_concurrent(n, concurrency, move |i| {
            let (app, p, files) = (a.clone(), p.clone(), files.clone());
            async move {
                let mut filing = sample::sample_filing();
                filing.window_id = None;
                filing.mode = corridor_domain::catalogue::ServiceMode::FullyOnline;
                let bytes = files[done + i]
                    .lock()
                    .ok()
                    .and_then(|mut f| f.take())
                    .unwrap_or_default();
                let file = corridor_app::documents::NewFile::new("application.pdf", bytes);
                if two_step {
                    let c = app.file_case(&p, filing).await?;
                    app.attach(&p, c.id, 0, file).await?;
                } else {
                    app.file_case_with_materials(&p, filing, vec![(0, file)])
                        .await?;
                }
                Ok(())
            }
        });
        // Which goes first alternates: the one after pays for what the other left the disk
        // to do (dirty pages, deleted files).
        // With the files in the database, the database's own inserts of as many files follow
        // the disk's writes.
        let baselines = || async {
            let disk = disk_round().await?;
            let raw = match in_database {
                true => Some(database_rate(&store, n, size, concurrency).await?),
                false => None,
            };
            anyhow::Ok((disk, raw))
        };
        let ((disk, raw), intake) = if r % 2 == 0 {
            let b = baselines().await?;
            (b, intake_round.await?)
        } else {
            let intake = intake_round.await?;
            (baselines().await?, intake)
        };
        disk_s += n as f64 / disk;
        intake_s += n as f64 / intake;
        ratios.push(intake / disk);
        if let Some(raw) = raw {
            raw_s += n as f64 / raw;
            raw_ratios.push(intake / raw);
        }
        done += n;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let (disk, intake) = (done as f64 / disk_s, done as f64 / intake_s);
    ratios.sort_by(f64::total_cmp);
    let median = ratios.get(ratios.len() / 2).copied().unwrap_or(0.0);
    raw_ratios.sort_by(f64::total_cmp);
    let raw = (raw_s > 0.0).then(|| done as f64 / raw_s);
    let mb = |per_s: f64| (per_s * size as f64 / 1e6 * 10.0).round() / 10.0;
    let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
    let mut out = json!({
        "backend": backend,
        "files_in": files_in,
        "path": if two_step { "filed, then attached" } else { "filed with its file" },
        "cases": done,
        "file_bytes": size,
        "concurrency": concurrency,
        "rounds": ratios.len(),
        "disk_fsync_writes_per_s": disk.round(),
        "disk_mb_per_s": mb(disk),
        "intake_cases_per_s": (intake * 10.0).round() / 10.0,
        "intake_mb_per_s": mb(intake),
        "intake_vs_disk": r3(intake / disk),
        "round_ratios": ratios.iter().map(|x| r3(*x)).collect::<Vec<_>>(),
        "round_ratio_median": r3(median),
    });
    if let Some(raw) = raw {
        out["database_raw_inserts_per_s"] = json!((raw * 10.0).round() / 10.0);
        out["intake_vs_database_raw"] = json!(r3(intake / raw));
        out["round_ratios_vs_database_raw"] =
            json!(raw_ratios.iter().map(|x| r3(*x)).collect::<Vec<_>>());
    }
    println!("{out}");
    store.close().await;
    if let (Some(base), Some(t)) = (&args.database_url, temp_url) {
        corridor_store::Store::drop_temp_postgres(base, &t).await?;
    }
    if let Some(d) = temp_dir {
        let _ = std::fs::remove_dir_all(d);
    }
    Ok(())
}
