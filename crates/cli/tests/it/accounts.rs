//! Enterprise accounts for real users, on both backends: an administrator's account linked at
//! once; a self-registered account, limited until the joint office confirms it; one refused
//! with a reason; every field of a bad registration answered at once; the office alone
//! decides; the same over HTTP (problem JSON, sign-in, the account's own link).

use crate::both_backends;
use crate::helpers::refused;
use crate::helpers::{env, staff, Backend, Go};
use corridor_app::auctions::NewListing;
use corridor_app::auth::NewUser;
use corridor_app::industry::accounts::{AccountDecision, Registration};
use corridor_app::ErrorCode;
use corridor_domain::case::{Principal, Role};
use corridor_industry::generate;
use serde_json::{json, Value};
use time::macros::date;

/// The client address of the in-process registrations (over HTTP the server sees 127.0.0.1).
const LOCAL: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));

pub(crate) fn fields(e: &corridor_app::AppError) -> Vec<&str> {
    e.fields.iter().map(|f| f.field.as_str()).collect()
}

fn listing() -> NewListing {
    serde_json::from_value(json!({
        "title_zh": "一种传感器", "title_en": "A sensor", "description_zh": "说明",
        "description_en": "About it", "field": "传感", "cluster": "integrated_circuits",
        "rights": "assignment"
    }))
    .unwrap()
}

/// The stream's actions, in order, and the whole audit chain verifies.
pub(crate) async fn chain_is(e: &crate::helpers::Env, stream: &str, actions: &[&str]) {
    let evs = e.store.events_of(stream).await.unwrap();
    let got: Vec<&str> = evs.iter().map(|x| x.action.as_str()).collect();
    assert_eq!(got, actions, "{stream}");
    let rep = e.app.verify_audit().await.unwrap();
    assert!(rep.first_break.is_none(), "{rep:?}");
}

/// A page session's cookie for `user` (signed in over the API), in language `lang`.
pub(crate) async fn page_cookie(
    http: &reqwest::Client,
    base: &str,
    user: &str,
    lang: &str,
) -> String {
    let tok: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "long-enough-pw"}))
        .value()
        .await;
    format!("session={}; lang={lang}", tok["token"].as_str().unwrap())
}

async fn as_principal(e: &crate::helpers::Env, username: &str) -> Principal {
    let u = e.store.user_by_name(username).await.unwrap().unwrap();
    corridor_app::auth::principal_of(&u).unwrap()
}

