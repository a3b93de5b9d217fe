//! `corridor enterprises …` and `corridor search …`.

use crate::Cli;
use anyhow::Context;
use clap::Subcommand;
use corridor_app::industry::rebuild_index;
use corridor_industry::io::{read_all, Format, Writer};
use corridor_industry::search::{EnterpriseIndex, Filters};
use corridor_industry::Enterprise;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Subcommand)]
pub enum EnterprisesCmd {
    /// Import enterprises from CSV or JSON Lines (see docs/INDUSTRY.md). Bad rows are reported
    /// with their line and reason and skipped; good rows are kept. Importing the same file
    /// again changes nothing (records are keyed by USCC). Exit 3 when some rows were refused.
    Import {
        file: PathBuf,
        /// `csv` or `jsonl`; by default from the file's extension.
        #[arg(long)]
        format: Option<String>,
    },
    /// Write every enterprise, in code order (standard output without a file).
    Export {
        file: Option<PathBuf>,
        /// `csv` or `jsonl` (default: from the extension, else jsonl).
        #[arg(long)]
        format: Option<String>,
    },
    /// Write N synthetic enterprises (deterministic from the seed) to a file.
    Generate {
        file: PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Subcommand)]
pub enum SearchCmd {
    /// Rebuild the search index from the database. Stop the server first (it holds the
    /// index), or ask a running server: POST /api/v1/admin/search/reindex.
    Reindex,
    /// Search the index (read-only; works beside a running server).
    Query {
        /// Free text, Chinese and/or English.
        #[arg(default_value = "")]
        text: String,
        #[arg(long)]
        city: Option<String>,
        #[arg(long)]
        cluster: Option<String>,
        /// A GB/T 4754 class prefix.
        #[arg(long)]
        industry: Option<String>,
        #[arg(long)]
        flag: Vec<String>,
        #[arg(long)]
        cert: Vec<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn format_of(
    path: Option<&Path>,
    given: Option<&str>,
    default: Option<Format>,
) -> anyhow::Result<Format> {
    if let Some(g) = given {
        return Format::parse(g).ok_or_else(|| anyhow::anyhow!("--format must be csv or jsonl"));
    }
    path.and_then(|p| Format::of_path(&p.to_string_lossy()))
        .or(default)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "cannot tell the format from the file name: give --format csv or --format jsonl"
            )
        })
}

/// Counts the bytes read, for the progress bar.
struct Counting<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

