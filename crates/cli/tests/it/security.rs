//! One test per finding of the penetration test of the demo (issue #28), and the controls
//! that answer them. Each would fail on the server as it was before.

use crate::api::problem;
use crate::helpers::Go;
use crate::helpers::{applicant, clerk, env, get_text, reviewer, staff, Backend, FILER_ID, LOCAL};
use corridor_app::cases::ActOnCase;
use corridor_app::filing::FileCase;
use corridor_app::identity::NewAuthorisation;
use corridor_app::ErrorCode;
use corridor_domain::case::{Action, Role};
use corridor_domain::catalogue::ServiceMode;
use corridor_server::ServerOptions;
use reqwest::{header, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use time::macros::date;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Another (fictional) person.
const OTHER_ID: &str = "360426199101010071";
const TODAY: time::Date = date!(2026 - 11 - 02);

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Finding 1: `next=` after sign-in never leads to another site.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_1_open_redirect() {
    for bad in [
        "/\t/evil.example/",
        "/%09/evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/\n/evil.example",
        "https://evil.example/",
        " /evil.example",
        "/\u{3000}/evil.example",
    ] {
        let decoded = bad.replace("%09", "\t");
        assert_eq!(corridor_web::safe_next(&decoded), None, "{bad:?}");
    }
    for good in ["/cases", "/cases/0192?filed=1", "/file/G60-MAR-001?lang=en"] {
        assert_eq!(corridor_web::safe_next(good), Some(good));
    }
    // Through the pages: the sign-in form drops the bad `next`, and signing in with it sent
    // goes to the account's home instead.
    let e = env(Backend::Sqlite, TODAY).await.unwrap();
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    let (base, _stop) = e.serve().await;
    let http = no_redirects();
    let html = get_text(&http, &format!("{base}/login?next=/%09/evil.example/")).await;
    assert!(!html.contains("evil.example"), "the form keeps no bad next");
    let (csrf, token) = crate::web::public_form(&http, &base, "/login").await;
    let r = http
        .post(format!("{base}/login"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &csrf)
        .body(format!(
            "csrf={token}&username=clerk.340100&password=corridor-demo&next=/%09/evil.example/"
        ))
        .go()
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], "/cases");
    e.cleanup().await;
}

/// A server whose sign-in limits see the address in `X-Forwarded-For` (as behind a proxy),
/// so that one test can speak from several client addresses.
async fn behind_proxy(e: &crate::helpers::Env) -> (String, tokio::sync::oneshot::Sender<()>) {
    e.serve_opts(ServerOptions {
        trusted_proxies: vec![LOCAL],
        ..Default::default()
    })
    .await
}