async fn accounts(backend: Backend) {
    let Some(e) = env(backend, date!(2027 - 03 - 01)).await else {
        return;
    };
    let firms = generate::enterprises(20, 9);
    e.app.upsert_enterprises(&firms).await.unwrap();
    let (f0, f1, f2) = (&firms[0], &firms[1], &firms[2]);
    let office = staff(Role::JointOffice);

    // An administrator's account, linked at once; a code with a wrong check character, or
    // not in the registry, is refused naming the field; only applicants act for a firm.
    let user = |name: &str, uscc: &str, role: Role| NewUser {
        username: name.into(),
        password: "long-enough-pw".into(),
        role,
        display_name: name.into(),
        window_id: None,
        authority_id: None,
        city: None,
        resident_id: (role == Role::Applicant).then(|| crate::helpers::FILER_ID.into()),
        enterprise_uscc: Some(uscc.into()),
    };
    e.app
        .create_user(&user("linked", &f0.uscc, Role::Applicant))
        .await
        .unwrap();
    let linked = as_principal(&e, "linked").await;
    assert_eq!(
        e.app.my_enterprise(&linked).await.unwrap().as_deref(),
        Some(f0.uscc.as_str())
    );
    let mut bad = f0.uscc.clone();
    let last = if bad.ends_with('0') { "1" } else { "0" };
    bad.replace_range(17.., last);
    for (code, name) in [(bad.as_str(), "bad1"), ("91310000MA1FL00000", "bad2")] {
        let err = e
            .app
            .create_user(&user(name, code, Role::Applicant))
            .await
            .unwrap_err();
        assert_eq!(fields(&err), ["enterprise_uscc"], "{code}: {err:?}");
    }
    let err = e
        .app
        .create_user(&user("clerkish", &f0.uscc, Role::JointOffice))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["enterprise_uscc"]);

    // A registration with everything wrong is answered field by field, and nothing is kept.
    let reg = |name: &str, uscc: &str, company: &str, phone: &str, pw: &str| Registration {
        username: name.into(),
        password: pw.into(),
        uscc: uscc.into(),
        company_name: company.into(),
        contact_name: "陈一".into(),
        contact_phone: phone.into(),
    };
    let err = e
        .app
        .register_enterprise(
            &reg("self1", &f1.uscc, "另一家公司", "1234", "short"),
            LOCAL,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ValidationFailed);
    let mut got = fields(&err);
    got.sort();
    assert_eq!(
        got,
        ["company_name", "contact_phone", "password"],
        "{err:?}"
    );
    assert!(e.store.user_by_name("self1").await.unwrap().is_none());

    // A good one (the registry's name, spaces and case aside): it signs in but acts for no
    // enterprise until the office confirms; it cannot list an achievement yet.
    let name_en = f1.name_en.to_uppercase();
    let v = e
        .app
        .register_enterprise(
            &reg("self1", &f1.uscc, &name_en, "13800000001", "long-enough-pw"),
            LOCAL,
        )
        .await
        .unwrap();
    assert_eq!(
        (v.status.as_str(), v.uscc.as_str()),
        ("pending", f1.uscc.as_str())
    );
    let me = as_principal(&e, "self1").await;
    assert_eq!(me.resident_id, None, "not bound to a verified identity");
    assert_eq!(e.app.my_enterprise(&me).await.unwrap(), None);
    assert_eq!(
        refused(e.app.create_listing(&me, &listing())).await,
        ErrorCode::Forbidden
    );
    // Only the office sees and decides; the account sees its own link.
    assert_eq!(
        refused(e.app.enterprise_accounts(&linked, "pending")).await,
        ErrorCode::Forbidden
    );
    let yes = AccountDecision {
        confirm: true,
        note: None,
    };
    assert_eq!(
        refused(e.app.decide_enterprise_account(&linked, &v.user_id, &yes)).await,
        ErrorCode::Forbidden
    );
    let pending = e.app.enterprise_accounts(&office, "pending").await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].contact_phone.as_deref(), Some("13800000001"));
    let v = e
        .app
        .decide_enterprise_account(&office, &v.user_id, &yes)
        .await
        .unwrap();
    assert_eq!(v.status, "confirmed");
    assert_eq!(
        e.app.my_enterprise(&me).await.unwrap().as_deref(),
        Some(f1.uscc.as_str())
    );
    e.app.create_listing(&me, &listing()).await.unwrap();
    assert_eq!(
        refused(e.app.decide_enterprise_account(&office, &v.user_id, &yes)).await,
        ErrorCode::InvalidTransition
    );
    // A second account for the same enterprise is allowed.
    e.app
        .register_enterprise(
            &reg(
                "self1b",
                &f1.uscc,
                &f1.name_zh,
                "13800000002",
                "long-enough-pw",
            ),
            LOCAL,
        )
        .await
        .unwrap();

    // Refused: a reason is required, and the registrant sees it; it still acts for nobody.
    let r = e
        .app
        .register_enterprise(
            &reg(
                "self2",
                &f2.uscc,
                &f2.name_zh,
                "13800000003",
                "long-enough-pw",
            ),
            LOCAL,
        )
        .await
        .unwrap();
    let no = |note: Option<&str>| AccountDecision {
        confirm: false,
        note: note.map(str::to_string),
    };
    let err = e
        .app
        .decide_enterprise_account(&office, &r.user_id, &no(None))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["note"]);
    e.app
        .decide_enterprise_account(&office, &r.user_id, &no(Some("联系人非本企业员工")))
        .await
        .unwrap();
    let refused = as_principal(&e, "self2").await;
    let mine = e.app.my_account_link(&refused).await.unwrap().unwrap();
    assert_eq!(
        (mine.status.as_str(), mine.note.as_deref()),
        ("refused", Some("联系人非本企业员工"))
    );
    assert_eq!(e.app.my_enterprise(&refused).await.unwrap(), None);

    // One address makes at most five accounts in a quarter of an hour (a refused form does
    // not count); the sixth is refused with when to try again.
    let far = std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));
    for i in 0..6 {
        let r = e
            .app
            .register_enterprise(
                &reg(
                    &format!("burst{i}"),
                    &firms[5].uscc,
                    &firms[5].name_zh,
                    "13800000009",
                    "long-enough-pw",
                ),
                far,
            )
            .await;
        match i {
            5 => {
                let err = r.unwrap_err();
                assert_eq!(err.code, ErrorCode::TooManyAttempts);
                assert!(err.retry_after_s.is_some());
            }
            _ => assert!(r.is_ok(), "{i}: {r:?}"),
        }
    }
    assert!(e.store.user_by_name("burst5").await.unwrap().is_none());
    // Over HTTP: a bad registration is problem JSON naming its fields; a good one is 201,
    // signs in, and reads its own link; a taken user name is a conflict.
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{base}/api/v1/registrations"))
        .json(
            &json!({"username": "web1", "password": "long-enough-pw", "uscc": "123",
            "company_name": "x", "contact_name": "周", "contact_phone": "13800000004"}),
        )
        .go()
        .await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "uscc");
    let body = json!({"username": "web1", "password": "long-enough-pw", "uscc": firms[3].uscc,
        "company_name": firms[3].name_zh, "contact_name": "周", "contact_phone": "13800000004"});
    let r = http
        .post(format!("{base}/api/v1/registrations"))
        .json(&body)
        .go()
        .await;
    assert_eq!(r.status(), 201);
    let r = http
        .post(format!("{base}/api/v1/registrations"))
        .json(&body)
        .go()
        .await;
    assert_eq!(r.status(), 409);
    let tok: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "web1", "password": "long-enough-pw"}))
        .value()
        .await;
    let link: Value = http
        .get(format!("{base}/api/v1/me/enterprise"))
        .bearer_auth(tok["token"].as_str().unwrap())
        .value()
        .await;
    assert_eq!(link["status"], "pending");
    // The pages: /register answers a bad field next to it (and keeps what was typed, never
    // the password); a good registration says what happens next; the office's page lists it.
    let (csrf, token) = crate::web::public_form(&http, &base, "/register").await;
    let post = |body: String| {
        http.post(format!("{base}/register"))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::COOKIE, format!("{csrf}; lang=en"))
            .body(body)
    };
    let enc = crate::web::urlencode;
    let form = |uscc: &str, name: &str| {
        format!(
            "csrf={token}&uscc={}&company_name={}&contact_name=Zhou&contact_phone=13800000005\
             &username=page1&password=long-enough-pw",
            enc(uscc),
            enc(name)
        )
    };
    let r = post(form(&firms[4].uscc, "Not Its Name")).go().await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"id="company_name-error""#), "{html}");
    assert!(html.contains(&firms[4].uscc) && !html.contains("long-enough-pw"));
    let r = post(form(&firms[4].uscc, &firms[4].name_en)).go().await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(r#"id="registered""#));
    let html = crate::web::page_text(&http, &format!("{base}/industry/accounts"), "lang=en").await;
    assert!(!html.contains("page1"), "not for the public");
    drop(_stop);
    e.cleanup().await;
}
both_backends!(
    enterprise_accounts_linked_registered_confirmed_refused,
    super::accounts
);

