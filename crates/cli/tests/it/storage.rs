//! Storage conformance: export/import round trips, schema agreement, catalogue versions,
//! demo data and the audit chain at volume.

use crate::cases::branch_filing;
use crate::helpers::{applicant, env, pg_url, reviewer, staff, Backend, PG_ENV};
use corridor_app::cases::{ActOnCase, CaseQuery};
use corridor_app::catalogue::PublishCatalogue;
use corridor_domain::case::{Action, Role};
use corridor_domain::catalogue::ServiceMode;
use corridor_store::Store;
use time::macros::date;

async fn export_string(store: &Store) -> String {
    let mut buf = Vec::new();
    store.export(&mut buf).await.unwrap();
    String::from_utf8(buf).unwrap()
}

/// SQLite → PostgreSQL → SQLite gives byte-identical exports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_import_round_trip_sqlite_postgres_sqlite() {
    let a = env(Backend::Sqlite, date!(2026 - 11 - 02)).await.unwrap();
    corridor_app::demo::seed(&a.app, 300, 7).await.unwrap();
    let first = export_string(&a.store).await;
    assert!(first.lines().count() > 2000);
    // Through PostgreSQL when configured, else SQLite → SQLite.
    let middle = if pg_url().is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    if middle == Backend::Sqlite {
        eprintln!("note: {PG_ENV} not set; round trip SQLite → SQLite → SQLite only");
    }
    let b = env(middle, date!(2026 - 11 - 02)).await.unwrap();
    // App::open loaded shipped reference data; the import wants an empty store.
    let b_store = empty_store(&b).await;
    b_store
        .import(std::io::Cursor::new(first.clone()))
        .await
        .unwrap();
    let second = export_string(&b_store).await;
    assert_eq!(first, second, "first hop changed the data");
    let c_dir = std::env::temp_dir().join(format!("corridor-it-{}", uuid::Uuid::now_v7().simple()));
    let c = Store::open_dir(&c_dir).await.unwrap();
    c.import(std::io::Cursor::new(second)).await.unwrap();
    let third = export_string(&c).await;
    assert_eq!(first, third, "second hop changed the data");
    // Importing into a store with data is refused and changes nothing.
    let err = c
        .import(std::io::Cursor::new(first.clone()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    assert_eq!(export_string(&c).await, first);
    c.close().await;
    let _ = std::fs::remove_dir_all(c_dir);
    if b_store.backend() == corridor_store::Backend::Sqlite {
        b_store.close().await;
    }
    a.cleanup().await;
    b.cleanup().await;
}

/// Empties the environment's store (all tables), keeping its schema.
async fn empty_store(e: &crate::helpers::Env) -> Store {
    for t in corridor_store::TABLES.iter().rev() {
        sqlx::query(&format!("DELETE FROM {}", t.name))
            .execute(e.store.pool())
            .await
            .unwrap();
    }
    e.store.clone()
}

/// A malformed export is refused with the line number and nothing is kept.
#[tokio::test]
async fn import_reports_bad_lines_and_keeps_nothing() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 02)).await.unwrap();
    let s = empty_store(&e).await;
    let text = "{\"format\":\"corridor-export\",\"version\":1}\n{\"t\":\"jurisdictions\",\"r\":[\"310117\",\"{}\"]}\n{\"t\":\"nope\",\"r\":[]}\n";
    let err = s
        .import(std::io::Cursor::new(text))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 3") && err.contains("unknown table"),
        "{err}"
    );
    assert!(s.is_empty().await.unwrap());
    let err = s
        .import(std::io::Cursor::new("not json\n"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 1"), "{err}");
    e.cleanup().await;
}

/// SQLite is durable before the answer: WAL with synchronous=FULL on every pooled connection.
#[tokio::test]
async fn sqlite_runs_with_full_synchronous_wal() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 02)).await.unwrap();
    for _ in 0..3 {
        let mut conn = e.store.pool().acquire().await.unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!((sync, mode.as_str()), (2, "wal"), "2 = FULL");
    }
    e.cleanup().await;
}

/// The two migration folders agree on every column's type.
#[tokio::test]
async fn sqlite_and_postgres_schemas_agree() {
    let a = env(Backend::Sqlite, date!(2026 - 11 - 02)).await.unwrap();
    let lite = a.store.schema().await.unwrap();
    assert!(lite.len() > 60);
    // Every column is declared as in the shared table list.
    for t in corridor_store::TABLES {
        for (col, ty) in t.cols {
            let want = match ty {
                corridor_store::Ty::Text => "text",
                corridor_store::Ty::Int => "bigint",
            };
            assert!(
                lite.iter()
                    .any(|(tt, c, k)| tt == t.name && c == col && k == want),
                "sqlite {}.{col}",
                t.name
            );
        }
    }
    if let Some(b) = env(Backend::Postgres, date!(2026 - 11 - 02)).await {
        let pg = b.store.schema().await.unwrap();
        assert_eq!(lite, pg);
        b.cleanup().await;
    }
    a.cleanup().await;
}

