//! `corridor bench crosslang`: cross-language matching on a held-out set
//! (`crates/bench/data/crosslang_heldout.json`, written apart from the glossary and never used
//! to tune it) inside a corpus of N generated enterprises. For each case two targets with the
//! same capability are added, one whose profile is only in Chinese and one only in English,
//! and near-miss distractors in each language. Each need, in each language, is ranked as a
//! need's candidates are (`matching::rank`), with the built-in glossary and with none:
//! top-5 recall across languages (the English need finds the Chinese-only target, and the
//! reverse) and within a language, with the ranking's and the search's latency.

use corridor_industry::glossary::Glossary;
use corridor_industry::matching::{self, NeedKind, NeedSpec, Weights};
use corridor_industry::search::Filters;
use corridor_industry::{generate, Cluster, Enterprise, Flags, SizeBand};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

#[derive(Deserialize)]
struct Set {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    cluster: Cluster,
    need_zh: String,
    need_en: String,
    target_zh: String,
    target_en: String,
    distractors_zh: Vec<String>,
    distractors_en: Vec<String>,
}

/// A firm of the held-out set: its profile (and name) in one language only.
fn firm(n: usize, cluster: Cluster, zh: bool, text: &str) -> anyhow::Result<Enterprise> {
    let body = format!("91310117MA{:07}", 9_000_000 + n);
    let uscc = corridor_domain::ids::Uscc::with_check(&body)
        .map_err(|e| anyhow::anyhow!("{body}: {e}"))?;
    Ok(Enterprise {
        uscc: uscc.as_str().to_string(),
        name_zh: if zh {
            format!("试样{n}号科技有限公司")
        } else {
            String::new()
        },
        name_en: if zh {
            String::new()
        } else {
            format!("Sample No. {n} Technology Co., Ltd.")
        },
        city: "310117".into(),
        industry: "C3990".into(),
        cluster,
        flags: Flags::default(),
        capabilities_zh: if zh { text.into() } else { String::new() },
        capabilities_en: if zh { String::new() } else { text.into() },
        certifications: vec![],
        size: SizeBand::Small,
        founded: 2015,
    })
}

fn need(text: &str, zh: bool, cluster: Cluster) -> NeedSpec {
    NeedSpec {
        title_zh: if zh { text.into() } else { String::new() },
        title_en: if zh { String::new() } else { text.into() },
        clusters: vec![cluster],
        ..NeedSpec::of_kind(NeedKind::SupplierLocalisation)
    }
}

/// Each case's (target with a Chinese-only profile, target with an English-only profile).
type Targets = Vec<(String, String)>;

/// The held-out set inside `n` generated firms: the set, every firm, each case's targets.
fn corpus(n: usize) -> anyhow::Result<(Set, Vec<Enterprise>, Targets)> {
    let set: Set = serde_json::from_str(include_str!("../data/crosslang_heldout.json"))?;
    let mut all = generate::enterprises(n, 42);
    // (target with a Chinese-only profile, target with an English-only profile) per case.
    let mut targets = Vec::new();
    let mut k = 0;
    for c in &set.cases {
        let tz = firm(k, c.cluster, true, &c.target_zh)?;
        let te = firm(k + 1, c.cluster, false, &c.target_en)?;
        k += 2;
        targets.push((tz.uscc.clone(), te.uscc.clone()));
        all.push(tz);
        all.push(te);
        for d in &c.distractors_zh {
            all.push(firm(k, c.cluster, true, d)?);
            k += 1;
        }
        for d in &c.distractors_en {
            all.push(firm(k, c.cluster, false, d)?);
            k += 1;
        }
    }
    Ok((set, all, targets))
}