/// Finding 2: failed sign-ins are limited per address and per (address, account) pair: an
/// attacker cannot lock the owner out, parallel attempts get no extra guesses, the refusal
/// says when to come back, and huge or multi-line usernames are refused before they are
/// kept or logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_2_sign_in_limits() {
    let e = env(Backend::Sqlite, TODAY).await.unwrap();
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    let (base, _stop) = behind_proxy(&e).await;
    let http = reqwest::Client::new();
    let login = |from: &'static str, u: &str, p: &str| {
        http.post(format!("{base}/api/v1/auth/login"))
            .header("x-forwarded-for", from)
            .json(&json!({"username": u, "password": p}))
            .send()
    };
    // The attacker's address is refused after five failures, and told when to return.
    for _ in 0..5 {
        let r = login("127.0.0.9", "clerk.340100", "wrong").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = login("127.0.0.9", "clerk.340100", "corridor-demo")
        .await
        .unwrap();
    let retry: u64 = r.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    problem(r, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    // The owner, at the window's own address, still signs in.
    let r = login("127.0.0.10", "clerk.340100", "corridor-demo")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Thirty wrong attempts at once from a fresh address: at most five are checked.
    let attempts = (0..30).map(|_| login("127.0.0.11", "reviewer.340100.market", "wrong"));
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert!(
        checked <= 5,
        "{checked} of 30 parallel attempts were checked"
    );
    assert_eq!(
        checked
            + statuses
                .iter()
                .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
                .count(),
        30
    );
    // A 1.9 MB username and one with a line break are refused as input, not kept.
    let huge = "a".repeat(1_900_000);
    let v = problem(
        login("127.0.0.12", &huge, "x").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "username");
    assert!(v.to_string().len() < 2_000, "the answer does not echo it");
    let v = problem(
        login("127.0.0.12", "clerk.340100\nINFO forged line", "x")
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(v["errors"][0]["field"], "username");
    e.cleanup().await;
}

/// Finding 3: every form field that looks personal is classified personal, and what is
/// personal is masked for roles that do not need it (the administrator included).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_3_personal_data_classified_and_masked() {
    // Fields whose names look personal but are the enterprise's, not a person's.
    const BUSINESS: &[&str] = &[
        "enterprise_name",
        "branch_name",
        "branch_address",
        "shop_name",
        "shop_address",
        "factory_address",
        "product_name",
        "project_name",
        "patent_number",
        "right_number",
        "certificate_no",
        "equipment_code",
        "employer_uscc",
        // The name a new company or organisation is to be registered under.
        "proposed_name",
    ];
    let looks_personal = |key: &str, label: &str| {
        let key = key.to_lowercase();
        let label = label.to_lowercase();
        [
            "name", "_id", "phone", "address", "account", "salary", "employer",
        ]
        .iter()
        .any(|w| key.contains(w))
            || ["name", "id number", "phone", "address", "account", "salary"]
                .iter()
                .any(|w| label.contains(w))
    };
    let b = corridor_app::reference::Bundle::shipped().unwrap();
    let mut unclassified = Vec::new();
    for m in &b.data.matters {
        for f in &m.fields {
            if looks_personal(&f.key, &f.label_en)
                && !f.personal
                && !BUSINESS.contains(&f.key.as_str())
            {
                unclassified.push(format!("{}.{}", m.code, f.key));
            }
        }
    }
    assert!(
        unclassified.is_empty(),
        "not classified personal: {unclassified:?}"
    );

    // A household transfer: the administrator sees the addresses masked, the reviewer whole.
    let e = env(Backend::Sqlite, TODAY).await.unwrap();
    let r = e.app.reference();
    let m = r
        .current
        .iter()
        .find(|m| m.fields.iter().any(|f| f.key == "from_address"))
        .expect("a household transfer")
        .clone();
    let online = m.modes.contains(&ServiceMode::FullyOnline);
    let mut form = serde_json::Map::new();
    for f in &m.fields {
        let v = match f.key.as_str() {
            "applicant_name" => json!("张三"),
            "applicant_id" => json!(FILER_ID),
            "applicant_phone" => json!("13812345678"),
            "from_address" => json!("嘉兴市南湖区示例路8号"),
            "to_address" => json!("合肥市蜀山区示例路9号"),
            "members" => json!(1),
            _ => continue,
        };
        form.insert(f.key.clone(), v);
    }
    let filed = e
        .app
        .file_case(
            &applicant(),
            FileCase {
                matter_code: m.code.clone(),
                competent_city: "330400".into(),
                mode: if online {
                    ServiceMode::FullyOnline
                } else {
                    ServiceMode::RemoteReceipt
                },
                window_id: (!online).then(|| "340100-W01".to_string()),
                form: form.into_iter().collect(),
                identity_checked: false,
                identity_seen: None,
            },
        )
        .await
        .unwrap();
    let admin = e.app.get_case(&staff(Role::Admin), filed.id).await.unwrap();
    for k in [
        "from_address",
        "to_address",
        "applicant_id",
        "applicant_name",
    ] {
        let v = admin.form[k].as_str().unwrap();
        assert!(v.contains('*'), "{k} shown to the administrator: {v}");
    }
    let rev = e
        .app
        .get_case(&reviewer(&format!("330400-{}", m.authority_kind)), filed.id)
        .await
        .unwrap();
    assert_eq!(rev.form["from_address"], "嘉兴市南湖区示例路8号");
    e.cleanup().await;
}

/// Finding 4: an applicant account files only for its own person or someone who has
/// authorised it; a clerk records whom they saw. Every cell on both backends.
async fn identity_matrix(backend: Backend) {
    let Some(e) = env(backend, TODAY).await else {
        return;
    };
    let file_for = |contact: &str, p: &corridor_domain::case::Principal, seen: Option<&str>| {
        let mut f = crate::cases::branch_filing(
            None,
            if p.role == Role::Clerk {
                ServiceMode::RemoteReceipt
            } else {
                ServiceMode::FullyOnline
            },
        );
        f.form.insert("contact_id".into(), json!(contact));
        f.identity_checked = p.role == Role::Clerk;
        f.identity_seen = seen.map(str::to_string);
        f
    };
    let me = applicant(); // bound to FILER_ID
                          // Own person: filed.
    e.app
        .file_case(&me, file_for(FILER_ID, &me, None))
        .await
        .unwrap();
    // Someone else, not authorised: refused, the field named.
    let err = e
        .app
        .file_case(&me, file_for(OTHER_ID, &me, None))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert_eq!(err.fields[0].field, "contact_id");
    // An account with no verified identity files for nobody.
    let mut unbound = applicant();
    unbound.resident_id = None;
    let err = e
        .app
        .file_case(&unbound, file_for(FILER_ID, &unbound, None))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    // The other person authorises this account's person for this matter only.
    let mut other = applicant();
    other.resident_id = Some(OTHER_ID.into());
    let grant = e
        .app
        .authorise(
            &other,
            NewAuthorisation {
                grantor_id: None,
                agent_id: FILER_ID.into(),
                matter_code: Some("G60-MAR-001".into()),
                valid_until: "2027-05-01".into(),
            },
        )
        .await
        .unwrap();
    assert!(grant.granted_by_me);
    e.app
        .file_case(&me, file_for(OTHER_ID, &me, None))
        .await
        .unwrap();
    // Nobody authorises in another's name, and no authorisation runs over a year.
    let err = e
        .app
        .authorise(
            &me,
            NewAuthorisation {
                grantor_id: Some(OTHER_ID.into()),
                agent_id: FILER_ID.into(),
                matter_code: None,
                valid_until: "2027-05-01".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    let err = e
        .app
        .authorise(
            &other,
            NewAuthorisation {
                grantor_id: None,
                agent_id: FILER_ID.into(),
                matter_code: None,
                valid_until: "2028-05-01".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "valid_until");
    // The agent sees it; the grantor revokes it; then it no longer works.
    let mine = e.app.authorisations(&me).await.unwrap();
    assert!(mine.iter().any(|a| a.id == grant.id && !a.granted_by_me));
    let err = e.app.revoke_authorisation(&me, grant.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden, "the agent cannot revoke");
    e.app.revoke_authorisation(&other, grant.id).await.unwrap();
    let err = e
        .app
        .file_case(&me, file_for(OTHER_ID, &me, None))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Forbidden);
    // At a window: the clerk records whom they saw. The person named: filed and recorded.
    let c = clerk("340100-W01");
    let filed = e
        .app
        .file_case(&c, file_for(OTHER_ID, &c, None))
        .await
        .unwrap();
    let seen = e.app.identity_checks(filed.id, true).await.unwrap();
    assert_eq!(seen, vec![("file".to_string(), OTHER_ID.to_string())]);
    // An agent without an authorisation: refused; with one recorded at the window: filed,
    // and the agent is what the record names.
    let err = e
        .app
        .file_case(&c, file_for(OTHER_ID, &c, Some(FILER_ID)))
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "identity_seen");
    e.app
        .authorise(
            &c,
            NewAuthorisation {
                grantor_id: Some(OTHER_ID.into()),
                agent_id: FILER_ID.into(),
                matter_code: None,
                valid_until: "2026-12-31".into(),
            },
        )
        .await
        .unwrap();
    let filed = e
        .app
        .file_case(&c, file_for(OTHER_ID, &c, Some(FILER_ID)))
        .await
        .unwrap();
    let seen = e.app.identity_checks(filed.id, false).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].1.contains('*'), "masked when asked so");
    // An applicant's remote-receipt filing is received by the clerk after seeing the person.
    let mut f = file_for(FILER_ID, &me, None);
    f.mode = ServiceMode::RemoteReceipt;
    f.window_id = Some("340100-W01".into());
    let sub = e.app.file_case(&me, f).await.unwrap();
    let receive = |seen: Option<&str>| ActOnCase {
        action: Action::Receive,
        correct_materials: Vec::new(),
        correct_fields: Vec::new(),
        to_authority: None,
        reason: None,
        identity_checked: true,
        identity_seen: seen.map(str::to_string),
        form: None,
    };
    let err = e
        .app
        .act(
            &c,
            sub.id,
            receive(Some("11010519491231002X ".replace('X', "0").as_str())),
        )
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "identity_seen");
    e.app.act(&c, sub.id, receive(None)).await.unwrap();
    let seen = e.app.identity_checks(sub.id, true).await.unwrap();
    assert_eq!(seen, vec![("receive".to_string(), FILER_ID.to_string())]);
    // Accounts: an applicant account needs its person's ID number; staff accounts have none.
    let err = e
        .app
        .create_user(&corridor_app::auth::NewUser {
            username: "unbound.person".into(),
            password: "a long enough password".into(),
            role: Role::Applicant,
            display_name: "无名".into(),
            window_id: None,
            authority_id: None,
            city: None,
            resident_id: None,
            enterprise_uscc: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].field, "resident_id");
    e.cleanup().await;
}
crate::both_backends!(finding_4_identity_binding, crate::security::identity_matrix);