pub async fn enterprises(cli: &Cli, cmd: &EnterprisesCmd) -> anyhow::Result<i32> {
    match cmd {
        EnterprisesCmd::Import { file, format } => {
            let fmt = format_of(Some(file), format.as_deref(), None)?;
            let f = std::fs::File::open(file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            let size = f.metadata().map(|m| m.len()).unwrap_or(0);
            let app = cli.app().await?;
            let read = Arc::new(AtomicU64::new(0));
            let reader = BufReader::with_capacity(
                1 << 20,
                Counting {
                    inner: f,
                    n: read.clone(),
                },
            );
            // The file is parsed on a blocking thread and handed over in batches.
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<corridor_industry::io::Row>>(4);
            let parser = tokio::task::spawn_blocking(move || {
                let mut batch = Vec::with_capacity(2000);
                let r = read_all(reader, fmt, |row| {
                    batch.push(row);
                    if batch.len() == 2000 {
                        let _ = tx.blocking_send(std::mem::take(&mut batch));
                    }
                });
                if !batch.is_empty() {
                    let _ = tx.blocking_send(batch);
                }
                r
            });
            let bar = ProgressBar::new(size);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta}  {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let t = std::time::Instant::now();
            let (mut created, mut updated, mut unchanged, mut bad) = (0u64, 0u64, 0u64, 0u64);
            while let Some(rows) = rx.recv().await {
                let mut good: Vec<Enterprise> = Vec::with_capacity(rows.len());
                for (line, r) in rows {
                    match r {
                        Ok(e) => good.push(e),
                        Err(e) => {
                            bad += 1;
                            bar.suspend(|| eprintln!("line {line}: {e}"));
                        }
                    }
                }
                let c = app.upsert_enterprises(&good).await?;
                created += c.created;
                updated += c.updated;
                unchanged += c.unchanged;
                bar.set_position(read.load(Ordering::Relaxed));
                bar.set_message(format!("{} rows", created + updated + unchanged + bad));
            }
            bar.finish_and_clear();
            parser
                .await?
                .with_context(|| format!("{} cannot be read", file.display()))?;
            let secs = t.elapsed().as_secs_f64();
            let n = created + updated + unchanged;
            println!(
                "{n} enterprises read in {secs:.1} s ({:.0}/s): {created} new, {updated} changed, {unchanged} unchanged; {bad} rows refused",
                n as f64 / secs.max(1e-9)
            );
            Ok(if bad > 0 { 3 } else { 0 })
        }
        EnterprisesCmd::Export { file, format } => {
            let fmt = format_of(file.as_deref(), format.as_deref(), Some(Format::Jsonl))?;
            let store = cli.store().await?;
            let out: Box<dyn Write> = match file {
                Some(f) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(f)
                        .with_context(|| format!("cannot write {}", f.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut w = Writer::new(out, fmt);
            let mut pages = store.enterprise_pages(5000);
            let mut n = 0u64;
            while let Some(rows) = pages.next().await? {
                for r in &rows {
                    let e: Enterprise = serde_json::from_str(&r.doc)
                        .with_context(|| format!("stored enterprise {}", r.uscc))?;
                    w.write(&e)?;
                    n += 1;
                }
            }
            w.finish()?;
            if file.is_some() {
                println!("{n} enterprises written");
            }
            Ok(0)
        }
        EnterprisesCmd::Generate { file, count, seed } => {
            let fmt = format_of(Some(file), None, None)?;
            let out = std::io::BufWriter::new(
                std::fs::File::create(file)
                    .with_context(|| format!("cannot write {}", file.display()))?,
            );
            let mut w = Writer::new(out, fmt);
            for e in corridor_industry::generate::stream(*count, *seed) {
                w.write(&e)?;
            }
            w.finish()?;
            println!("{count} enterprises written to {}", file.display());
            Ok(0)
        }
    }
}

pub async fn search(cli: &Cli, cmd: &SearchCmd) -> anyhow::Result<i32> {
    match cmd {
        SearchCmd::Reindex => {
            // Translations are indexed with each firm: the operator's glossary is used here.
            let glossary = cli.glossary()?;
            let store = cli.store().await?;
            let dir = cli.index_dir();
            let index = Arc::new(
                EnterpriseIndex::open(&dir)
                    .with_context(|| format!("cannot open the index in {}", dir.display()))?,
            );
            if let Some(g) = glossary {
                index.set_glossary(g);
            }
            let writer = index.writer().map_err(|e| {
                anyhow::anyhow!(
                    "the index in {} is in use ({e}); stop the server, or ask it: POST /api/v1/admin/search/reindex",
                    dir.display()
                )
            })?;
            let t = std::time::Instant::now();
            let n = rebuild_index(&store, &index, &mut Some(writer)).await?;
            println!(
                "{n} enterprises indexed in {:.1} s ({})",
                t.elapsed().as_secs_f64(),
                dir.display()
            );
            Ok(0)
        }
        SearchCmd::Query {
            text,
            city,
            cluster,
            industry,
            flag,
            cert,
            limit,
            json,
        } => {
            // The operator's glossary is checked first: a query shows what it adds.
            let glossary = cli.glossary()?;
            let dir = cli.index_dir();
            if !dir.exists() {
                anyhow::bail!(
                    "there is no index in {}: run the server or `corridor search reindex`",
                    dir.display()
                );
            }
            let index = EnterpriseIndex::open(&dir)?;
            if let Some(g) = glossary {
                index.set_glossary(g);
            }
            if !index.glossary_current() {
                eprintln!(
                    "note: the index in {} was built with another glossary; its translations \
                     change at the next `corridor search reindex` or server start\n\
                     注意：索引按另一份术语表建立，重建索引或重启服务后译名才会更新",
                    dir.display()
                );
            }
            let f = Filters {
                city: city.clone(),
                cluster: cluster.clone(),
                industry: industry.clone(),
                flags: flag.clone(),
                certifications: cert.clone(),
            };
            let r = index.search(text, &f, 0, (*limit).clamp(1, 1000))?;
            if *json {
                let hits: Vec<serde_json::Value> = r
                    .hits
                    .iter()
                    .map(|h| {
                        serde_json::json!({
                            "uscc": h.uscc, "name_zh": h.name_zh, "name_en": h.name_en,
                            "score": h.score, "matched": h.matched, "city": h.meta.city,
                            "cluster": h.meta.cluster,
                        })
                    })
                    .collect();
                println!(
                    "{}",
                    serde_json::json!({"items": hits, "total": r.total, "facets": r.facets})
                );
            } else {
                println!("{} found", r.total);
                for (i, h) in r.hits.iter().enumerate() {
                    println!(
                        "{:>3}. {:>7.2}  {}  {}  {} / {}",
                        i + 1,
                        h.score,
                        h.uscc,
                        h.meta.city,
                        h.name_zh,
                        h.name_en
                    );
                }
            }
            Ok(0)
        }
    }
}