/// Publishing a new catalogue version leaves earlier cases pinned to theirs.
pub async fn catalogue_versions(backend: Backend) {
    let Some(env) = env(backend, date!(2026 - 11 - 02)).await else {
        return;
    };
    let app = &env.app;
    let ent = applicant();
    let before = app
        .file_case(&ent, branch_filing(None, ServiceMode::FullyOnline))
        .await
        .unwrap();
    assert_eq!(before.catalogue_version, 1);
    let mut matters = app.reference().current.clone();
    let m = matters
        .iter_mut()
        .find(|m| m.code == "G60-MAR-001")
        .unwrap();
    m.promised_days = 2;
    m.statutory_days = 10;
    m.fields.retain(|f| f.key != "business_scope");
    let office = staff(Role::JointOffice);
    let v = app
        .publish_catalogue(
            &office,
            PublishCatalogue {
                note: "shorter limits".into(),
                matters: matters.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(v.version, 2);
    assert_eq!(app.catalogue_versions(None, None).await.unwrap().total, 2);
    // The old version is unchanged, the new one is current.
    assert_eq!(
        app.matter("G60-MAR-001", Some(1)).unwrap().statutory_days,
        15
    );
    assert_eq!(app.matter("G60-MAR-001", None).unwrap().statutory_days, 10);
    let after = app
        .file_case(&ent, {
            let mut f = branch_filing(None, ServiceMode::FullyOnline);
            f.form.remove("business_scope");
            f
        })
        .await
        .unwrap();
    assert_eq!(after.catalogue_version, 2);
    // The earlier case keeps its version's limit when accepted.
    let sj = reviewer("310117-market");
    let accept = ActOnCase {
        action: Action::Accept,
        correct_materials: Vec::new(),
        correct_fields: Vec::new(),
        to_authority: None,
        reason: None,
        identity_checked: false,
        identity_seen: None,
        form: None,
    };
    crate::cases::attach_required(app, &ent, before.id).await;
    crate::cases::attach_required(app, &ent, after.id).await;
    let old = app.act(&sj, before.id, accept.clone()).await.unwrap();
    assert_eq!((old.catalogue_version, old.statutory_days), (1, 15));
    let new = app.act(&sj, after.id, accept).await.unwrap();
    assert_eq!(new.statutory_days, 10);
    // Only the joint office or an administrator publishes; bad matters are refused.
    assert!(app
        .publish_catalogue(
            &sj,
            PublishCatalogue {
                note: "x".into(),
                matters: matters.clone()
            }
        )
        .await
        .is_err());
    matters[0].authority_kind = "nonsense".into();
    let e = app
        .publish_catalogue(
            &office,
            PublishCatalogue {
                note: "x".into(),
                matters,
            },
        )
        .await
        .unwrap_err();
    assert!(e.detail.contains("unknown authority kind"), "{}", e.detail);
    env.cleanup().await;
}
crate::both_backends!(catalogue_is_versioned, crate::storage::catalogue_versions);

/// The demo generator is deterministic, covers every state, and its audit chains verify.
pub async fn demo_data(backend: Backend) {
    let Some(env) = env(backend, date!(2026 - 11 - 20)).await else {
        return;
    };
    let s = corridor_app::demo::seed(&env.app, 3000, 42).await.unwrap();
    assert_eq!(s.cases, 3000);
    assert!(s.users.len() >= 40);
    // A reviewer at every authority of every city (issue #27): every matter can be decided.
    let r = env.app.reference();
    for a in r.authorities.values() {
        let name = format!("reviewer.{}.{}", a.city, a.kind);
        let u = s.users.iter().find(|u| u.username == name);
        assert_eq!(u.map(|u| u.scope.as_str()), Some(a.id.as_str()), "{name}");
    }
    // And the demo's cases are decided by authorities of every kind.
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT substr(competent_authority, 8) FROM cases WHERE decided_on IS NOT NULL \
         ORDER BY 1",
    )
    .fetch_all(env.store.pool())
    .await
    .unwrap();
    let mut all_kinds: Vec<String> = r.authorities.values().map(|a| a.kind.clone()).collect();
    all_kinds.sort();
    all_kinds.dedup();
    assert_eq!(kinds, all_kinds);
    // The approvals of the rule-computed matters recorded their amounts (issue #27), as the
    // city's rule gives them.
    let (approved, with_amount): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(a.case_id) FROM cases c LEFT JOIN case_amounts a ON a.case_id = c.id \
         WHERE c.matter_code IN ('G60-TAL-002', 'G60-HPF-004', 'G60-RES-002') \
         AND c.status IN ('approved', 'licence_issued', 'delivered')",
    )
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert!(
        approved > 0 && with_amount == approved,
        "{with_amount} of {approved}"
    );
    let report = env.app.verify_audit().await.unwrap();
    assert!(report.first_break.is_none(), "{:?}", report.first_break);
    let keys = env.app.trust_list().await.unwrap().keys.len();
    // The joint filings (issue #27) go through the application: their parts' events apart.
    assert_eq!(s.joint, 3);
    let (parts, part_events): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM joint_parts), (SELECT COUNT(*) FROM audit_events \
         WHERE stream IN (SELECT 'case:' || case_id FROM joint_parts))",
    )
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    assert_eq!(parts, 8);
    assert_eq!(
        report.events as usize,
        s.events + s.users.len() + keys + part_events as usize,
        "cases, accounts, keys, joint filings' parts"
    );
    let by_status = env.store.count_cases_by_status().await.unwrap();
    assert!(by_status.len() >= 10, "{by_status:?}");
    assert_eq!(by_status.iter().map(|s| s.1).sum::<i64>(), 3000 + parts);
    // Every receipt number the demo used is reserved (written with its cases, chunk by chunk).
    let reserved: i64 =
        sqlx::query_scalar("SELECT CAST(SUM(next) AS BIGINT) FROM receipt_counters")
            .fetch_one(env.store.pool())
            .await
            .unwrap();
    assert_eq!(reserved, 3000 + parts);
    // The load leaves one statistics row per key (PostgreSQL's delta rows folded at its end),
    // so the first statistics request does not pay for the load.
    for (table, keys) in corridor_store::statistics::AGGREGATES {
        let extra: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM (SELECT {keys} FROM {table} GROUP BY {keys} HAVING COUNT(*) > 1) k"
        ))
        .fetch_one(env.store.pool())
        .await
        .unwrap();
        assert_eq!(extra, 0, "{table} keys with several rows");
    }
    // The pre-aggregated statistics agree with a full scan, by month too.
    assert_eq!(env.store.check_stats().await.unwrap(), Vec::<String>::new());
    let office = staff(Role::JointOffice);
    let all = env
        .app
        .statistics(&office, &Default::default())
        .await
        .unwrap();
    assert_eq!(all.total, 3000 + parts);
    assert_eq!(
        all.by_month.iter().map(|m| m.total).sum::<i64>(),
        3000 + parts
    );
    // The demo's decisions: most within the promise, every one counted against both limits; its
    // windows forward within 5 to 90 minutes the same day, or the next working day.
    let decided: i64 = all.limits_by_city.iter().map(|g| g.decided).sum();
    assert_eq!(decided, all.decided);
    assert_eq!(
        all.limits_by_city.iter().map(|g| g.promised).sum::<i64>(),
        decided,
        "every demo case has a promise"
    );
    let kept = all.promised_on_time_rate.unwrap();
    assert!(kept > 0.5 && kept < 1.0, "{kept}");
    assert!(all.on_time_rate.unwrap() >= kept);
    let forwarded: i64 = all.forwarding.iter().map(|f| f.forwarded).sum();
    assert!(forwarded > 100, "{forwarded}");
    let within: i64 = all.forwarding.iter().map(|f| f.within_hour).sum();
    assert!(within > 0 && within < forwarded, "{within} of {forwarded}");
    assert!(all.median_forward_minutes.is_some());
    assert_eq!(
        all.by_month.iter().map(|m| m.cross_province).sum::<i64>(),
        all.cross_province
    );
    let since = "2026-06";
    let recent: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE filed_on >= '2026-06-01'")
            .fetch_one(env.store.pool())
            .await
            .unwrap();
    let q = corridor_app::stats::StatsQuery {
        since: Some(since.into()),
        top: None,
    };
    let st = env.app.statistics(&office, &q).await.unwrap();
    assert_eq!(st.total, recent);
    assert!(recent > 0 && recent < 3000, "{recent}");
    assert!(st.by_month.iter().all(|m| m.month.as_str() >= since));
    let bad = corridor_app::stats::StatsQuery {
        since: Some("2026-06-01".into()),
        top: None,
    };
    assert_eq!(
        env.app.statistics(&office, &bad).await.unwrap_err().code,
        corridor_app::ErrorCode::BadRequest
    );
    // Cases that reached issue carry signed licences that verify with the trust list.
    let admin = staff(Role::Admin);
    let lics = env
        .app
        .list_licences(
            &admin,
            &corridor_app::licences::LicenceQuery {
                per_page: Some(200),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(lics.total > 100, "{} demo licences", lics.total);
    let tl = env.app.trust_list().await.unwrap();
    let now = time::macros::datetime!(2026-11-20 23:59 +8).unix_timestamp();
    for l in &lics.items {
        let (_, bytes) = env.app.licence_file(&admin, l.id).await.unwrap();
        let got = corridor_licence::verify(&bytes, &tl, &Default::default(), now);
        assert!(got.is_ok(), "{}: {:?}", l.number, got.err());
        let case = env.app.get_case(&admin, l.case_id).await.unwrap();
        assert_eq!(case.licence_id, Some(l.id));
        // And the node itself, now (10:00 on the demo's last day): nothing was issued later
        // in the day than the demo ran.
        let v = env.app.verify_licence(&bytes).await.unwrap();
        assert!(v.valid, "{}: {:?}", l.number, v.reason);
    }
    // Nothing the demo wrote happened after it ran.
    let now_ms = env.app.now_ms();
    for sql in [
        "SELECT COUNT(*) FROM cases WHERE filed_ms > $1 OR updated_ms > $1",
        "SELECT COUNT(*) FROM audit_events WHERE at_ms > $1",
    ] {
        let later: i64 = sqlx::query_scalar(sql)
            .bind(now_ms)
            .fetch_one(env.store.pool())
            .await
            .unwrap();
        assert_eq!(later, 0, "{sql}");
    }
    // Seeding again adds no cases.
    assert_eq!(
        corridor_app::demo::seed(&env.app, 3000, 42)
            .await
            .unwrap()
            .cases,
        0
    );
    let admin = staff(Role::Admin);
    let all = env
        .app
        .list_cases(&admin, &CaseQuery::default())
        .await
        .unwrap();
    assert_eq!(all.total, 3000 + parts);
    assert!(all.items.iter().all(|c| c.applicant.masked));
    // Removing the newest event of a chain is detected through its head.
    let ev = sqlx::query_scalar::<_, String>(
        "SELECT stream FROM audit_heads WHERE seq > 3 ORDER BY stream LIMIT 1",
    )
    .fetch_one(env.store.pool())
    .await
    .unwrap();
    sqlx::query("DELETE FROM audit_events WHERE stream = $1 AND seq = (SELECT MAX(seq) FROM audit_events WHERE stream = $1)")
        .bind(ev.clone())
        .execute(env.store.pool())
        .await
        .unwrap();
    let broken = env
        .app
        .verify_audit()
        .await
        .unwrap()
        .first_break
        .unwrap()
        .to_string();
    assert!(
        broken.contains(&ev) && broken.contains("removed"),
        "{broken}"
    );
    env.cleanup().await;
}
crate::both_backends!(demo_data_verifies, crate::storage::demo_data);

/// Same seed, same day: same cases.
#[tokio::test]
async fn demo_is_deterministic() {
    let mut exports = Vec::new();
    for _ in 0..2 {
        let e = env(Backend::Sqlite, date!(2026 - 11 - 20)).await.unwrap();
        corridor_app::demo::seed(&e.app, 200, 9).await.unwrap();
        let rows = sqlx::query_scalar::<_, String>(
            "SELECT receipt_no || matter_code || status || form FROM cases ORDER BY receipt_no",
        )
        .fetch_all(e.store.pool())
        .await
        .unwrap();
        exports.push(rows);
        e.cleanup().await;
    }
    assert_eq!(exports[0], exports[1]);
}

/// Concurrent appends to one system stream (accounts created at once) neither collide nor
/// break the chain.
pub async fn concurrent_system_appends(backend: Backend) {
    let Some(env) = env(backend, date!(2026 - 11 - 02)).await else {
        return;
    };
    let mut tasks = Vec::new();
    for i in 0..12 {
        let app = env.app.clone();
        tasks.push(tokio::spawn(async move {
            app.create_user(&corridor_app::auth::NewUser {
                username: format!("clerk-concurrent-{i}"),
                password: "long enough password".into(),
                role: Role::Clerk,
                display_name: format!("Clerk {i}"),
                window_id: Some("330400-W02".into()),
                authority_id: None,
                city: None,
                resident_id: None,
                enterprise_uscc: None,
            })
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let events = env.store.events_of("system:users").await.unwrap();
    assert_eq!(events.len(), 12);
    assert!(env.app.verify_audit().await.unwrap().first_break.is_none());
    env.cleanup().await;
}
crate::both_backends!(
    concurrent_system_appends,
    crate::storage::concurrent_system_appends
);

/// Names of the indexes and triggers on `cases`, sorted.
async fn case_schema_objects(store: &Store) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT type || ' ' || name FROM sqlite_master WHERE tbl_name = 'cases' \
         AND type IN ('index', 'trigger') ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// Copies every case with a new id and receipt number straight into `cases` (as a bulk load's
/// chunk lands), and checks that the statistics, whose triggers are gone, missed them.
async fn land_copies_of_cases(store: &Store) {
    let t = corridor_store::tables::table("cases").unwrap();
    let cols = corridor_store::tables::cols_list(t);
    let select = cols
        .replace("receipt_no", "receipt_no || '-B'")
        .replacen("id,", "id || '-b',", 1);
    assert!(select.starts_with("id || '-b'"), "{select}");
    sqlx::query(&format!(
        "INSERT INTO cases ({cols}) SELECT {select} FROM cases"
    ))
    .execute(store.pool())
    .await
    .unwrap();
    assert!(!store.check_stats().await.unwrap().is_empty());
}

/// A deferred bulk load that is cut short (the process dies between chunks) leaves a store
/// that the next open repairs: the dropped indexes and triggers come back and the statistics
/// are recomputed to agree with every case written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_bulk_load_is_finished_at_next_open() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 20)).await.unwrap();
    corridor_app::demo::seed(&e.app, 400, 3).await.unwrap();
    let dir = e.dir.clone().unwrap();
    let objects = case_schema_objects(&e.store).await;
    assert!(objects.len() >= 12, "{objects:?}");
    // A deferred load begins: the indexes and triggers go.
    let bulk = e.store.bulk(true).await.unwrap();
    let during = case_schema_objects(&e.store).await;
    assert!(
        during
            .iter()
            .all(|o| o.starts_with("index sqlite_autoindex")),
        "{during:?}"
    );
    // A chunk of cases lands without them.
    land_copies_of_cases(&e.store).await;
    // The process dies: the loader's connection goes without `finish`.
    drop(bulk);
    e.store.close().await;
    let store = Store::open_dir(&dir).await.unwrap();
    assert_eq!(case_schema_objects(&store).await, objects);
    assert_eq!(store.check_stats().await.unwrap(), Vec::<String>::new());
    let total: i64 = sqlx::query_scalar("SELECT SUM(n) FROM stats_city")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        total,
        2 * (400 + 8),
        "the demo's cases and its joint filings' parts, twice"
    );
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'bulk_deferred'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(left, 0);
    // The queues read through the rebuilt indexes again.
    let plan = crate::helpers::query_plan(
        &store,
        "SELECT id FROM cases WHERE receiving_window = 'W' \
         AND status = 'submitted' ORDER BY filed_ms DESC, id LIMIT 20",
    )
    .await;
    assert!(plan.contains("cases_window_queue"), "{plan}");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// PostgreSQL's non-unique indexes and triggers on `cases`, as "type name".
async fn pg_case_objects(store: &Store) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = current_schema() \
           AND tablename = 'cases' AND indexdef NOT LIKE 'CREATE UNIQUE%' \
         UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger \
           WHERE tgrelid = CAST('cases' AS regclass) AND NOT tgisinternal ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// The same as [`interrupted_bulk_load_is_finished_at_next_open`] on PostgreSQL: a deferred
/// load drops the non-unique indexes and the statistics triggers, dies after a chunk, and the
/// next connection rebuilds them and recomputes the statistics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_bulk_load_is_finished_at_next_open_postgres() {
    let Some(e) = env(Backend::Postgres, date!(2026 - 11 - 20)).await else {
        return;
    };
    corridor_app::demo::seed(&e.app, 400, 3).await.unwrap();
    let url = e.pg_database_url().unwrap().to_string();
    let objects = pg_case_objects(&e.store).await;
    assert!(objects.len() >= 10, "{objects:?}");
    assert!(
        objects.iter().any(|o| o.starts_with("trigger ")),
        "{objects:?}"
    );
    let bulk = e.store.bulk(true).await.unwrap();
    assert_eq!(pg_case_objects(&e.store).await, Vec::<String>::new());
    land_copies_of_cases(&e.store).await;
    drop(bulk);
    e.store.close().await;
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(pg_case_objects(&store).await, objects);
    assert_eq!(store.check_stats().await.unwrap(), Vec::<String>::new());
    let total: i64 = sqlx::query_scalar("SELECT CAST(SUM(n) AS BIGINT) FROM stats_city")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        total,
        2 * (400 + 8),
        "the demo's cases and its joint filings' parts, twice"
    );
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'bulk_deferred' \
         AND table_schema = current_schema()",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(left, 0);
    // The triggers work again: a changed status moves the statistics with it.
    sqlx::query(
        "UPDATE cases SET status = 'withdrawn' WHERE id LIKE '%-b' AND status = 'submitted'",
    )
    .execute(store.pool())
    .await
    .unwrap();
    assert_eq!(store.check_stats().await.unwrap(), Vec::<String>::new());
    // The queues read through the rebuilt index (sequential scans off: 800 rows are few).
    let mut conn = store.pool().acquire().await.unwrap();
    sqlx::raw_sql("SET enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let plan = sqlx::query_scalar::<_, String>(
        "EXPLAIN SELECT id FROM cases WHERE receiving_window = 'W' \
         AND status = 'submitted' ORDER BY filed_ms DESC, id LIMIT 20",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .join("; ");
    assert!(plan.contains("cases_window_queue"), "{plan}");
    drop(conn);
    store.close().await;
    e.cleanup().await;
}

/// A store left by an older version (here: before migrations 0007 and 0009, with their
/// indexes in the old form) is upgraded when it is opened, and its data stays. The
/// migrations run on a connection of their own that sorts in temporary files; the pool's
/// connections keep their settings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_store_is_upgraded_at_open() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 20)).await.unwrap();
    corridor_app::demo::seed(&e.app, 300, 5).await.unwrap();
    let dir = e.dir.clone().unwrap();
    let index_sql = |store: Store| async move {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN \
             ('cases_window_queue', 'cases_authority_queue', 'cases_applicant_status', \
             'licences_holder', 'licences_authority', 'licences_issued') ORDER BY name",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        (store, rows)
    };
    let count = |store: Store| async move {
        let n: (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM licences), \
             (SELECT COUNT(*) FROM _sqlx_migrations)",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        (store, n)
    };
    let (store, now) = index_sql(e.store.clone()).await;
    assert_eq!(now.len(), 6, "{now:?}");
    let (store, before) = count(store).await;
    assert!(before.1 > 0, "the demo issued licences: {before:?}");
    // What the version before 0007 and 0009 left.
    sqlx::Executor::execute(
        store.pool(),
        "DROP INDEX cases_window_queue; DROP INDEX cases_authority_queue; \
         DROP INDEX cases_applicant_status; DROP INDEX licences_holder; \
         DROP INDEX licences_authority; DROP INDEX licences_issued; \
         CREATE INDEX cases_window_queue ON cases (receiving_window, status, filed_ms); \
         CREATE INDEX cases_authority_queue ON cases (competent_authority, status, deadline); \
         CREATE INDEX cases_applicant_status ON cases (applicant_user, status, filed_ms); \
         CREATE INDEX licences_holder ON licences (holder_user, issued_ms); \
         CREATE INDEX licences_authority ON licences (authority_id, issued_ms); \
         DELETE FROM _sqlx_migrations WHERE version IN (7, 9)",
    )
    .await
    .unwrap();
    let (store, old) = index_sql(store).await;
    assert_eq!(old.len(), 5);
    assert_ne!(old, now);
    store.close().await;
    let store = Store::open_dir(&dir).await.unwrap();
    let (store, again) = index_sql(store).await;
    assert_eq!(again, now);
    let (store, after) = count(store).await;
    assert_eq!(after, before);
    // The pool's connections still sort in memory (2); the migrations' connection is gone.
    for _ in 0..3 {
        let t: i64 = sqlx::query_scalar("PRAGMA temp_store")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(t, 2);
    }
    store.close().await;
    e.cleanup().await;
}

/// The operator is told when PostgreSQL runs without autovacuum (this machine's CI server
/// does); SQLite has no such setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_is_warned_when_autovacuum_is_off() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 20)).await.unwrap();
    assert!(e.store.maintenance_warnings().await.unwrap().is_empty());
    e.cleanup().await;
    let Some(e) = env(Backend::Postgres, date!(2026 - 11 - 20)).await else {
        return;
    };
    let on: String = sqlx::query_scalar("SELECT CAST(current_setting('autovacuum') AS TEXT)")
        .fetch_one(e.store.pool())
        .await
        .unwrap();
    let warnings = e.store.maintenance_warnings().await.unwrap();
    assert_eq!(
        warnings.iter().any(|w| w.contains("autovacuum off")),
        on != "on",
        "autovacuum={on}: {warnings:?}"
    );
    e.cleanup().await;
}

/// The totals of a window's, an authority's and an applicant's lists come from the counts
/// the triggers keep (migration 0010): they equal a count of the cases after a demo load,
/// after status changes, moves between windows and a deletion, and, on PostgreSQL, after a
/// count has folded a scope's delta rows. Beyond 10,000 they stay exact.
pub async fn kept_counts(b: Backend) {
    use corridor_domain::case::Status;
    use corridor_store::CaseFilter;
    let Some(e) = env(b, date!(2026 - 11 - 20)).await else {
        return;
    };
    corridor_app::demo::seed(&e.app, 600, 11).await.unwrap();
    let scopes: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT DISTINCT COALESCE(receiving_window, ''), competent_authority, \
         COALESCE(applicant_user, '') FROM cases ORDER BY 1, 2, 3",
    )
    .fetch_all(e.store.pool())
    .await
    .unwrap();
    let sets: Vec<Vec<Status>> = vec![
        vec![],
        vec![Status::Submitted],
        vec![Status::Accepted, Status::Resubmitted],
        vec![Status::Approved, Status::Rejected, Status::Withdrawn],
    ];
    let store = e.store.clone();
    let agree = |label: &'static str| {
        let (store, scopes, sets) = (store.clone(), scopes.clone(), sets.clone());
        async move {
            let mut checked = 0;
            for (w, a, u) in scopes.iter().take(40) {
                for statuses in &sets {
                    let mut filters = vec![CaseFilter {
                        competent_authority: Some(a.clone()),
                        ..Default::default()
                    }];
                    if !w.is_empty() {
                        filters.push(CaseFilter {
                            receiving_window: Some(w.clone()),
                            ..Default::default()
                        });
                    }
                    if let Ok(u) = uuid::Uuid::parse_str(u) {
                        filters.push(CaseFilter {
                            applicant_user: Some(u),
                            ..Default::default()
                        });
                    }
                    for mut f in filters {
                        f.statuses = statuses.clone();
                        let (_, kept) = store.list_cases(&f, 1, 0).await.unwrap();
                        f.count_cap = Some(1_000_000);
                        let (_, counted) = store.list_cases(&f, 1, 0).await.unwrap();
                        assert!(kept.exact, "{label}");
                        assert_eq!(kept, counted, "{label}: {f:?}");
                        checked += 1;
                    }
                }
            }
            assert!(checked > 100, "{label}: {checked} lists");
            assert_eq!(
                store.check_stats().await.unwrap(),
                Vec::<String>::new(),
                "{label}"
            );
        }
    };
    agree("after the demo load").await;
    // Status changes, a case moved to another window and one deleted, straight in SQL: the
    // triggers follow whatever writes the row.
    for sql in [
        "UPDATE cases SET status = 'withdrawn' WHERE status = 'submitted' \
         AND id IN (SELECT id FROM cases WHERE status = 'submitted' ORDER BY id LIMIT 7)",
        "UPDATE cases SET receiving_window = '340100-W02' \
         WHERE id = (SELECT MIN(id) FROM cases WHERE receiving_window IS NOT NULL)",
        "DELETE FROM cases WHERE id = (SELECT MAX(id) FROM cases)",
    ] {
        sqlx::query(sql).execute(e.store.pool()).await.unwrap();
    }
    agree("after updates and a delete").await;
    // One window's queue changes back and forth 100 times: on PostgreSQL 200 delta rows per
    // state, which the next counts fold.
    let (w, id, first): (String, String, String) = sqlx::query_as(
        "SELECT receiving_window, id, status FROM cases WHERE receiving_window IS NOT NULL \
         ORDER BY id LIMIT 1",
    )
    .fetch_one(e.store.pool())
    .await
    .unwrap();
    let other = if first == "received" {
        "forwarded"
    } else {
        "received"
    };
    for i in 0..100 {
        let (from, to) = if i % 2 == 0 {
            (first.as_str(), other)
        } else {
            (other, first.as_str())
        };
        sqlx::query("UPDATE cases SET status = $1 WHERE id = $2 AND status = $3")
            .bind(to.to_string())
            .bind(id.clone())
            .bind(from.to_string())
            .execute(e.store.pool())
            .await
            .unwrap();
    }
    let rows = |scope: String| {
        let store = e.store.clone();
        async move {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_counts WHERE scope = $1")
                .bind(scope)
                .fetch_one(store.pool())
                .await
                .unwrap();
            n
        }
    };
    let before = rows(format!("w:{w}")).await;
    agree("after 100 changes of one case").await;
    let mut f = CaseFilter {
        receiving_window: Some(w.clone()),
        ..Default::default()
    };
    let (_, kept) = e.store.list_cases(&f, 1, 0).await.unwrap();
    let after = rows(format!("w:{w}")).await;
    f.count_cap = Some(1_000_000);
    assert_eq!(kept, e.store.list_cases(&f, 1, 0).await.unwrap().1);
    match b {
        Backend::Postgres => assert!(before > 200 && after < 20, "{before} -> {after} rows"),
        Backend::Sqlite => assert_eq!(before, after, "one row per state"),
    }
    // Beyond the 10,000 a capped count stops at: 10,200 more submitted cases in one window.
    let gen = match b {
        Backend::Sqlite => {
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10200) \
             SELECT i FROM n"
        }
        Backend::Postgres => "SELECT i FROM generate_series(1, 10200) AS g(i)",
    };
    let cols: Vec<&str> = corridor_store::CASE_COLS.iter().map(|(c, _)| *c).collect();
    let select: Vec<String> = cols
        .iter()
        .map(|c| match *c {
            "id" => match b {
                Backend::Sqlite => "substr(id, 1, 24) || printf('%012d', i)".to_string(),
                Backend::Postgres => {
                    "substr(id, 1, 24) || lpad(CAST(i AS TEXT), 12, '0')".to_string()
                }
            },
            "receipt_no" => "receipt_no || '-' || CAST(i AS TEXT)".to_string(),
            "receiving_window" => "'340100-W09'".to_string(),
            "status" => "'submitted'".to_string(),
            c => c.to_string(),
        })
        .collect();
    sqlx::query(&format!(
        "INSERT INTO cases ({}) SELECT {} FROM ({gen}) g, \
         (SELECT * FROM cases WHERE id = $1) c",
        cols.join(", "),
        select.join(", ")
    ))
    .bind(id.clone())
    .execute(e.store.pool())
    .await
    .unwrap();
    let f = CaseFilter {
        receiving_window: Some("340100-W09".into()),
        statuses: vec![Status::Submitted],
        ..Default::default()
    };
    let (page, kept) = e.store.list_cases(&f, 20, 0).await.unwrap();
    let before_w09: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM cases WHERE receiving_window = '340100-W09' AND status = 'submitted'",
    )
    .fetch_one(e.store.pool())
    .await
    .unwrap();
    assert_eq!(page.len(), 20);
    assert_eq!((kept.n, kept.exact), (before_w09, true));
    assert!(kept.n >= 10_200);
    assert_eq!(e.store.check_stats().await.unwrap(), Vec::<String>::new());
    e.cleanup().await;
}

