//! The `corridor` binary: identifiers, working days, audit verification, export/import,
//! reference data errors. Each run gets its own data directory.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

pub fn corridor(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_corridor"));
    c.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("CORRIDOR_DATABASE_URL")
        .env("RUST_LOG", "warn");
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

pub fn tmp() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("corridor-cli-{}", uuid::Uuid::now_v7().simple()))
}

fn lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn id_check_from_arguments_and_stdin() {
    let d = tmp();
    let o = corridor(
        &d,
        &[
            "id",
            "check",
            "91310117MA1J00014T",
            "360426199101010071",
            "60003734-1",
        ],
        None,
    );
    assert!(o.status.success());
    let v = lines(&o);
    assert_eq!(
        v.iter()
            .map(|x| x["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["uscc", "resident-id", "org-code"]
    );
    assert!(v.iter().all(|x| x["valid"] == true && x["error"].is_null()));
    let o = corridor(
        &d,
        &["id", "check"],
        Some(
            "310117199001011234\n91110000600037341A\n9111000060003734OL\n11010519491301002X\n123\n",
        ),
    );
    assert_eq!(o.status.code(), Some(1));
    let v = lines(&o);
    let reasons: Vec<&str> = v.iter().map(|x| x["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["check", "check", "character", "date", "kind"]);
    assert!(v[0]["error"].as_str().unwrap().contains("expected '5'"));
    let o = corridor(
        &d,
        &["id", "check", "--kind", "org-code", "91110000600037341L"],
        None,
    );
    assert_eq!(lines(&o)[0]["reason"], "length");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn calendar_commands_and_operator_extension() {
    let d = tmp();
    let out = |args: &[&str]| {
        String::from_utf8_lossy(&corridor(&d, args, None).stdout)
            .trim()
            .to_string()
    };
    assert_eq!(out(&["calendar", "is-working-day", "2026-10-10"]), "true"); // adjusted Saturday
    assert_eq!(out(&["calendar", "is-working-day", "2026-10-05"]), "false");
    assert_eq!(out(&["calendar", "is-working-day", "2025-01-26"]), "true");
    assert_eq!(
        out(&["calendar", "add-working-days", "2026-09-30", "1"]),
        "2026-10-08"
    );
    assert_eq!(
        out(&["calendar", "add-working-days", "2026-02-13", "1"]),
        "2026-02-14"
    );
    let bad = corridor(&d, &["calendar", "is-working-day", "2026-02-30"], None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a date"));
    // An operator adds 2027 without a rebuild.
    assert_eq!(out(&["calendar", "is-working-day", "2027-01-01"]), "true");
    let f = d.join("2027.json");
    std::fs::write(&f, r#"[{"year":2027,"source":"test notice","holidays":[{"name_zh":"元旦","name_en":"New Year's Day","from":"2027-01-01","to":"2027-01-03"}],"working_weekends":[]}]"#).unwrap();
    let o = corridor(&d, &["calendar", "import", f.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(out(&["calendar", "is-working-day", "2027-01-01"]), "false");
    // A bad year is refused with a reason, and the stored calendar is unchanged.
    std::fs::write(
        &f,
        r#"[{"year":2027,"source":"x","holidays":[],"working_weekends":["2027-03-03"]}]"#,
    )
    .unwrap();
    let o = corridor(&d, &["calendar", "import", f.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a weekday"));
    assert_eq!(out(&["calendar", "is-working-day", "2027-01-01"]), "false");
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn reference_import_validates_with_clear_errors() {
    let d = tmp();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let copy = d.join("ref");
    std::fs::create_dir_all(&copy).unwrap();
    for f in std::fs::read_dir(&src).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), copy.join(f.file_name())).unwrap();
    }
    let o = corridor(&d, &["reference", "import", copy.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("catalogue version 1"));
    // A tenth city is a data change: add Shangrao and a window there.
    let mut j: Value =
        serde_json::from_str(&std::fs::read_to_string(copy.join("jurisdictions.json")).unwrap())
            .unwrap();
    j.as_array_mut().unwrap().push(serde_json::json!({"code":"361100","name_zh":"上饶市","name_en":"Shangrao","province_code":"360000","province_zh":"江西省","province_en":"Jiangxi","member":true,"valid_from":"2026-11-23","valid_to":null}));
    std::fs::write(copy.join("jurisdictions.json"), j.to_string()).unwrap();
    let o = corridor(&d, &["reference", "import", copy.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A window in an unknown city names the window.
    let mut w: Value =
        serde_json::from_str(&std::fs::read_to_string(copy.join("windows.json")).unwrap()).unwrap();
    w.as_array_mut().unwrap().push(serde_json::json!({"id":"999999-W01","city":"999999","name_zh":"x","name_en":"x","address_zh":"x","address_en":"x"}));
    std::fs::write(copy.join("windows.json"), w.to_string()).unwrap();
    let o = corridor(&d, &["reference", "import", copy.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("window 999999-W01: unknown city 999999"));
    std::fs::write(copy.join("matters.json"), "[{]").unwrap();
    let o = corridor(&d, &["reference", "import", copy.to_str().unwrap()], None);
    assert!(String::from_utf8_lossy(&o.stderr).contains("matters.json"));
    let _ = std::fs::remove_dir_all(d);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_export_import_by_cli() {
    let d = tmp();
    {
        let store = corridor_store::Store::open_dir(&d).await.unwrap();
        let app = corridor_app::App::open(
            store.clone(),
            std::sync::Arc::new(corridor_domain::clock::SystemClock),
        )
        .await
        .unwrap();
        corridor_app::demo::seed(&app, 400, 3).await.unwrap();
        store.close().await;
    }
    let o = corridor(&d, &["audit", "verify"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let file = d.join("all.jsonl");
    let o = corridor(&d, &["export", file.to_str().unwrap()], None);
    assert!(o.status.success());
    let d2 = tmp();
    let o = corridor(&d2, &["import", file.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = corridor(&d2, &["audit", "verify"], None);
    assert!(o.status.success());
    // The demo's sample scans travelled with the export and match their hashes.
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains("material files intact") && !out.contains("intact: 0 checked"),
        "{out}"
    );
    // The imported store's statistics were rebuilt by the triggers and agree with the cases.
    let o = corridor(&d2, &["audit", "stats"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Reorder two events of one chain: verification fails with exit code 2 and names it.
    let db = d2.join("corridor.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let stream: String =
        sqlx::query_scalar("SELECT stream FROM audit_heads WHERE seq >= 3 ORDER BY stream LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    sqlx::query("UPDATE audit_events SET seq = -seq WHERE stream = ?1 AND seq IN (2, 3)")
        .bind(&stream)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_events SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE stream = ?1 AND seq IN (-2, -3)").bind(&stream).execute(&pool).await.unwrap();
    // An aggregate row edited behind the triggers' back is found.
    sqlx::query(
        "UPDATE stats_matter SET n = n + 1 WHERE rowid = (SELECT MIN(rowid) FROM stats_matter)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let o = corridor(&d2, &["audit", "stats"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("DIFFER"));
    let o = corridor(&d2, &["audit", "verify"], None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&stream) && err.contains("seq 2"), "{err}");
    // Importing into a store that has data is refused.
    let o = corridor(&d2, &["import", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("empty"));
    let _ = std::fs::remove_dir_all(d);
    let _ = std::fs::remove_dir_all(d2);
}

#[test]
fn demo_command_generates_then_serve_data_is_searchable() {
    let d = tmp();
    let o = corridor(
        &d,
        &["demo", "--cases", "300", "--enterprises", "400"],
        None,
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "demo failed: {out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("Demo data: 300 new cases"), "{out}");
    // Closing the store at the end is not an error of the index writer.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("ERROR"), "{err}");
    assert!(out.contains("Demo industry chain:"), "{out}");
    // The index was built by the demo command: a read-only query finds enterprises.
    let q = corridor(&d, &["search", "query", "--json", "--limit", "3"], None);
    assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stderr));
    let hits: Value = serde_json::from_slice(&q.stdout).unwrap();
    assert_eq!(hits["items"].as_array().map(Vec::len), Some(3), "{hits}");
    assert!(hits["total"].as_u64().unwrap_or(0) >= 400, "{hits}");
    // A second run on the same store adds nothing and still succeeds.
    let again = corridor(
        &d,
        &["demo", "--cases", "300", "--enterprises", "400"],
        None,
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 new enterprises"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// `corridor bench load` against a served demo: every kind of request of the default
/// (whole-corridor) mix is sent and answered without an error.
#[test]
fn bench_load_drives_every_kind_of_request() {
    let d = tmp();
    let o = corridor(
        &d,
        &["demo", "--cases", "300", "--enterprises", "400"],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let server = crate::helpers::Node::start(&d, &[]);
    let up = server.is_ok();
    let url = server.as_ref().map(|n| n.url.clone()).unwrap_or_default();
    let load = |extra: &[&str]| {
        let mut args = vec![
            "bench",
            "load",
            "--url",
            url.as_str(),
            "--rate",
            "40",
            "--seconds",
            "3",
        ];
        args.extend_from_slice(extra);
        let o = corridor(&d, &args, None);
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        let report: Option<Value> = out
            .lines()
            .find(|l| l.starts_with('{'))
            .and_then(|l| serde_json::from_str(l).ok());
        (
            o.status.success(),
            report,
            format!("{out}\n{}", String::from_utf8_lossy(&o.stderr)),
        )
    };
    // The corridor mix; then pipelines alone, one candidate per need, so that the demo
    // needs' candidates run out and new needs are posted, ranked and moved along.
    let runs = up.then(|| {
        (
            load(&[]),
            load(&["--mix", "pipeline=3,board=1", "--candidates", "1"]),
        )
    });
    drop(server);
    let _ = std::fs::remove_dir_all(&d);
    assert!(up, "the server did not start");
    let ((ok, report, out), (ok2, report2, out2)) = runs.unwrap();
    assert!(ok, "{out}");
    let report = report.unwrap_or_else(|| panic!("no JSON report: {out}"));
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(report["requests"], 120, "{report}");
    assert!(ok2, "{out2}");
    let report2 = report2.unwrap_or_else(|| panic!("no JSON report: {out2}"));
    assert_eq!(report2["errors"], 0, "{report2}");
    assert!(
        report2["needs_posted"].as_u64().unwrap_or(0) >= 1,
        "no need was posted once the candidates ran out: {report2}"
    );
    for kind in [
        "login",
        "matter search",
        "file a case",
        "read the queue",
        "act on a case",
        "statistics",
        "verify licence",
        "find enterprises",
        "rank a need",
        "pipeline board",
        "move a match",
    ] {
        let n = report["by_request"][kind]["count"].as_u64().unwrap_or(0);
        assert!(n > 0, "no {kind} in {report}");
    }
}

/// The joint office's auction commands on a demo store: the listing waiting for review is
/// approved, a review without a decision is refused with a message and exit 2, a session
/// from a file with a bad lot is refused naming the field, and nothing is settled yet.
#[test]
fn auction_commands_for_the_joint_office() {
    let d = tmp();
    let o = corridor(&d, &["demo", "--cases", "0", "--enterprises", "50"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Demo auctions: a live session"));
    let waiting = lines(&corridor(
        &d,
        &["auction", "listings", "--status", "submitted"],
        None,
    ));
    assert_eq!(waiting.len(), 1);
    let id = waiting[0]["id"].as_str().unwrap().to_string();
    // An account for the listing's owner, linked at once; a code not in the registry fails.
    let owner = waiting[0]["owner_uscc"].as_str().unwrap().to_string();
    let add = |name: &str, uscc: &str| {
        corridor(
            &d,
            &[
                "user",
                "add",
                "--username",
                name,
                "--role",
                "applicant",
                "--name",
                name,
                "--resident-id",
                "11010519491231002X",
                "--enterprise",
                uscc,
            ],
            Some("long-enough-pw\n"),
        )
    };
    let o = add("owner.staff", &owner);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = add("nobody.staff", "91310000MA1FL00000");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("enterprise_uscc")
            || String::from_utf8_lossy(&o.stderr).contains("registry"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A document for it: a PDF is stored with its hash; a text file is refused, exit 2.
    let pdf = d.join("certificate.pdf");
    std::fs::write(
        &pdf,
        corridor_domain::materials::sample::pdf("certificate", 0),
    )
    .unwrap();
    let o = corridor(
        &d,
        &["auction", "document", &id, pdf.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(lines(&o)[0]["sha256"].as_str().unwrap().len(), 64);
    let txt = d.join("notes.pdf");
    std::fs::write(&txt, "plain text").unwrap();
    let o = corridor(
        &d,
        &["auction", "document", &id, txt.to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("file:"));
    let o = corridor(&d, &["auction", "review", &id], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--approve or --reject"));
    let o = corridor(&d, &["auction", "review", &id, "--approve"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(lines(&o)[0]["status"], "approved");
    assert_eq!(
        lines(&corridor(
            &d,
            &["auction", "listings", "--status", "approved"],
            None
        ))
        .len(),
        4
    );
    let session = lines(&corridor(
        &d,
        &["auction", "listings", "--status", "approved"],
        None,
    ));
    assert!(!session.is_empty());
    // A session whose lot closes before it opens: refused, the field named.
    let file = d.join("session.json");
    std::fs::write(
        &file,
        serde_json::json!({
            "title_zh": "测试", "title_en": "Test", "city": "310117", "online": true,
            "starts_at": "2099-01-01T10:00:00+08:00",
            "lots": [{"listing_id": id, "kind": "ascending", "start": 1000,
                      "opens_at": "2099-01-01T10:00:00+08:00", "closes_at": "2098-01-01T10:00:00+08:00"}]
        })
        .to_string(),
    )
    .unwrap();
    let o = corridor(&d, &["auction", "session", file.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("lots[0].closes_at"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(lines(&corridor(&d, &["auction", "results"], None)).is_empty());
    let _ = std::fs::remove_dir_all(&d);
}

/// The cross-language bench in short (the full run is 1,000,000 firms; docs/INDUSTRY.md): on
/// 2,000 generated firms the held-out set finds no target across languages without the
/// glossary and some with it, and a bad glossary file stops the start with its line number.
#[test]
fn bench_crosslang_short_run_and_a_bad_glossary() {
    let d = tmp();
    let o = corridor(
        &d,
        &[
            "bench",
            "crosslang",
            "--enterprises",
            "2000",
            "--rounds",
            "1",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let v: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    let r = &v["results"];
    assert_eq!(r["none"]["cross_language_recall_at_5"], 0.0, "{v}");
    assert!(
        r["glossary"]["cross_language_recall_at_5"]
            .as_f64()
            .unwrap()
            > 0.3,
        "{v}"
    );
    assert!(
        r["glossary"]["same_language_recall_at_5"].as_f64().unwrap() > 0.8,
        "{v}"
    );
    let bad = d.with_extension("tsv");
    std::fs::write(&bad, "光致产酸剂\tphotoacid generator\nonly one column\n").unwrap();
    let o = corridor(
        &d,
        &["--glossary", bad.to_str().unwrap(), "search", "query", "x"],
        None,
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("line 2"),
        "{o:?}"
    );
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::remove_file(&bad);
}

/// An operator's glossary takes effect when the registry is indexed with it: a firm that says
/// 光致产酸剂 only (a pair the built-in glossary lacks) is found by `photoacid generator` after
/// `search reindex` with the operator's file, and a query before that says the index was built
/// with another glossary.
#[test]
fn an_operators_glossary_is_indexed_with_the_registry() {
    let d = tmp();
    let file = d.join("firms.jsonl");
    std::fs::create_dir_all(&d).unwrap();
    let o = corridor(
        &d,
        &[
            "enterprises",
            "generate",
            "--count",
            "30",
            "--seed",
            "3",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&file).unwrap();
    let mut firms: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    firms[0]["name_en"] = "".into();
    firms[0]["capabilities_en"] = "".into();
    firms[0]["capabilities_zh"] = "极紫外光刻用光致产酸剂".into();
    let uscc = firms[0]["uscc"].as_str().unwrap().to_string();
    let lines: Vec<String> = firms.iter().map(|f| f.to_string()).collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let o = corridor(&d, &["enterprises", "import", file.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let extra = d.join("extra.tsv");
    std::fs::write(&extra, "光致产酸剂\tphotoacid generator\n").unwrap();
    let query = |glossary: bool| {
        let mut args = vec![];
        if glossary {
            args.extend(["--glossary", extra.to_str().unwrap()]);
        }
        args.extend(["search", "query", "photoacid generators", "--json"]);
        let o = corridor(&d, &args, None);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        let hit = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["uscc"] == uscc.as_str())
            .cloned();
        (hit, String::from_utf8_lossy(&o.stderr).to_string())
    };
    let o = corridor(&d, &["search", "reindex"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        query(false).0.is_none(),
        "the built-in glossary lacks the pair"
    );
    let (hit, note) = query(true);
    assert!(hit.is_none(), "not indexed with the operator's file yet");
    assert!(note.contains("another glossary"), "{note}");
    let o = corridor(
        &d,
        &["--glossary", extra.to_str().unwrap(), "search", "reindex"],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (hit, note) = query(true);
    let hit = hit.expect("found through the operator's pair");
    assert!(!note.contains("another glossary"), "{note}");
    assert_eq!(
        hit["matched"]["capabilities_zh"][0], "photoacid generator ↔ 光致产酸剂",
        "{hit}"
    );
    let _ = std::fs::remove_dir_all(&d);
}
