//! The public pages: language negotiation, search, a matter; no JavaScript needed.

use crate::helpers::{env, Backend};
use reqwest::header;
use time::macros::date;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_in_both_languages() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 02)).await.unwrap();
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let get = |path: &str, lang: Option<&str>, cookie: Option<&str>| {
        let mut r = http.get(format!("{base}{path}"));
        if let Some(l) = lang {
            r = r.header(header::ACCEPT_LANGUAGE, l);
        }
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        r.send()
    };
    // Chinese by default and from Accept-Language; English when asked.
    let zh = get("/", Some("zh-CN,zh;q=0.9"), None)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        zh.contains(r#"<html lang="zh-CN">"#) && zh.contains("成员城市") && zh.contains("合肥市")
    );
    let en = get("/", Some("en-US,en;q=0.9"), None)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        en.contains(r#"<html lang="en">"#) && en.contains("Member cities") && en.contains("Hefei")
    );
    // ?lang= switches and is remembered in a cookie that beats Accept-Language.
    let r = get("/?lang=en", Some("zh-CN"), None).await.unwrap();
    let cookie = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.starts_with("lang=en")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("HttpOnly")
    );
    let again = get("/", Some("zh-CN"), Some("lang=en"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains(r#"<html lang="en">"#));
    // Search in either language, filters, every field labelled, no scripts.
    let s = get(
        "/matters?q=%E5%85%AC%E7%A7%AF%E9%87%91&mode=remote_receipt",
        Some("zh-CN"),
        None,
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(s.contains("正常退休提取住房公积金") && s.contains("/matters/G60-HPF-001"));
    let s = get("/matters?q=business+licence&lang=en", None, None)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(s.contains("Replacement of a lost business licence"), "{s}");
    for id in ["q", "mode", "city"] {
        assert!(
            s.contains(&format!(r#"<label for="{id}">"#)) && s.contains(&format!(r#"id="{id}""#))
        );
    }
    assert!(!s.contains("<script"));
    // One matter: materials, fields, limits.
    let m = get("/matters/G60-MAR-001", Some("zh-CN"), None)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("内资企业及分支机构设立登记")
            && m.contains("申请材料")
            && m.contains("分支机构名称")
            && m.contains("15 个工作日")
    );
    let m = get("/matters/G60-MAR-001?lang=en", None, None)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("Establishment registration of domestic enterprises and branches")
            && m.contains("Branch name")
    );
    let nf = get("/matters/NOPE", Some("en"), None).await.unwrap();
    assert_eq!(nf.status(), reqwest::StatusCode::NOT_FOUND);
    // The API's fallback still answers problem JSON.
    let api404 = get("/api/v1/nowhere", None, None).await.unwrap();
    assert_eq!(
        api404.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    e.cleanup().await;
}

/// Sign in (with CSRF), the clerk's queue, a case page, another window's case refused, sign out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_queue_case_page_and_refusal() {
    let e = env(Backend::Sqlite, date!(2026 - 11 - 02)).await.unwrap();
    corridor_app::demo::seed(&e.app, 0, 1).await.unwrap();
    let ent = crate::helpers::applicant();
    let mine = e
        .app
        .file_case(
            &ent,
            crate::cases::branch_filing(
                Some("340100-W01"),
                corridor_domain::catalogue::ServiceMode::RemoteReceipt,
            ),
        )
        .await
        .unwrap();
    let other = e
        .app
        .file_case(
            &ent,
            crate::cases::branch_filing(
                Some("340100-W02"),
                corridor_domain::catalogue::ServiceMode::RemoteReceipt,
            ),
        )
        .await
        .unwrap();
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let set_cookie = |r: &reqwest::Response, name: &str| -> Option<String> {
        r.headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap().to_string())
    };
    let form = http
        .get(format!("{base}/login?lang=en"))
        .send()
        .await
        .unwrap();
    let csrf = set_cookie(&form, "csrf").expect("csrf cookie");
    let token = csrf.trim_start_matches("csrf=").to_string();
    assert!(form
        .text()
        .await
        .unwrap()
        .contains(&format!(r#"name="csrf" value="{token}""#)));
    let post = |body: String, cookies: String| {
        http.post(format!("{base}/login"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookies)
            .body(body)
            .send()
    };
    // A forged form (wrong token) is refused.
    let r = post(
        "csrf=forged&username=clerk.340100&password=corridor-demo".into(),
        csrf.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    // Wrong password: the error is shown next to the field.
    let r = post(
        format!("csrf={token}&username=clerk.340100&password=nope"),
        csrf.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains(r#"role="alert""#));
    let r = post(
        format!("csrf={token}&username=clerk.340100&password=corridor-demo"),
        csrf.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let session = set_cookie(&r, "session").expect("session cookie");
    assert!(r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("HttpOnly"));
    let cookies = format!("{session}; {csrf}; lang=en");
    let get = |path: String, cookies: String| {
        http.get(format!("{base}{path}"))
            .header(header::COOKIE, cookies)
            .send()
    };
    let queue = get("/cases".into(), cookies.clone())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        queue.contains(&mine.receipt_no) && !queue.contains(&other.receipt_no),
        "{queue}"
    );
    let page = get(format!("/cases/{}", mine.id), cookies.clone())
        .await
        .unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("History") && html.contains("submit") && html.contains("Songjiang"),
        "{html}"
    );
    // Another window's case: a 403 page, not the case.
    let denied = get(format!("/cases/{}", other.id), cookies.clone())
        .await
        .unwrap();
    assert_eq!(denied.status(), reqwest::StatusCode::FORBIDDEN);
    assert!(!denied.text().await.unwrap().contains(&other.receipt_no));
    // Acting from the page: the identity check is required to receive.
    assert!(html.contains(r#"value="receive""#) && html.contains(r#"<label for="reason">"#));
    let act = |id: uuid::Uuid, body: String, cookies: String| {
        http.post(format!("{base}/cases/{id}/act"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookies)
            .body(body)
            .send()
    };
    let r = act(
        mine.id,
        format!("csrf={token}&action=receive&reason="),
        cookies.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"role="alert""#));
    let r = act(
        mine.id,
        "csrf=forged&action=receive&identity_checked=true".to_string(),
        cookies.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    for body in [
        "action=receive&identity_checked=true&reason=",
        "action=forward&reason=",
    ] {
        let r = act(mine.id, format!("csrf={token}&{body}"), cookies.clone())
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "{body}");
    }
    assert_eq!(
        act(
            other.id,
            format!("csrf={token}&action=receive&identity_checked=true"),
            cookies.clone()
        )
        .await
        .unwrap()
        .status(),
        reqwest::StatusCode::FORBIDDEN
    );
    // The Songjiang reviewer accepts; a correction needs a reason.
    let r = post(
        format!("csrf={token}&username=reviewer.310117.market&password=corridor-demo"),
        csrf.clone(),
    )
    .await
    .unwrap();
    let rev = format!("{}; {csrf}; lang=en", set_cookie(&r, "session").unwrap());
    assert_eq!(
        act(
            mine.id,
            format!("csrf={token}&action=accept&reason="),
            rev.clone()
        )
        .await
        .unwrap()
        .status(),
        reqwest::StatusCode::SEE_OTHER
    );
    let r = act(
        mine.id,
        format!("csrf={token}&action=request_correction&reason="),
        rev.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("needs a reason"));
    let page = get(format!("/cases/{}", mine.id), rev)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("accepted") && page.contains(r#"value="approve""#),
        "{page}"
    );
    // Without a session: to the sign-in page. Sign out ends the session.
    assert_eq!(
        get("/cases".into(), String::new()).await.unwrap().status(),
        reqwest::StatusCode::SEE_OTHER
    );
    let out = http
        .post(format!("{base}/logout"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookies.clone())
        .body(format!("csrf={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(
        get("/cases".into(), cookies).await.unwrap().status(),
        reqwest::StatusCode::SEE_OTHER
    );
    e.cleanup().await;
}