crate::both_backends!(list_totals_are_kept_counts, crate::storage::kept_counts);

/// A store upgraded past migration 0029 holds cases without a promise or hand-off times:
/// `backfill_limits` gives them what they would have had (the promise of the catalogue version
/// each was filed under, counted from its acceptance with its pauses; the window's times from
/// the audit events), the aggregates follow, and a second run changes nothing.
pub async fn backfill_limits(backend: Backend) {
    let Some(env) = env(backend, date!(2026 - 11 - 20)).await else {
        return;
    };
    corridor_app::demo::seed(&env.app, 600, 7).await.unwrap();
    let pool = env.store.pool();
    type Row = (String, i64, Option<String>, Option<i64>, Option<i64>);
    const READ: &str = "SELECT id, promised_days, promised_deadline, received_ms, forwarded_ms \
                        FROM cases ORDER BY id";
    let tracked: Vec<Row> = sqlx::query_as(READ).fetch_all(pool).await.unwrap();
    assert!(tracked.iter().all(|r| r.1 > 0));
    assert!(tracked.iter().filter(|r| r.2.is_some()).count() > 300);
    assert!(tracked.iter().filter(|r| r.4.is_some()).count() > 100);
    // A new month each time: the figures of a query are computed once per 10 seconds.
    let figures = |since: &str| {
        let q = corridor_app::stats::StatsQuery {
            since: Some(since.into()),
            top: None,
        };
        let app = env.app.clone();
        async move { app.statistics(&staff(Role::JointOffice), &q).await.unwrap() }
    };
    let before = figures("2020-01").await;
    // As the upgrade leaves them.
    sqlx::query(
        "UPDATE cases SET promised_days = 0, promised_deadline = NULL, received_ms = NULL, \
         forwarded_ms = NULL",
    )
    .execute(pool)
    .await
    .unwrap();
    assert_eq!(env.store.check_stats().await.unwrap(), Vec::<String>::new());
    let bare = figures("2020-02").await;
    assert_eq!(bare.promised_on_time_rate, None);
    assert!(bare.forwarding.is_empty());
    let r = env.app.backfill_limits().await.unwrap();
    assert_eq!((r.cases, r.skipped), (tracked.len() as u64, 0));
    let back: Vec<Row> = sqlx::query_as(READ).fetch_all(pool).await.unwrap();
    assert_eq!(back, tracked);
    assert_eq!(env.store.check_stats().await.unwrap(), Vec::<String>::new());
    let after = figures("2020-03").await;
    assert_eq!(after.promised_on_time_rate, before.promised_on_time_rate);
    assert_eq!(after.median_forward_minutes, before.median_forward_minutes);
    assert_eq!(
        env.app.backfill_limits().await.unwrap(),
        corridor_app::cases::BackfillReport::default()
    );
    // The run is recorded, and every chain still verifies.
    let report = env.app.verify_audit().await.unwrap();
    assert!(report.first_break.is_none(), "{:?}", report.first_break);
    let runs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE stream = 'system:cases' AND action = 'backfill_limits'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(runs, 1);
    env.cleanup().await;
}
crate::both_backends!(
    backfill_limits_after_upgrade,
    crate::storage::backfill_limits
);
