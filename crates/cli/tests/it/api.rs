//! The HTTP face: problem documents, sign-in limits, reference reads, the OpenAPI document.

use crate::cases::branch_filing;
use crate::helpers::Go;
use crate::helpers::{env, Backend};
use corridor_domain::catalogue::ServiceMode;
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::macros::date;

pub async fn problem(res: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["code"], code, "{v}");
    assert_eq!(v["status"], status.as_u16());
    assert!(v["title"].is_string() && v["title_zh"].is_string());
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_problems_sign_in_and_filing() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 02)).await.unwrap();
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let api = |p: &str| format!("{base}/api/v1{p}");

    // Public reference data, paged with totals; matter search in both languages.
    let j: Value = http.get(api("/jurisdictions")).value().await;
    assert_eq!(j["total"], 9);
    let w: Value = http.get(api("/windows?per_page=500")).value().await;
    assert!(w["total"].as_i64().unwrap() >= 90);
    let m: Value = http
        .get(api("/matters?q=公积金&mode=remote_receipt"))
        .value()
        .await;
    assert!(m["total"].as_i64().unwrap() >= 5);
    let m: Value = http
        .get(api("/matters?q=provident%20fund%20retirement"))
        .value()
        .await;
    assert_eq!(m["items"][0]["name_zh"], "正常退休提取住房公积金");
    let all: Value = http.get(api("/matters?per_page=500")).value().await;
    assert!(all["total"].as_i64().unwrap() >= 178);
    let one: Value = http.get(api("/matters/G60-MAR-001")).value().await;
    assert!(
        one["fields"].as_array().unwrap().len() > 5
            && one["materials"].as_array().unwrap().len() > 3
    );
    problem(
        http.get(api("/matters/NOPE")).go().await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        http.get(api("/matters?mode=teleport")).go().await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    problem(
        http.get(api("/matters?per_page=abc")).go().await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    problem(
        http.get(format!("{base}/nowhere")).go().await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Authentication.
    problem(
        http.get(api("/cases")).go().await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    problem(
        http.get(api("/cases")).bearer_auth("forged").go().await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    problem(
        http.post(api("/auth/login"))
            .header("content-type", "application/json")
            .body("{\"username\":")
            .go()
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    let login = |u: &str, p: &str| {
        http.post(api("/auth/login"))
            .json(&json!({"username": u, "password": p}))
            .send()
    };
    let ok: Value = login("ent.340100", "corridor-demo")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = ok["token"].as_str().unwrap().to_string();
    assert_eq!(ok["user"]["role"], "applicant");
    // Five failures lock the account, even with the right password afterwards.
    for _ in 0..5 {
        problem(
            login("clerk.340100", "wrong").await.unwrap(),
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
    }
    problem(
        login("clerk.340100", "corridor-demo").await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
    )
    .await;
    // An unknown username is answered no faster than a wrong password: both verify a hash,
    // so timing does not reveal which accounts exist (skipping it answers ~1000x faster).
    let mut known = std::time::Duration::MAX;
    let mut unknown = std::time::Duration::MAX;
    for i in 0..3 {
        let t = std::time::Instant::now();
        problem(
            login("reviewer.340100.market", "wrong").await.unwrap(),
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
        known = known.min(t.elapsed());
        let t = std::time::Instant::now();
        problem(
            login(&format!("nobody.{i}"), "wrong").await.unwrap(),
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        )
        .await;
        unknown = unknown.min(t.elapsed());
    }
    assert!(
        unknown * 2 > known,
        "unknown user answered in {unknown:?}, wrong password in {known:?}"
    );

    // Filing: malformed JSON is a 400, a bad form a 422 with field errors, a good one a 201.
    problem(
        http.post(api("/cases"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body("[1,")
            .go()
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    problem(
        http.post(api("/cases"))
            .bearer_auth(&token)
            .json(&json!({"matter_code": 5}))
            .go()
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    let mut f = serde_json::to_value(branch_filing(
        Some("340100-W01"),
        ServiceMode::RemoteReceipt,
    ))
    .unwrap();
    f["form"]["contact_id"] = json!("110105194902301234");
    let v = problem(
        http.post(api("/cases"))
            .bearer_auth(&token)
            .json(&f)
            .go()
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "contact_id");
    assert!(v["errors"][0]["reason"].as_str().unwrap().contains("date"));
    // Field reasons come in Chinese too.
    assert!(
        v["errors"][0]["reason_zh"]
            .as_str()
            .unwrap()
            .contains("出生日期"),
        "{v}"
    );
    let good = serde_json::to_value(branch_filing(
        Some("340100-W01"),
        ServiceMode::RemoteReceipt,
    ))
    .unwrap();
    let res = http
        .post(api("/cases"))
        .bearer_auth(&token)
        .json(&good)
        .go()
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let case: Value = res.json().await.unwrap();
    let id = case["id"].as_str().unwrap();
    assert_eq!(case["applicant"]["masked"], false);
    // A reviewer of another city is refused with a problem document.
    let hz: Value = login("reviewer.330100.market", "corridor-demo")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hz = hz["token"].as_str().unwrap();
    let refused = problem(
        http.get(api(&format!("/cases/{id}")))
            .bearer_auth(hz)
            .go()
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The detail comes in Chinese too.
    assert!(
        refused["detail_zh"]
            .as_str()
            .unwrap()
            .contains("无权查看此办件"),
        "{refused}"
    );
    problem(
        http.post(api(&format!("/cases/{id}/actions")))
            .bearer_auth(hz)
            .json(&json!({"action": "accept"}))
            .go()
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        http.get(api("/cases/not-a-uuid"))
            .bearer_auth(&token)
            .go()
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    problem(
        http.post(api(&format!("/cases/{id}/actions")))
            .bearer_auth(&token)
            .json(&json!({"action": "approve"}))
            .go()
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let list: Value = http.get(api("/cases")).bearer_auth(&token).value().await;
    assert_eq!(list["total"], 1);
    let events: Value = http
        .get(api(&format!("/cases/{id}/events")))
        .bearer_auth(&token)
        .value()
        .await;
    assert_eq!(events["total"], 1);
    assert_eq!(events["items"][0]["action"], "submit");
    // Operations.
    let health: Value = http.get(format!("{base}/healthz")).value().await;
    assert_eq!(health["status"], "ok");
    let metrics = http
        .get(format!("{base}/metrics"))
        .go()
        .await
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("corridor_http_requests_total{method=\"POST\",route=\"/api/v1/cases\",status=\"201\"} 1"), "{metrics}");
    assert!(metrics.contains("corridor_cases{status=\"submitted\"} 1"));
    assert!(metrics.contains("corridor_http_request_duration_seconds_bucket"));
    // Logout ends the token.
    assert_eq!(
        http.post(api("/auth/logout"))
            .bearer_auth(&token)
            .go()
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    problem(
        http.get(api("/cases")).bearer_auth(&token).go().await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    e.cleanup().await;
}

/// The committed OpenAPI document matches the code (regenerate with `corridor openapi`).
#[tokio::test]
async fn openapi_document_is_committed_and_current() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/openapi.json"
    ))
    .expect("docs/openapi.json is committed");
    let current = corridor_api::openapi_json();
    assert!(
        committed.trim() == current.trim(),
        "docs/openapi.json is stale: run `cargo run -- openapi > docs/openapi.json`"
    );
    let v: Value = serde_json::from_str(&current).unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
    for p in [
        "/api/v1/cases",
        "/api/v1/cases/{id}/actions",
        "/api/v1/matters",
        "/api/v1/statistics",
        "/api/v1/jurisdictions",
    ] {
        assert!(v["paths"].get(p).is_some(), "{p} missing");
    }
    // The served document is the same.
    let e = env(Backend::Sqlite, date!(2026 - 11 - 02)).await.unwrap();
    let (base, _stop) = e.serve().await;
    let served = reqwest::get(format!("{base}/api/openapi.json"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(served.trim(), current.trim());
    e.cleanup().await;
}

/// Page numbers far past the end (found by schemathesis: `(page - 1) * per_page` overflowed
/// and the connection dropped) are answered with an empty page, never a dropped connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_numbers_at_and_beyond_the_documented_bounds() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 02)).await.unwrap();
    corridor_app::demo::seed(&e.app, 50, 1).await.unwrap();
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": "corridor-demo"}))
        .value()
        .await;
    let token = login["token"].as_str().unwrap().to_string();
    for path in [
        "/api/v1/licences",
        "/api/v1/cases",
        "/api/v1/matters",
        "/api/v1/windows",
        "/api/v1/catalogue/versions",
    ] {
        // The last page the document allows is an empty page, not an error.
        let r = http
            .get(format!("{base}{path}?page=1000000000&per_page=73"))
            .bearer_auth(&token)
            .go()
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), 0, "{path}");
        // Beyond it, or not a number, the parameter is named (it used to be clamped).
        for bad in [
            "page=128101702205992562",
            "page=0",
            "per_page=501",
            "page=x",
        ] {
            let r = http
                .get(format!("{base}{path}?{bad}"))
                .bearer_auth(&token)
                .go()
                .await;
            let v = problem(r, StatusCode::BAD_REQUEST, "bad_request").await;
            let field = bad.split('=').next().unwrap();
            assert_eq!(v["errors"][0]["field"], field, "{path}?{bad}");
        }
    }
    let r = http
        .get(format!("{base}/matters?page=9223372036854775807"))
        .go()
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    e.cleanup().await;
}

/// Beyond the admitted number of requests in flight the server answers 503 `overloaded` with
/// Retry-After at once, and serves again when the load has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admission_control_refuses_beyond_the_limit() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 02)).await.unwrap();
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    let (base, _stop) = e.serve_with(1).await;
    let http = reqwest::Client::new();
    // Sign-ins (an argon2id hash each) held in flight together: only one is admitted at a time.
    let logins: Vec<_> = (0..8)
        .map(|_| {
            let req = http.post(format!("{base}/api/v1/auth/login")).json(
                &json!({"username": "clerk.310117", "password": corridor_app::demo::DEMO_PASSWORD}),
            );
            tokio::spawn(req.send())
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for a in logins {
        let a = a.await.unwrap().unwrap();
        if a.status() == StatusCode::OK {
            ok += 1;
        } else {
            assert_eq!(a.headers()["retry-after"], "1");
            problem(a, StatusCode::SERVICE_UNAVAILABLE, "overloaded").await;
            refused += 1;
        }
    }
    assert!(ok >= 1 && refused >= 1, "{ok} admitted, {refused} refused");
    // Nothing stays held: the next request is served.
    let h = http.get(format!("{base}/healthz")).go().await;
    assert_eq!(h.status(), StatusCode::OK);
    e.cleanup().await;
}
