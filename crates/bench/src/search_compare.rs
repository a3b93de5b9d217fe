//! `corridor bench search-compare`: the same generated corpus and the same queries on our
//! index (tantivy + jieba), SQLite FTS5 with its trigram tokenizer, and PostgreSQL with
//! pg_trgm (a GIN trigram index; its text-search parsers cannot split Chinese words), each
//! timed for the top 20 and scored for recall against a brute-force scan.
//!
//! Relevance is literal: a firm is relevant to a query when its names and capabilities contain
//! every query term (case-insensitive). recall@20 = relevant firms in the top 20 / min(20,
//! relevant firms).

use corridor_industry::generate;
use corridor_industry::search::Filters;
use corridor_industry::Enterprise;
use sqlx::Connection;
use std::collections::HashSet;
use std::time::Instant;

const QUERIES: &[&[&str]] = &[
    &["光刻胶"],
    &["封装测试"],
    &["碳化硅"],
    &["钛合金", "锻件"],
    &["锂离子电池"],
    &["医用导管"],
    &["相控阵天线"],
    &["碳纤维预浸料"],
    &["密封"],
    &["芯片"],
    &["photoresist"],
    &["packaging", "testing"],
    &["silicon carbide"],
    &["titanium", "forgings"],
    &["lithium-ion batteries"],
    &["phased array"],
    &["carbon fibre prepreg"],
    &["machine vision"],
    &["superalloys"],
    &["sealant tape"],
];

fn text_of(e: &Enterprise) -> String {
    format!(
        "{} {} {} {}",
        e.name_zh, e.name_en, e.capabilities_zh, e.capabilities_en
    )
    .to_lowercase()
}

struct Engine {
    name: &'static str,
    build_s: f64,
    ms: Vec<f64>,
    recall: Vec<f64>,
    note: String,
}

impl Engine {
    fn new(name: &'static str, build_s: f64, note: &str) -> Engine {
        Engine {
            name,
            build_s,
            ms: vec![],
            recall: vec![],
            note: note.into(),
        }
    }

    /// Round 0 of a query measures its recall (`top`: the ids it found); later rounds its
    /// time since `started`.
    fn record(
        &mut self,
        round: usize,
        started: Instant,
        top: impl FnOnce() -> Vec<usize>,
        relevant: &HashSet<usize>,
    ) {
        let el = started.elapsed().as_secs_f64() * 1000.0;
        if round == 0 {
            self.recall.push(recall(&top(), relevant));
        } else {
            self.ms.push(el);
        }
    }

    fn report(&mut self) -> serde_json::Value {
        self.ms.sort_by(f64::total_cmp);
        let pct = |p: f64| {
            self.ms
                .get(((self.ms.len() as f64 * p) as usize).min(self.ms.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0.0)
        };
        let r = |x: f64| (x * 100.0).round() / 100.0;
        serde_json::json!({
            "engine": self.name,
            "build_s": r(self.build_s),
            "p50_ms": r(pct(0.5)),
            "p99_ms": r(pct(0.99)),
            "max_ms": r(self.ms.last().copied().unwrap_or(0.0)),
            "mean_recall_at_20": (self.recall.iter().sum::<f64>() / self.recall.len().max(1) as f64 * 1000.0).round() / 1000.0,
            "min_recall_at_20": (self.recall.iter().copied().fold(1.0, f64::min) * 1000.0).round() / 1000.0,
            "note": self.note,
        })
    }
}

fn recall(top: &[usize], relevant: &HashSet<usize>) -> f64 {
    if relevant.is_empty() {
        return 1.0;
    }
    let hit = top.iter().filter(|i| relevant.contains(i)).count();
    hit as f64 / relevant.len().min(20) as f64
}

/// The first column of each row, as an index into the generated firms.
fn first_ids<R: sqlx::Row>(rows: &[R]) -> Vec<usize>
where
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    rows.iter()
        .map(|r| r.try_get::<i64, _>(0).unwrap_or(-1) as usize)
        .collect()
}