/// Finding 5: every text has a limit, refuses control characters, and is stored in NFC;
/// invisible-only text is empty; dates are plausible; errors name the right field.
async fn text_limits(backend: Backend) {
    let Some(e) = env(backend, TODAY).await else {
        return;
    };
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    corridor_app::industry::seed_demo(&e.app, 300, 7)
        .await
        .unwrap();
    let me = applicant();
    let filed = |form: Value| {
        let mut f = crate::cases::branch_filing(None, ServiceMode::FullyOnline);
        for (k, v) in form.as_object().unwrap() {
            f.form.insert(k.clone(), v.clone());
        }
        f
    };
    let field_of = |e: corridor_app::AppError| {
        assert_eq!(e.code, ErrorCode::ValidationFailed, "{e}");
        e.fields[0].field.clone()
    };
    // NUL in a text, zero-width-only name, a year-0000 date (where a matter has one): refused.
    let err = e
        .app
        .file_case(&me, filed(json!({"branch_name": "分公司\u{0}"})))
        .await
        .unwrap_err();
    assert_eq!(field_of(err), "branch_name");
    let err = e
        .app
        .file_case(
            &me,
            filed(json!({"contact_name": "\u{200B}\u{200D}\u{FEFF}"})),
        )
        .await
        .unwrap_err();
    assert_eq!(err.fields[0].reason, "required");
    let dated = e
        .app
        .reference()
        .current
        .iter()
        .find_map(|m| {
            m.fields
                .iter()
                .find(|f| f.ty == corridor_domain::catalogue::FieldType::Date)
                .map(|f| (m.clone(), f.clone()))
        })
        .unwrap();
    let mut data = std::collections::BTreeMap::new();
    data.insert(dated.1.key.clone(), json!("0000-01-01"));
    let errs = dated.0.validate_form(&data).unwrap_err();
    assert!(errs
        .iter()
        .any(|x| x.field == dated.1.key && x.reason.contains("1900")));
    // NFC: a decomposed é is stored composed.
    let ok = e
        .app
        .file_case(&me, filed(json!({"contact_name": "Rene\u{301}e"})))
        .await
        .unwrap();
    assert_eq!(
        e.app.get_case(&me, ok.id).await.unwrap().form["contact_name"],
        "Renée"
    );
    // A 1.5 MB rejection reason is refused; a short one is kept.
    let sj = reviewer("310117-market");
    crate::cases::attach_required(&e.app, &me, ok.id).await;
    e.app
        .act(&sj, ok.id, crate::cases::act(Action::Accept))
        .await
        .unwrap();
    let mut reject = crate::cases::act(Action::Reject);
    reject.reason = Some("理".repeat(500_000));
    let err = e.app.act(&sj, ok.id, reject.clone()).await.unwrap_err();
    assert_eq!(field_of(err), "reason");
    reject.reason = Some("材料不全\u{7}".into());
    assert_eq!(
        field_of(e.app.act(&sj, ok.id, reject).await.unwrap_err()),
        "reason"
    );
    // Industry: a 1 MB capability text and an over-long English title are refused by name.
    let office = staff(Role::JointOffice);
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "office", "password": "corridor-demo"}))
        .value()
        .await;
    let token = token["token"].as_str().unwrap().to_string();
    let heads = e
        .app
        .search_enterprises(&office, &Default::default())
        .await
        .unwrap();
    let mut ent = e
        .app
        .enterprise(&office, &heads.items[0].uscc)
        .await
        .unwrap();
    // About 1 MB of text (300,000 three-byte characters), within the 2 MB body limit.
    ent.capabilities_zh = "精".repeat(300_000);
    let err = e
        .app
        .put_enterprise(&office, &ent.uscc.clone(), ent.clone())
        .await
        .unwrap_err();
    assert_eq!(field_of(err), "capabilities_zh");
    let r = http
        .put(format!("{base}/api/v1/enterprises/{}", ent.uscc))
        .bearer_auth(&token)
        .json(&ent)
        .go()
        .await;
    let v = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(v["errors"][0]["field"], "capabilities_zh");
    let spec = corridor_industry::matching::NeedSpec {
        title_zh: "钛合金紧固件".into(),
        title_en: "T".repeat(201),
        ..corridor_industry::matching::NeedSpec::of_kind(
            corridor_industry::matching::NeedKind::SupplierLocalisation,
        )
    };
    assert_eq!(spec.normalised().unwrap_err().field, "title_en");
    e.cleanup().await;
}
crate::both_backends!(finding_5_text_limits, crate::security::text_limits);