/// Writes the corpus of [`run`] to `dir`: `firms.jsonl` (code, names, capabilities) and
/// `cases.jsonl` (each need's text and language, its cross-language and same-language target).
pub fn export(n: usize, dir: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    let (set, all, targets) = corpus(n)?;
    std::fs::create_dir_all(dir)?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("firms.jsonl"))?);
    for e in &all {
        let line = serde_json::json!({
            "uscc": e.uscc,
            "name_zh": e.name_zh,
            "name_en": e.name_en,
            "capabilities_zh": e.capabilities_zh,
            "capabilities_en": e.capabilities_en,
        });
        writeln!(f, "{line}")?;
    }
    f.flush()?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join("cases.jsonl"))?);
    for (c, (tz, te)) in set.cases.iter().zip(&targets) {
        for zh in [true, false] {
            let spec = need(if zh { &c.need_zh } else { &c.need_en }, zh, c.cluster);
            let (same, cross) = if zh { (tz, te) } else { (te, tz) };
            let line = serde_json::json!({
                "need": spec.text(),
                "zh": zh,
                "cross_target": cross,
                "same_target": same,
            });
            writeln!(f, "{line}")?;
        }
    }
    f.flush()?;
    println!(
        "{}",
        serde_json::json!({"firms": all.len(), "needs": set.cases.len() * 2, "dir": dir})
    );
    Ok(())
}

pub fn run(n: usize, rounds: usize) -> anyhow::Result<()> {
    let (set, all, targets) = corpus(n)?;
    let dir = std::env::temp_dir().join(format!("corridor-crosslang-{}", std::process::id()));
    let members: BTreeSet<String> = generate::CITIES[..9]
        .iter()
        .map(|c| c.0.to_string())
        .collect();
    let w = Weights::default();
    let builtin = Arc::new(Glossary::builtin());
    let mut report = serde_json::Map::new();
    for (label, g) in [
        ("none", Arc::new(Glossary::default())),
        ("glossary", builtin.clone()),
    ] {
        // Each setting on an index built with it: translation happens as firms are indexed.
        let _ = std::fs::remove_dir_all(&dir);
        let (idx, build_s) = crate::search::build_index(&dir, &all, g)?;
        // (cross hits, same hits, cases) and the latencies.
        let (mut cross, mut same, mut total) = (0, 0, 0);
        let mut rank_ms = Vec::new();
        let mut search_ms = Vec::new();
        let mut misses = Vec::new();
        for round in 0..=rounds {
            for (c, (tz, te)) in set.cases.iter().zip(&targets) {
                for zh in [true, false] {
                    let spec = need(if zh { &c.need_zh } else { &c.need_en }, zh, c.cluster);
                    let t = Instant::now();
                    let r = matching::rank(&idx, &spec, &w, &members, 5)?;
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    let t = Instant::now();
                    std::hint::black_box(idx.search(&spec.text(), &Filters::default(), 0, 20)?);
                    let sms = t.elapsed().as_secs_f64() * 1000.0;
                    if round == 0 {
                        // Counted once: the need in one language, the target in the other
                        // (cross) and in the same one.
                        let top: Vec<&str> = r.iter().map(|x| x.hit.uscc.as_str()).collect();
                        let (same_t, cross_t) = if zh { (tz, te) } else { (te, tz) };
                        cross += usize::from(top.contains(&cross_t.as_str()));
                        same += usize::from(top.contains(&same_t.as_str()));
                        total += 1;
                        if !top.contains(&cross_t.as_str()) {
                            misses.push(if zh { &c.need_zh } else { &c.need_en }.clone());
                        }
                    } else {
                        rank_ms.push(ms);
                        search_ms.push(sms);
                    }
                }
            }
        }
        let pct = |v: &mut Vec<f64>, p: f64| {
            v.sort_by(f64::total_cmp);
            v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0.0)
        };
        let r2 = |x: f64| (x * 1000.0).round() / 1000.0;
        report.insert(
            label.into(),
            serde_json::json!({
                "needs": total,
                "cross_language_recall_at_5": r2(cross as f64 / total as f64),
                "same_language_recall_at_5": r2(same as f64 / total as f64),
                "rank_p50_ms": r2(pct(&mut rank_ms, 0.5)),
                "rank_p99_ms": r2(pct(&mut rank_ms, 0.99)),
                "search_p99_ms": r2(pct(&mut search_ms, 0.99)),
                "index_build_s": (build_s * 10.0).round() / 10.0,
                "cross_misses": misses,
            }),
        );
        drop(idx);
    }
    println!(
        "{}",
        serde_json::json!({
            "enterprises": n,
            "held_out_cases": set.cases.len(),
            "glossary_pairs": builtin.len(),
            "rounds": rounds,
            "results": report,
        })
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