/// The partner reserve, on both backends: a head enterprise authorises firms (scope, dates),
/// each refusal naming its field; a firm that is no head keeps none; the partner sees the
/// reserve it is in; removal keeps the record; the office keeps any head's; the chain verifies.
async fn reserve(backend: Backend) {
    use corridor_app::industry::NewPartner;
    let Some(e) = env(backend, date!(2027 - 03 - 01)).await else {
        return;
    };
    let mut firms = generate::enterprises(30, 11);
    firms[0].flags.head = true;
    firms[1].flags.head = false;
    e.app.upsert_enterprises(&firms).await.unwrap();
    let head = crate::helpers::enterprise_account(&e, "head.a", Some(&firms[0].uscc)).await;
    let sme = crate::helpers::enterprise_account(&e, "sme.b", Some(&firms[1].uscc)).await;
    let office = staff(Role::JointOffice);
    let n = |partner: &str, from: &str, until: Option<&str>| NewPartner {
        partner_uscc: partner.into(),
        scope: "航空复合材料预浸料供应".into(),
        authorised_on: from.into(),
        valid_until: until.map(str::to_string),
        head_uscc: None,
    };
    // Every bad field at once: itself, no scope, a date that is none.
    let mut bad = n(&firms[0].uscc, "2027-02-30", None);
    bad.scope = " ".into();
    let err = e.app.add_partner(&head, &bad).await.unwrap_err();
    let mut got = fields(&err);
    got.sort();
    assert_eq!(got, ["authorised_on", "partner_uscc", "scope"], "{err:?}");
    let err = e
        .app
        .add_partner(&head, &n(&firms[1].uscc, "2027-01-10", Some("2026-12-31")))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["valid_until"]);
    // Two partners, one of them already past its end.
    let v = e
        .app
        .add_partner(&head, &n(&firms[1].uscc, "2027-01-10", None))
        .await
        .unwrap();
    assert!(v.in_force);
    let old = e
        .app
        .add_partner(&head, &n(&firms[2].uscc, "2025-01-01", Some("2026-12-31")))
        .await
        .unwrap();
    assert!(!old.in_force);
    assert_eq!(e.app.partner_reserve(&head, None).await.unwrap().len(), 2);
    // A firm that is no head keeps no reserve, nor edits another's; it sees where it stands.
    assert_eq!(
        refused(
            e.app
                .add_partner(&sme, &n(&firms[3].uscc, "2027-01-10", None))
        )
        .await,
        ErrorCode::Forbidden
    );
    let mut other = n(&firms[3].uscc, "2027-01-10", None);
    other.head_uscc = Some(firms[0].uscc.clone());
    assert_eq!(
        e.app.add_partner(&sme, &other).await.unwrap_err().code,
        ErrorCode::Forbidden
    );
    let held = e.app.reserves_holding_me(&sme).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].head_uscc, firms[0].uscc);
    // Removed: out of the list, kept in the record; removing again is not found.
    e.app
        .remove_partner(&head, None, &firms[2].uscc)
        .await
        .unwrap();
    assert_eq!(e.app.partner_reserve(&head, None).await.unwrap().len(), 1);
    assert_eq!(
        refused(e.app.remove_partner(&head, None, &firms[2].uscc)).await,
        ErrorCode::NotFound
    );
    // The office names the head enterprise, and sees every reserve.
    let err = e
        .app
        .add_partner(&office, &n(&firms[3].uscc, "2027-01-10", None))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["head_uscc"]);
    e.app.add_partner(&office, &other).await.unwrap();
    assert_eq!(e.app.partner_reserve(&office, None).await.unwrap().len(), 2);
    chain_is(
        &e,
        &format!("reserve:{}", firms[0].uscc),
        &[
            "add_partner",
            "add_partner",
            "remove_partner",
            "add_partner",
        ],
    )
    .await;
    // The page: the head enterprise's reserve and its form; the partner's "reserves I am in".
    let (base, _stop) = e.serve().await;
    let http = reqwest::Client::new();
    for (user, shows, hides) in [
        ("head.a", r#"id="reserve-form""#, r#"id="holding-me""#),
        ("sme.b", r#"id="holding-me""#, r#"id="reserve-form""#),
    ] {
        let cookie = page_cookie(&http, &base, user, "zh").await;
        let html = crate::web::page_text(&http, &format!("{base}/industry/reserve"), cookie).await;
        assert!(
            html.contains(shows) && !html.contains(hides),
            "{user}: {html}"
        );
        assert!(html.contains("航空复合材料预浸料供应"), "{user}");
    }
    drop(_stop);
    e.cleanup().await;
}
both_backends!(partner_reserve_kept_by_head_enterprises, super::reserve);