fn sql_like(term: &str) -> String {
    format!(
        "%{}%",
        term.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

pub async fn run(n: usize, rounds: usize, postgres: Option<String>) -> anyhow::Result<()> {
    let all = generate::enterprises(n, 42);
    let texts: Vec<String> = all.iter().map(text_of).collect();
    let relevant: Vec<HashSet<usize>> = QUERIES
        .iter()
        .map(|terms| {
            texts
                .iter()
                .enumerate()
                .filter(|(_, t)| terms.iter().all(|x| t.contains(&x.to_lowercase())))
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let by_uscc: std::collections::HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, e)| (e.uscc.as_str(), i))
        .collect();
    let mut out = Vec::new();

    // Ours.
    let dir = std::env::temp_dir().join(format!("corridor-cmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (idx, build_s) = crate::search::build_index(
        &dir.join("tantivy"),
        &all,
        std::sync::Arc::new(corridor_industry::glossary::Glossary::builtin()),
    )?;
    let mut ours = Engine::new(
        "corridor (tantivy + jieba)",
        build_s,
        "any-term BM25, names x2",
    );
    for (qi, terms) in QUERIES.iter().enumerate() {
        let q = terms.join(" ");
        for round in 0..=rounds {
            let t = Instant::now();
            let r = idx.search(&q, &Filters::default(), 0, 20)?;
            let top = || {
                r.hits
                    .iter()
                    .filter_map(|h| by_uscc.get(h.uscc.as_str()).copied())
                    .collect()
            };
            ours.record(round, t, top, &relevant[qi]);
        }
    }
    out.push(ours.report());
    drop(idx);

    // SQLite FTS5, trigram tokenizer (case-insensitive), bm25 with names weighted x2. Terms
    // shorter than three characters cannot use the trigram index: LIKE scans instead.
    {
        let path = dir.join("fts5.db");
        let mut c =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
                .await?;
        sqlx::query("PRAGMA journal_mode=OFF")
            .execute(&mut c)
            .await?;
        sqlx::query("PRAGMA synchronous=OFF")
            .execute(&mut c)
            .await?;
        sqlx::query("CREATE VIRTUAL TABLE f USING fts5(name_zh, name_en, cap_zh, cap_en, tokenize='trigram')")
            .execute(&mut c)
            .await?;
        let t = Instant::now();
        let mut tx = c.begin().await?;
        for (i, e) in all.iter().enumerate() {
            sqlx::query(
                "INSERT INTO f(rowid, name_zh, name_en, cap_zh, cap_en) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(i as i64)
            .bind(&e.name_zh)
            .bind(&e.name_en)
            .bind(&e.capabilities_zh)
            .bind(&e.capabilities_en)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        sqlx::query("INSERT INTO f(f) VALUES ('optimize')")
            .execute(&mut c)
            .await?;
        let mut fts = Engine::new(
            "SQLite FTS5 (trigram)",
            t.elapsed().as_secs_f64(),
            "all terms; MATCH for terms of 3+ characters, LIKE for shorter ones; bm25(2,2,1,1)",
        );
        for (qi, terms) in QUERIES.iter().enumerate() {
            let long: Vec<String> = terms
                .iter()
                .filter(|t| t.chars().count() >= 3)
                .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                .collect();
            let short: Vec<&str> = terms
                .iter()
                .copied()
                .filter(|t| t.chars().count() < 3)
                .collect();
            let mut sql = String::from("SELECT rowid FROM f WHERE 1=1");
            if !long.is_empty() {
                sql.push_str(" AND f MATCH ?");
            }
            for _ in &short {
                sql.push_str(
                    " AND (name_zh LIKE ? OR name_en LIKE ? OR cap_zh LIKE ? OR cap_en LIKE ?)",
                );
            }
            sql.push_str(if long.is_empty() {
                " LIMIT 20"
            } else {
                " ORDER BY bm25(f, 2.0, 2.0, 1.0, 1.0) LIMIT 20"
            });
            for round in 0..=rounds.min(5) {
                let mut q = sqlx::query(&sql);
                if !long.is_empty() {
                    q = q.bind(long.join(" AND "));
                }
                for s in &short {
                    let p = sql_like(s);
                    q = q.bind(p.clone()).bind(p.clone()).bind(p.clone()).bind(p);
                }
                let t = Instant::now();
                let rows = q.fetch_all(&mut c).await?;
                fts.record(round, t, || first_ids(&rows), &relevant[qi]);
            }
        }
        out.push(fts.report());
        c.close().await?;
    }

    // PostgreSQL, pg_trgm: one lower-cased text column with a GIN trigram index; all terms
    // with LIKE, ranked by trigram similarity to the query.
    if let Some(base) = postgres {
        let name = format!("corridor_cmp_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&base).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        let url = corridor_store::replace_db(&base, &name);
        let res: anyhow::Result<serde_json::Value> = async {
            let mut c = sqlx::PgConnection::connect(&url).await?;
            sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .execute(&mut c)
                .await?;
            sqlx::query("CREATE TABLE e (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
                .execute(&mut c)
                .await?;
            let t = Instant::now();
            let mut copy = c.copy_in_raw("COPY e (id, body) FROM STDIN").await?;
            let mut buf = String::new();
            for (i, tx) in texts.iter().enumerate() {
                let clean = tx.replace(['\t', '\n', '\\'], " ");
                buf.push_str(&format!("{i}\t{clean}\n"));
                if buf.len() > 1 << 20 {
                    copy.send(buf.as_bytes()).await?;
                    buf.clear();
                }
            }
            copy.send(buf.as_bytes()).await?;
            copy.finish().await?;
            sqlx::query("CREATE INDEX e_trgm ON e USING gin (body gin_trgm_ops)")
                .execute(&mut c)
                .await?;
            sqlx::query("ANALYZE e").execute(&mut c).await?;
            let mut pg = Engine::new(
                "PostgreSQL pg_trgm (GIN)",
                t.elapsed().as_secs_f64(),
                "all terms with LIKE on the trigram index; ORDER BY similarity",
            );
            for (qi, terms) in QUERIES.iter().enumerate() {
                let mut sql = String::from("SELECT id FROM e WHERE true");
                for k in 0..terms.len() {
                    sql.push_str(&format!(" AND body LIKE ${}", k + 2));
                }
                sql.push_str(" ORDER BY similarity(body, $1) DESC LIMIT 20");
                for round in 0..=rounds.min(5) {
                    let mut q = sqlx::query(&sql).bind(terms.join(" ").to_lowercase());
                    for t in terms.iter() {
                        q = q.bind(sql_like(&t.to_lowercase()));
                    }
                    let t = Instant::now();
                    let rows = q.fetch_all(&mut c).await?;
                    pg.record(round, t, || first_ids(&rows), &relevant[qi]);
                }
            }
            c.close().await?;
            Ok(pg.report())
        }
        .await;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
        out.push(res?);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let per_query: Vec<serde_json::Value> = QUERIES
        .iter()
        .zip(&relevant)
        .map(|(q, r)| serde_json::json!({"query": q.join(" "), "relevant": r.len()}))
        .collect();
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "enterprises": n,
            "queries": per_query,
            "engines": out,
        }))?
    );
    Ok(())
}

/// `corridor bench industry-api`: search and matching latency through a running server's API
/// (one request at a time). Posts the demo needs for head enterprises of the registry first.
pub async fn industry_api(url: &str, token: &str, rounds: usize) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let auth = format!("Bearer {token}");
    let api = |p: &str| format!("{url}/api/v1{p}");
    let heads: serde_json::Value = http
        .get(api("/enterprises?flag=head&per_page=10"))
        .header("authorization", &auth)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let owners: Vec<String> = heads["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| h["uscc"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    anyhow::ensure!(!owners.is_empty(), "no head enterprise in the registry");
    let mut needs = Vec::new();
    for (i, (_, spec)) in generate::demo_needs().into_iter().enumerate() {
        let mut body = serde_json::to_value(&spec)?;
        body["owner_uscc"] = owners[i % owners.len()].clone().into();
        let v: serde_json::Value = http
            .post(api("/needs"))
            .header("authorization", &auth)
            .json(&body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        needs.push(v["id"].as_str().unwrap_or_default().to_string());
    }
    let searches = [
        "q=%E5%85%89%E5%88%BB%E8%83%B6",
        "q=%E9%9B%86%E6%88%90%E7%94%B5%E8%B7%AF%20%E5%B0%81%E8%A3%85%E6%B5%8B%E8%AF%95",
        "q=photoresist",
        "q=IC%20packaging%20and%20testing&city=340100",
        "q=carbon%20fibre%20prepreg&cert=AS9100",
        "q=lithium-ion%20batteries&cluster=new_energy",
        "city=320500&cluster=integrated_circuits",
        "q=%E9%92%9B%E5%90%88%E9%87%91%20%E9%94%BB%E4%BB%B6&flag=specialised",
    ];
    let (mut s_ms, mut m_ms) = (Vec::new(), Vec::new());
    for round in 0..=rounds {
        for s in &searches {
            time(&http, &auth, &mut s_ms, api(&format!("/enterprises?{s}"))).await?;
        }
        for id in &needs {
            time(
                &http,
                &auth,
                &mut m_ms,
                api(&format!("/needs/{id}/matches?limit=20")),
            )
            .await?;
        }
        if round == 0 {
            s_ms.clear();
            m_ms.clear();
        }
    }
    let stat = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let p =
            |q: f64| (v[((v.len() as f64 * q) as usize).min(v.len() - 1)] * 100.0).round() / 100.0;
        serde_json::json!({"n": v.len(), "p50_ms": p(0.5), "p99_ms": p(0.99), "max_ms": p(1.0)})
    };
    println!(
        "{}",
        serde_json::json!({"search": stat(&mut s_ms), "matches": stat(&mut m_ms)})
    );
    Ok(())
}

async fn time(
    http: &reqwest::Client,
    auth: &str,
    ms: &mut Vec<f64>,
    url: String,
) -> anyhow::Result<()> {
    let t = Instant::now();
    let r = http.get(url).header("authorization", auth).send().await?;
    anyhow::ensure!(r.status().is_success(), "{}", r.status());
    let _ = r.bytes().await?;
    ms.push(t.elapsed().as_secs_f64() * 1000.0);
    Ok(())
}
