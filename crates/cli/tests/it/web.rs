//! The public pages: language negotiation, search, a matter; no JavaScript needed.

use crate::helpers::Go;
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
        m.contains("分支机构设立登记")
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
    assert!(m.contains("Establishment registration of a branch") && m.contains("Branch name"));
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
    let form = http.get(format!("{base}/login?lang=en")).go().await;
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
    // Signed in, the sign-in form's token no longer passes: forms carry the session's.
    let login_token = token.clone();
    let token = session_csrf(&http, &base, &cookies).await;
    assert_ne!(token, login_token);
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
    assert!(html.contains(r#"value="receive""#) && html.contains(r#"id="identity_checked""#));
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
        if body.starts_with("action=forward") {
            let window = crate::helpers::clerk("340100-W01");
            crate::cases::attach_required(&e.app, &window, mine.id).await;
        }
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
        format!("csrf={login_token}&username=reviewer.310117.market&password=corridor-demo"),
        csrf.clone(),
    )
    .await
    .unwrap();
    let rev = format!("{}; {csrf}; lang=en", set_cookie(&r, "session").unwrap());
    let clerk_token = token.clone();
    let token = session_csrf(&http, &base, &rev).await;
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
        .body(format!("csrf={clerk_token}"))
        .go()
        .await;
    assert_eq!(out.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(
        get("/cases".into(), cookies).await.unwrap().status(),
        reqwest::StatusCode::SEE_OTHER
    );
    e.cleanup().await;
}

/// Signs in through the page; returns the cookies to send and the CSRF token.
/// A page's HTML, fetched with `cookie`.
pub async fn page_text(http: &reqwest::Client, url: &str, cookie: impl AsRef<str>) -> String {
    http.get(url)
        .header(header::COOKIE, cookie.as_ref())
        .go()
        .await
        .text()
        .await
        .unwrap()
}

pub async fn page_session(http: &reqwest::Client, base: &str, user: &str) -> (String, String) {
    let (csrf, token) = public_form(http, base, "/login").await;
    let r = http
        .post(format!("{base}/login"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, csrf.clone())
        .body(format!(
            "csrf={token}&username={user}&password=corridor-demo&next="
        ))
        .go()
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "{user}");
    let session = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("session="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .unwrap();
    let cookies = format!("{session}; {csrf}; lang=en");
    // Signed in, forms carry the session's own token (the sign-in form's is not accepted).
    let token = session_csrf(http, base, &cookies).await;
    (cookies, token)
}

/// The CSRF token the pages give a signed-in session (read from a page's form).
pub async fn session_csrf(http: &reqwest::Client, base: &str, cookies: &str) -> String {
    for path in ["/cases", "/needs", "/dashboard"] {
        let html = page_text(http, &format!("{base}{path}"), cookies).await;
        if let Some(t) = csrf_in(&html) {
            return t;
        }
    }
    panic!("no page with a form for this session");
}

/// A public page's form, not signed in: its CSRF cookie (to send back) and token.
pub async fn public_form(http: &reqwest::Client, base: &str, path: &str) -> (String, String) {
    let form = http.get(format!("{base}{path}")).go().await;
    let cookie = form
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("csrf="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .unwrap();
    let token = csrf_in(&form.text().await.unwrap()).unwrap();
    (cookie, token)
}

/// The value of the first hidden `csrf` field in a page.
/// Posts a form (already URL-encoded, its CSRF token included) with the session's cookie.
pub async fn post_form(
    http: &reqwest::Client,
    url: &str,
    cookie: impl AsRef<str>,
    body: String,
) -> reqwest::Response {
    http.post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(reqwest::header::COOKIE, cookie.as_ref())
        .body(body)
        .send()
        .await
        .unwrap()
}

pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find(r#"name="csrf" value=""#)? + r#"name="csrf" value=""#.len();
    Some(html[i..].split('"').next()?.to_string())
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Filing step by step through the pages, a correction answered from the case page, the
/// licence downloaded and verified by upload, and the dashboard (office only, no personal data).
pub async fn filing_pages(backend: Backend) {
    let Some(e) = env(backend, date!(2026 - 11 - 02)).await else {
        return;
    };
    corridor_app::demo::seed(&e.app, 200, 1).await.unwrap();
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |path: String, body: String, cookies: String| {
        http.post(format!("{base}{path}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookies)
            .body(body)
            .send()
    };
    // Not signed in: the filing page sends to sign-in and back.
    let r = http.get(format!("{base}/file/G60-MAR-001")).go().await;
    assert_eq!(
        r.headers()[header::LOCATION],
        "/login?next=/file/G60-MAR-001"
    );
    let (ent, tok) = page_session(&http, &base, "ent.340100").await;
    let form = crate::cases::branch_filing(
        Some("340100-W01"),
        corridor_domain::catalogue::ServiceMode::RemoteReceipt,
    )
    .form;
    let fields = |bad_id: bool| -> String {
        form.iter()
            .map(|(k, v)| {
                let v = v.as_str().unwrap();
                let v = if bad_id && k == "contact_id" {
                    "110105194912310021"
                } else {
                    v
                };
                format!("&f.{k}={}", urlencode(v))
            })
            .collect()
    };
    let step = |step: &str, rest: String| format!("csrf={tok}&step={step}&nav=next{rest}");
    // Step 1 without a city: the error is next to the field.
    let r = post(
        "/file/G60-MAR-001".into(),
        step("city", "&city=".into()),
        ent.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"id="city-error""#));
    let r = post(
        "/file/G60-MAR-001".into(),
        step("city", "&city=310117&mode=&window=".into()),
        ent.clone(),
    )
    .await
    .unwrap();
    assert!(r
        .text()
        .await
        .unwrap()
        .contains(r#"name="mode" value="remote_receipt""#));
    // Step 3 with a wrong check digit: the answers stay, the error is next to the field.
    let how = "&city=310117&mode=remote_receipt&window=340100-W01";
    let r = post(
        "/file/G60-MAR-001".into(),
        step("details", format!("{how}{}", fields(true))),
        ent.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"id="err-contact_id""#) && html.contains("合肥启明新材料有限公司"));
    // Edited hidden answers are checked again: an unknown window fails at its step.
    let r = post(
        "/file/G60-MAR-001".into(),
        step(
            "check",
            format!(
                "&city=310117&mode=remote_receipt&window=nowhere{}",
                fields(false)
            ),
        ),
        ent.clone(),
    )
    .await
    .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"id="window-error""#));
    // The filing rule's own reason, in the page's language (English here).
    assert!(
        html.contains("needs an existing receiving window"),
        "{html}"
    );
    // The check step as the browser posts it (multipart): the answers, a file for the first
    // material and an empty part for each input left empty. A PDF named .png is refused at the
    // check step and nothing is filed; then the filing with its file.
    let check = |file_name: &str| {
        let mut parts: Vec<(String, Option<String>, Vec<u8>)> = [
            ("csrf", tok.as_str()),
            ("step", "check"),
            ("nav", "next"),
            ("city", "310117"),
            ("mode", "remote_receipt"),
            ("window", "340100-W01"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), None, v.as_bytes().to_vec()))
        .collect();
        for (k, v) in form.iter() {
            let v = v.as_str().unwrap().as_bytes().to_vec();
            parts.push((format!("f.{k}"), None, v));
        }
        let pdf = corridor_domain::materials::sample::pdf("application", 0);
        parts.push(("file.0".into(), Some(file_name.into()), pdf));
        parts.push(("file.1".into(), Some(String::new()), Vec::new()));
        let parts: Vec<crate::helpers::Part> = parts
            .iter()
            .map(|(k, f, v)| (k.as_str(), f.as_deref(), v.as_slice()))
            .collect();
        let (ct, body) = crate::helpers::multipart(&parts);
        http.post(format!("{base}/file/G60-MAR-001"))
            .header(header::CONTENT_TYPE, ct)
            .header(header::COOKIE, ent.clone())
            .body(body)
            .send()
    };
    let count = || async {
        let by_status = e.store.count_cases_by_status().await.unwrap();
        by_status.iter().map(|(_, n)| n).sum::<i64>()
    };
    let mine = count().await;
    let r = check("scan.png").await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(".png") && html.contains("Choose the files again"),
        "{html}"
    );
    assert_eq!(count().await, mine, "nothing filed");
    let r = check("application.pdf").await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert!(to.ends_with("?filed=1"), "{to}");
    let id: uuid::Uuid = to
        .trim_start_matches("/cases/")
        .trim_end_matches("?filed=1")
        .parse()
        .unwrap();
    let page = page_text(&http, &format!("{base}{to}"), &ent).await;
    assert!(page.contains(r#"id="receipt">340100-"#), "{page}");
    let filed = e
        .app
        .materials(&crate::helpers::clerk("340100-W01"), id)
        .await
        .unwrap();
    assert_eq!(filed.materials[0].files[0].file_name, "application.pdf");
    assert!(filed.materials[1].files.is_empty());
    // Posts actions on the case page as one signed-in user; each must lead back to the case.
    let acts = |who: String, tok: String, bodies: &'static [&'static str]| {
        let post = &post;
        async move {
            for body in bodies {
                let r = post(
                    format!("/cases/{id}/act"),
                    format!("csrf={tok}&{body}"),
                    who.clone(),
                )
                .await
                .unwrap();
                assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "{body}");
            }
        }
    };
    // Clerk and reviewer act (through the same pages), reviewer asks for a correction.
    let (clerk, ctok) = page_session(&http, &base, "clerk.340100").await;
    acts(
        clerk.clone(),
        ctok.clone(),
        &["action=receive&identity_checked=true"],
    )
    .await;
    // Not forwarded before the scans are in: the page says which materials are missing.
    let r = post(
        format!("/cases/{id}/act"),
        format!("csrf={ctok}&action=forward"),
        clerk.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("营业执照副本") || html.contains("Copy of the business licence"),
        "{html}"
    );
    // The clerk scans them on the case page: a PDF renamed .png is refused next to the form,
    // then each required material gets its scan (one of them a photo).
    let upload = |index: usize, name: &str, content: Vec<u8>| {
        let mut body = format!("--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{ctok}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"material\"\r\n\r\n{index}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
        body.extend(content);
        body.extend(b"\r\n--XyZ--\r\n");
        http.post(format!("{base}/cases/{id}/materials"))
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
            .header(header::COOKIE, clerk.clone())
            .body(body)
            .send()
    };
    let pdf = corridor_domain::materials::sample::pdf("scan", 0);
    let r = upload(1, "licence.png", pdf.clone()).await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(".png"));
    let window = crate::helpers::clerk("340100-W01");
    let list = e.app.materials(&window, id).await.unwrap();
    for m in list.materials.iter().filter(|m| m.required) {
        let (name, content) = if m.index == 2 {
            (
                "id-card.png",
                corridor_domain::materials::sample::png(30, 20, [90, 90, 200]),
            )
        } else {
            ("scan.pdf", pdf.clone())
        };
        let r = upload(m.index, name, content).await.unwrap();
        assert_eq!(
            r.status(),
            reqwest::StatusCode::SEE_OTHER,
            "material {}",
            m.index
        );
    }
    // The page offers the checklist; the clerk ticks every material received and the
    // identity document's original seen (the form names each position it ticks).
    let page = page_text(&http, &format!("{base}/cases/{id}"), &clerk).await;
    assert!(page.contains(r#"id="material-checks""#), "{page}");
    let original = list.materials.iter().find(|m| m.original).unwrap().index;
    let mut ticks = format!("csrf={ctok}&original_seen={original}");
    for m in list.materials.iter().filter(|m| m.required) {
        ticks.push_str(&format!("&received={}", m.index));
    }
    let r = post(
        format!("/cases/{id}/materials/checks"),
        ticks,
        clerk.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let marked = e.app.materials(&window, id).await.unwrap();
    assert!(marked.complete, "{marked:?}");
    assert!(marked.materials[original].original_seen);
    acts(clerk.clone(), ctok.clone(), &["action=forward"]).await;
    let (rev, rtok) = page_session(&http, &base, "reviewer.310117.market").await;
    // The Songjiang reviewer sees every material: the photo inline, each file with its hash,
    // and opens it.
    let page = page_text(&http, &format!("{base}/cases/{id}"), &rev).await;
    assert!(
        page.contains(r#"<img class="scan""#) && page.contains("SHA-256"),
        "{page}"
    );
    assert!(!page.contains(r#"enctype="multipart/form-data""#));
    let photo = &list.materials[2];
    let files = e.app.materials(&window, id).await.unwrap();
    let photo_id = files.materials[photo.index].files[0].id;
    let r = http
        .get(format!("{base}/cases/{id}/files/{photo_id}"))
        .header(header::COOKIE, rev.clone())
        .go()
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert_eq!(r.headers()[header::CONTENT_TYPE], "image/png");
    const ACCEPT: [&str; 2] = [
        "action=accept",
        "action=request_correction&reason=Proof+of+premises+missing&correct_material=6&correct_field=branch_address",
    ];
    acts(rev.clone(), rtok.clone(), &ACCEPT).await;
    // The applicant sees the request and a prefilled form; a bad field is shown, then fixed.
    let page = page_text(&http, &format!("{base}/cases/{id}"), &ent).await;
    assert!(page.contains("Proof of premises missing") && page.contains(r#"value="resubmit""#));
    // Exactly what the request names: the premises' proof and the address (the other fields
    // go back unchanged, hidden).
    assert!(page.contains(r#"id="correction-names""#), "{page}");
    assert!(
        page.contains(r#"<input type="hidden" name="f.contact_id""#),
        "{page}"
    );
    assert!(page.contains(r#"name="f.branch_address" value="上海市松江区示例路1号""#));
    let r = post(
        format!("/cases/{id}/act"),
        format!("csrf={tok}&action=resubmit{}", fields(true)),
        ent.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(r#"id="err-contact_id""#));
    let corrected = fields(false).replace(
        &urlencode("上海市松江区示例路1号"),
        &urlencode("上海市松江区示例路1号3幢"),
    );
    let r = post(
        format!("/cases/{id}/act"),
        format!("csrf={tok}&action=resubmit{corrected}"),
        ent.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let stored = e
        .app
        .get_case(
            &crate::helpers::staff(corridor_domain::case::Role::Admin),
            id,
        )
        .await
        .unwrap();
    assert_eq!(stored.status, corridor_domain::case::Status::Resubmitted);
    assert_eq!(stored.form["branch_address"], "上海市松江区示例路1号3幢");
    acts(rev, rtok, &["action=approve", "action=issue_licence"]).await;
    // The applicant downloads the licence; the public page verifies the uploaded file.
    let file = http
        .get(format!("{base}/cases/{id}/licence"))
        .header(header::COOKIE, ent.clone())
        .go()
        .await;
    assert_eq!(file.status(), reqwest::StatusCode::OK);
    assert!(file.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let bytes = file.bytes().await.unwrap().to_vec();
    // The verification forms carry a CSRF token too (the page sets its cookie).
    let (vcookie, vtok) = public_form(&http, &base, "/verify").await;
    let upload = |content: Vec<u8>| {
        let mut body = format!("--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{vtok}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"l.cose\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
        body.extend(content);
        body.extend(b"\r\n--XyZ--\r\n");
        http.post(format!("{base}/verify/file?lang=en"))
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
            .header(header::COOKIE, vcookie.clone())
            .body(body)
            .send()
    };
    let ok = upload(bytes.clone()).await.unwrap();
    assert_eq!(ok.status(), reqwest::StatusCode::OK);
    assert!(ok.text().await.unwrap().contains("Valid licence"));
    let mut flipped = bytes;
    let n = flipped.len() / 2;
    flipped[n] ^= 1;
    assert_eq!(
        upload(flipped).await.unwrap().status(),
        reqwest::StatusCode::UNPROCESSABLE_ENTITY
    );
    // A clerk files on behalf of an applicant at the window: picks the matter and the deciding
    // city, enters the applicant, and must record the identity check.
    let r = http
        .get(format!("{base}/file?matter=G60-MAR-001"))
        .header(header::COOKIE, clerk.clone())
        .go()
        .await;
    assert_eq!(r.headers()[header::LOCATION], "/file/G60-MAR-001");
    let start = page_text(&http, &format!("{base}/file/G60-MAR-001"), &clerk).await;
    assert!(start.contains(r#"id="city""#));
    let cstep = |step: &str, rest: String| format!("csrf={ctok}&step={step}&nav=next{rest}");
    let r = post(
        "/file/G60-MAR-001".into(),
        cstep(
            "details",
            format!("&city=310117&mode=fully_online{}", fields(false)),
        ),
        clerk.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r##"href="#identity_checked""##),
        "identity check required"
    );
    let r = post(
        "/file/G60-MAR-001".into(),
        cstep(
            "check",
            format!("&city=310117&identity_checked=true{}", fields(false)),
        ),
        clerk.clone(),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    let on_behalf: uuid::Uuid = to
        .trim_start_matches("/cases/")
        .trim_end_matches("?filed=1")
        .parse()
        .unwrap();
    let c = e
        .app
        .get_case(
            &crate::helpers::staff(corridor_domain::case::Role::Admin),
            on_behalf,
        )
        .await
        .unwrap();
    assert_eq!(c.status, corridor_domain::case::Status::Received);
    assert_eq!(c.receiving_window.as_deref(), Some("340100-W01"));
    assert_eq!(c.competent_city, "310117");
    let queue = page_text(&http, &format!("{base}/cases"), &clerk).await;
    assert!(queue.contains(&c.receipt_no));
    // Dashboard: the office sees charts and no personal data; a clerk gets 403.
    let (office, _) = page_session(&http, &base, "office").await;
    let dash = http
        .get(format!("{base}/dashboard"))
        .header(header::COOKIE, office)
        .go()
        .await;
    assert_eq!(dash.status(), reqwest::StatusCode::OK);
    let html = dash.text().await.unwrap();
    assert!(html.matches("<svg").count() >= 4, "charts");
    // The auction figures once, in the page and not in its title.
    assert_eq!(html.matches("id=\"h-auctions\"").count(), 1);
    // The joint-tackling counts (needs solicited, projects started, completed, overdue).
    assert!(html.contains("id=\"dash-projects\""));
    let title = &html[html.find("<title>").unwrap() + 7..html.find("</title>").unwrap()];
    assert!(!title.contains('<'), "title: {title}");
    for secret in [
        "11010519491231002X",
        "13812345678",
        "王伟",
        &stored.receipt_no,
    ] {
        assert!(!html.contains(secret), "dashboard shows {secret}");
    }
    let denied = http
        .get(format!("{base}/dashboard"))
        .header(header::COOKIE, clerk)
        .go()
        .await;
    assert_eq!(denied.status(), reqwest::StatusCode::FORBIDDEN);
    e.cleanup().await;
}
crate::both_backends!(filing_pages_both_backends, crate::web::filing_pages);