/// Finding 6: security headers on every answer, no caching of signed-in pages, Secure
/// cookies behind HTTPS, and a CSRF token bound to the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_6_headers_cookies_csrf() {
    let e = env(Backend::Sqlite, TODAY).await.unwrap();
    corridor_app::demo::seed(&e.app, 50, 1).await.unwrap();
    let (base, _stop) = e
        .serve_opts(ServerOptions {
            secure_cookies: true,
            ..Default::default()
        })
        .await;
    let http = no_redirects();
    for path in [
        "/",
        "/matters",
        "/login",
        "/api/v1/matters",
        "/nope",
        "/static/corridor.css",
    ] {
        let r = http.get(format!("{base}{path}")).go().await;
        let h = r.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY", "{path}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer", "{path}");
        assert!(h.contains_key(header::STRICT_TRANSPORT_SECURITY), "{path}");
    }
    // The pages meet the policy: no inline style or script anywhere.
    let home = get_text(&http, &format!("{base}/")).await;
    assert!(!home.contains("<style") && !home.contains("style=") && !home.contains("<script"));
    // Sign in: every cookie is Secure; the page with personal data is not cached.
    let form = http.get(format!("{base}/login")).go().await;
    let cookies: Vec<String> = form
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies.iter().all(|c| c.contains("; Secure")),
        "{cookies:?}"
    );
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("csrf="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let login_token = csrf.trim_start_matches("csrf=").to_string();
    let signin = |user: &str| {
        http.post(format!("{base}/login"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &csrf)
            .body(format!(
                "csrf={login_token}&username={user}&password=corridor-demo&next="
            ))
            .send()
    };
    let r = signin("clerk.340100").await.unwrap();
    let session = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("session="))
        .unwrap()
        .to_string();
    assert!(session.contains("; Secure") && session.contains("HttpOnly"));
    let cookies = format!("{}; {csrf}", session.split(';').next().unwrap());
    let queue = http
        .get(format!("{base}/cases"))
        .header(header::COOKIE, &cookies)
        .go()
        .await;
    assert_eq!(queue.headers()[header::CACHE_CONTROL], "no-store");
    let token = crate::web::csrf_in(&queue.text().await.unwrap()).unwrap();
    // The sign-in form's token (a double-submit cookie) does not pass once signed in; nor
    // does another session's; this session's does.
    let other = signin("reviewer.310117.market").await.unwrap();
    let other_cookies = format!(
        "{}; {csrf}",
        other
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .find(|v| v.starts_with("session="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
    );
    let other_token = crate::web::session_csrf(&http, &base, &other_cookies).await;
    let logout = |tok: String| {
        http.post(format!("{base}/logout"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &cookies)
            .body(format!("csrf={tok}"))
            .send()
    };
    assert_ne!(token, login_token);
    for bad in [login_token.clone(), other_token] {
        assert_eq!(logout(bad).await.unwrap().status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(logout(token).await.unwrap().status(), StatusCode::SEE_OTHER);
    e.cleanup().await;
}

/// Reads what the server sends until it closes the connection or `limit` passes; returns
/// how long that took and whether it closed.
async fn until_closed(s: &mut tokio::net::TcpStream, limit: Duration) -> (Duration, bool) {
    let t = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(t.elapsed()), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (t.elapsed(), true),
            Ok(Ok(_)) => continue,
            Err(_) => return (t.elapsed(), false),
        }
    }
}

/// Finding 7: half-sent requests are cut off, made-up methods add no metric series, and the
/// server's own refusals (413, 414, 415, 431) are problem documents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_7_resources_bounded() {
    let e = env(Backend::Sqlite, TODAY).await.unwrap();
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    let (base, _stop) = e
        .serve_opts(ServerOptions {
            header_timeout: Duration::from_secs(1),
            body_timeout: Duration::from_secs(1),
            ..Default::default()
        })
        .await;
    let addr = base.trim_start_matches("http://").to_string();
    // Half a request head: closed after the header timeout.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let (took, closed) = until_closed(&mut s, Duration::from_secs(10)).await;
    assert!(closed && took < Duration::from_secs(5), "{took:?}");
    // A body that stops half-way: answered and closed after the body timeout.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user",
    )
    .await
    .unwrap();
    let (took, closed) = until_closed(&mut s, Duration::from_secs(10)).await;
    assert!(closed && took < Duration::from_secs(5), "{took:?}");
    // Made-up methods: one `OTHER` series, not one per method.
    let http = reqwest::Client::new();
    for i in 0..20 {
        let m = reqwest::Method::from_bytes(format!("FOO{i}").as_bytes()).unwrap();
        let r = http.request(m, format!("{base}/")).go().await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    let metrics = get_text(&http, &format!("{base}/metrics")).await;
    assert!(!metrics.contains("FOO"), "a series per made-up method");
    assert!(metrics.contains("method=\"OTHER\""));
    // The server's own refusals are problem documents.
    // A body announced larger than the limit is refused from its head, before it is read (a
    // client still writing it may see the connection close, so the head goes alone here).
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 3145728\r\n\r\n",
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("payload_too_large") {
        match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buf[..n]),
            other => panic!(
                "no 413 answer: {other:?} after {}",
                String::from_utf8_lossy(&answer)
            ),
        }
    }
    let answer = String::from_utf8_lossy(&answer).to_lowercase();
    assert!(answer.starts_with("http/1.1 413"), "{answer}");
    assert!(
        answer.contains("content-type: application/problem+json"),
        "{answer}"
    );
    problem(
        http.post(format!("{base}/api/v1/auth/login"))
            .header("content-type", "text/plain")
            .body("{}")
            .go()
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    problem(
        http.get(format!("{base}/matters?q={}", "a".repeat(9000)))
            .go()
            .await,
        StatusCode::URI_TOO_LONG,
        "uri_too_long",
    )
    .await;
    problem(
        http.get(format!("{base}/"))
            .header("x-padding", "p".repeat(40 * 1024))
            .go()
            .await,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers_too_large",
    )
    .await;
    e.cleanup().await;
}

/// Finding 4 through the pages: an applicant authorises someone (errors next to the field),
/// sees it masked, and revokes it; a clerk's form asks for the grantor it checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_4_authorisations_page() {
    let e = env(Backend::Sqlite, TODAY).await.unwrap();
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    let (base, _stop) = e.serve().await;
    let http = no_redirects();
    let (cookies, tok) = crate::web::page_session(&http, &base, "ent.340100").await;
    let post = |path: &str, body: String| {
        http.post(format!("{base}{path}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &cookies)
            .body(body)
            .send()
    };
    let r = post(
        "/authorisations",
        format!("csrf={tok}&agent_id=360426199101010072&valid_until=2027-01-31"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"id="err-agent_id""#));
    let r = post(
        "/authorisations",
        format!("csrf={tok}&agent_id={OTHER_ID}&matter_code=G60-MAR-001&valid_until=2027-01-31"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = http
        .get(format!("{base}/authorisations?lang=en"))
        .header(header::COOKIE, &cookies)
        .go()
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("360426********0071") && !html.contains(OTHER_ID));
    assert!(html.contains("G60-MAR-001") && html.contains("in force"));
    let id = html
        .split("/authorisations/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_string();
    // Without the session's token: refused. With it: revoked.
    let r = post(
        &format!("/authorisations/{id}/revoke"),
        "csrf=forged".into(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(
        &format!("/authorisations/{id}/revoke"),
        format!("csrf={tok}"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (clerk_cookies, _) = crate::web::page_session(&http, &base, "clerk.340100").await;
    let html = http
        .get(format!("{base}/authorisations"))
        .header(header::COOKIE, &clerk_cookies)
        .go()
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"id="grantor_id""#));
    e.cleanup().await;
}
