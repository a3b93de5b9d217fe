//! `corridor bench search`: builds the enterprise index for N generated enterprises in a
//! temporary directory and times zh/en searches with and without filters (issue #5).

use corridor_industry::generate;
use corridor_industry::search::{EnterpriseIndex, Filters};
use std::time::Instant;

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

pub fn run(n: usize, rounds: usize) -> anyhow::Result<()> {
    let t = Instant::now();
    let all = generate::enterprises(n, 42);
    let gen_s = t.elapsed().as_secs_f64();
    let dir = std::env::temp_dir().join(format!("corridor-search-bench-{}", std::process::id()));
    let f = |city: Option<&str>, cert: Option<&str>, cluster: Option<&str>| Filters {
        city: city.map(str::to_string),
        certifications: cert.map(str::to_string).into_iter().collect(),
        cluster: cluster.map(str::to_string),
        ..Default::default()
    };
    let queries: Vec<(&str, Filters)> = vec![
        ("光刻胶", f(None, None, None)),
        ("集成电路 封装测试", f(None, None, None)),
        ("碳化硅 功率器件", f(None, None, None)),
        ("耐高温 真空袋 密封胶带", f(None, Some("AS9100"), None)),
        ("钛合金 精密锻件", f(Some("310117"), None, None)),
        ("锂离子电池 储能", f(None, None, Some("new_energy"))),
        ("医用导管", f(None, Some("ISO 13485"), None)),
        ("机器视觉 工业质检", f(Some("320500"), None, None)),
        ("photoresist", f(None, None, None)),
        ("IC packaging and testing", f(None, None, None)),
        (
            "high-temperature vacuum bagging sealant tape for composite curing, AS9100 certified",
            f(None, None, None),
        ),
        ("phased array antennas", f(None, None, None)),
        ("five-axis CNC machine tools", f(Some("330100"), None, None)),
        ("carbon fibre prepreg", f(None, Some("AS9100"), None)),
        ("", f(Some("340100"), None, Some("integrated_circuits"))),
    ];
    let members: std::collections::BTreeSet<String> = generate::CITIES[..9]
        .iter()
        .map(|c| c.0.to_string())
        .collect();
    let needs: Vec<_> = generate::demo_needs().into_iter().map(|n| n.1).collect();
    let w = corridor_industry::matching::Weights::default();
    // The same queries on an index built with the built-in glossary (as served) and on one
    // built with none, in this run.
    let mut by_glossary = serde_json::Map::new();
    let builtin = std::sync::Arc::new(corridor_industry::glossary::Glossary::builtin());
    let none = std::sync::Arc::new(corridor_industry::glossary::Glossary::default());
    let mut built = serde_json::Map::new();
    for (label, g) in [("none", none), ("glossary", builtin)] {
        let _ = std::fs::remove_dir_all(&dir);
        let (idx, build_s) = build_index(&dir, &all, g)?;
        built.insert(
            label.into(),
            serde_json::json!({
                "index_build_s": (build_s * 100.0).round() / 100.0,
                "index_per_s": (n as f64 / build_s).round(),
                "index_mb": (dir_size(&dir) as f64 / 1e6 * 10.0).round() / 10.0,
            }),
        );
        // Warm once, then time every query `rounds` times.
        for (q, fl) in &queries {
            idx.search(q, fl, 0, 20)?;
        }
        let mut ms = Vec::new();
        for _ in 0..rounds {
            for (q, fl) in &queries {
                let t = Instant::now();
                let r = idx.search(q, fl, 0, 20)?;
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
                std::hint::black_box(r);
            }
        }
        ms.sort_by(f64::total_cmp);
        let pct = |v: &[f64], p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
        // Matching: the demo needs (hard constraints, text, weighted signals), top 20 each.
        let mut mm = Vec::new();
        for round in 0..=rounds {
            for n in &needs {
                let t = Instant::now();
                let r = corridor_industry::matching::rank(&idx, n, &w, &members, 20)?;
                if round > 0 {
                    mm.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                std::hint::black_box(r);
            }
        }
        mm.sort_by(f64::total_cmp);
        let r2 = |x: f64| (x * 100.0).round() / 100.0;
        by_glossary.insert(
            label.into(),
            serde_json::json!({
                "searches": ms.len(),
                "p50_ms": r2(pct(&ms, 0.50)),
                "p99_ms": r2(pct(&ms, 0.99)),
                "max_ms": r2(ms[ms.len() - 1]),
                "matchings": mm.len(),
                "match_p50_ms": r2(pct(&mm, 0.50)),
                "match_p99_ms": r2(pct(&mm, 0.99)),
            }),
        );
        drop(idx);
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!(
        "{}",
        serde_json::json!({
            "enterprises": n,
            "generate_s": (gen_s * 100.0).round() / 100.0,
            "index": built,
            "by_glossary": by_glossary,
            "rss_mb_after": rss_mb().round(),
        })
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A fresh index in `dir` with every enterprise of `all`, translated with `glossary`, and the
/// seconds its build took.
pub(crate) fn build_index(
    dir: &std::path::Path,
    all: &[corridor_industry::Enterprise],
    glossary: std::sync::Arc<corridor_industry::glossary::Glossary>,
) -> anyhow::Result<(EnterpriseIndex, f64)> {
    let idx = EnterpriseIndex::open(dir)?;
    idx.set_glossary(glossary);
    let t = Instant::now();
    let mut w = idx.writer()?;
    for e in all {
        idx.upsert(&w, e)?;
    }
    idx.commit(&mut w)?;
    drop(w);
    Ok((idx, t.elapsed().as_secs_f64()))
}
