//! Notices (issue #27): the applicant is told when a case is received, a correction is asked
//! for and a decision is made — on their page and by e-mail through a real SMTP server on
//! loopback, in the language they chose; a mail waits while the server refuses it and goes
//! once it accepts, never twice.

use crate::cases::{act, attach_required, branch_filing};
use crate::helpers::{applicant, env, reviewer, Backend};
use crate::smtp::{Mail, SmtpServer};
use base64::Engine;
use corridor_app::notices::{MailConfig, NoticeSettings};
use corridor_domain::case::Action;
use corridor_domain::catalogue::ServiceMode;
use corridor_domain::notice::NoticeKind;
use time::macros::date;

/// The text of a MIME header or body as sent: encoded words (RFC 2047) and base64 or
/// quoted-printable bodies decoded.
fn decode_words(s: &str) -> String {
    let mut out = String::new();
    for part in s.split_whitespace() {
        match part
            .strip_prefix("=?utf-8?b?")
            .or_else(|| part.strip_prefix("=?UTF-8?B?"))
            .and_then(|p| p.strip_suffix("?="))
        {
            Some(b) => out.push_str(&String::from_utf8_lossy(
                &base64::engine::general_purpose::STANDARD.decode(b).unwrap(),
            )),
            None => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(part)
            }
        }
    }
    out
}

fn body_of(m: &Mail) -> String {
    let body = m.data.split_once("\r\n\r\n").map(|x| x.1).unwrap_or("");
    match m.header("Content-Transfer-Encoding").as_deref() {
        Some("base64") => String::from_utf8_lossy(
            &base64::engine::general_purpose::STANDARD
                .decode(body.split_whitespace().collect::<String>())
                .unwrap(),
        )
        .into_owned(),
        Some("quoted-printable") => {
            let joined = body.replace("=\r\n", "");
            let b = joined.as_bytes();
            let (mut out, mut i) = (Vec::new(), 0);
            while i < b.len() {
                if b[i] == b'=' && i + 2 < b.len() {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                } else {
                    out.push(b[i]);
                    i += 1;
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        _ => body.to_string(),
    }
}

pub async fn notices_by_mail(backend: Backend) {
    let today = date!(2026 - 11 - 02);
    let Some(env) = env(backend, today).await else {
        return;
    };
    let app = &env.app;
    let smtp = SmtpServer::start().await;
    let cfg = MailConfig::parse(&smtp.url(), "noreply@corridor.test").unwrap();
    assert!(MailConfig::parse("http://x", "a@b.org").is_err());
    assert!(MailConfig::parse("smtp://127.0.0.1:x", "a@b.org").is_err());
    let me = applicant();
    // The address and language are checked: each refusal names its field.
    for (email, lang, field) in [
        ("not-an-address", "zh", "email"),
        ("a@example.org", "fr", "lang"),
    ] {
        let s = NoticeSettings {
            email: Some(email.into()),
            lang: lang.into(),
        };
        let e = app.set_notice_settings(&me, &s).await.unwrap_err();
        assert_eq!(e.fields[0].field, field, "{e:?}");
    }
    let e = app
        .set_notice_settings(
            &reviewer("310117-market"),
            &NoticeSettings {
                email: None,
                lang: "zh".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, corridor_app::ErrorCode::Forbidden);
    let settings = NoticeSettings {
        email: Some(" wang.wei@example.org ".into()),
        lang: "zh".into(),
    };
    let saved = app.set_notice_settings(&me, &settings).await.unwrap();
    assert_eq!(saved.email.as_deref(), Some("wang.wei@example.org"));

    // Filed online: "received". The reviewer asks for a correction: told, with the request.
    let c = app
        .file_case(&me, branch_filing(None, ServiceMode::FullyOnline))
        .await
        .unwrap();
    attach_required(app, &me, c.id).await;
    let rev = reviewer("310117-market");
    app.act(&rev, c.id, act(Action::Accept)).await.unwrap();
    let mut ask = act(Action::RequestCorrection);
    ask.reason = Some("请补交经营场所使用证明".into());
    app.act(&rev, c.id, ask).await.unwrap();
    let list = app.notices(&me, None, None).await.unwrap();
    let kinds: Vec<NoticeKind> = list.items.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        [NoticeKind::CorrectionAsked, NoticeKind::Received],
        "newest first"
    );
    assert!(list
        .items
        .iter()
        .all(|n| n.mail.as_deref() == Some("pending")));
    let asked = &list.items[0];
    assert_eq!(asked.lang, "zh");
    assert!(
        asked.body.contains("请补交经营场所使用证明"),
        "{}",
        asked.body
    );
    assert!(asked.subject.contains(&c.receipt_no));

    // Mailed through the SMTP server, once.
    assert_eq!(app.mail_due(&cfg, 100).await.unwrap(), 2);
    assert_eq!(app.mail_due(&cfg, 100).await.unwrap(), 0);
    let mails = smtp.received();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let m = mails
        .iter()
        .find(|m| decode_words(&m.header("Subject").unwrap()).contains("请补正材料"))
        .expect("the correction's mail");
    assert_eq!(m.to, ["wang.wei@example.org"]);
    assert_eq!(m.from, "noreply@corridor.test");
    assert!(decode_words(&m.header("Subject").unwrap()).contains(&c.receipt_no));
    assert!(
        body_of(m).contains("请补交经营场所使用证明"),
        "{}",
        body_of(m)
    );
    assert_eq!(
        m.header("Message-ID").as_deref(),
        Some(format!("<{}@corridor.notice>", asked.id).as_str())
    );
    let list = app.notices(&me, None, None).await.unwrap();
    assert!(list.items.iter().all(|n| n.mail.as_deref() == Some("sent")));

    // In English from now on. The server refuses for a while: the decision's mail waits,
    // counted as failing, and goes when the server takes it again.
    app.set_notice_settings(
        &me,
        &NoticeSettings {
            email: Some("wang.wei@example.org".into()),
            lang: "en".into(),
        },
    )
    .await
    .unwrap();
    // A correction that named no material needs no new file.
    app.act(&me, c.id, act(Action::Resubmit)).await.unwrap();
    app.act(&rev, c.id, act(Action::Approve)).await.unwrap();
    smtp.refuse.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(app.mail_due(&cfg, 100).await.unwrap(), 0);
    let counts = app.mail_counts().await.unwrap();
    assert_eq!((counts.pending, counts.failing, counts.sent), (1, 1, 2));
    // Not due again before its back-off has passed.
    smtp.refuse
        .store(false, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(app.mail_due(&cfg, 100).await.unwrap(), 0);
    env.clock.set(
        today
            .with_hms(10, 5, 0)
            .unwrap()
            .assume_offset(corridor_domain::clock::CST),
    );
    assert_eq!(app.mail_due(&cfg, 100).await.unwrap(), 1);
    let mails = smtp.received();
    assert_eq!(mails.len(), 3);
    let decided = &mails[2];
    let subject = decode_words(&decided.header("Subject").unwrap());
    assert!(subject.starts_with("Case decided"), "{subject}");
    assert!(body_of(decided).contains("Establishment registration of a branch"));
    // An approval does not quote the reason the case still holds from the correction.
    assert!(!body_of(decided).contains("请补交"), "{}", body_of(decided));
    let counts = app.mail_counts().await.unwrap();
    assert_eq!((counts.pending, counts.failing, counts.sent), (0, 0, 3));
    // The case's notices, to whoever may see the case (its reviewer too).
    let of_case = app.case_notices(&rev, c.id).await.unwrap();
    assert_eq!(of_case.len(), 3);
    assert_eq!(of_case[0].kind, NoticeKind::Decided);
    assert_eq!(of_case[0].lang, "en");
    // Mails not yet sent follow the account's choice: a new address takes them; with the
    // address removed none goes, and the notice stays on the page.
    let online = || branch_filing(None, ServiceMode::FullyOnline);
    app.file_case(&me, online()).await.unwrap();
    let moved = NoticeSettings {
        email: Some("li.na@example.org".into()),
        lang: "en".into(),
    };
    app.set_notice_settings(&me, &moved).await.unwrap();
    assert_eq!(app.mail_due(&cfg, 100).await.unwrap(), 1);
    assert_eq!(smtp.received()[3].to, ["li.na@example.org"]);
    app.file_case(&me, online()).await.unwrap();
    let none = NoticeSettings {
        email: None,
        lang: "en".into(),
    };
    app.set_notice_settings(&me, &none).await.unwrap();
    assert_eq!(app.mail_due(&cfg, 100).await.unwrap(), 0);
    let counts = app.mail_counts().await.unwrap();
    assert_eq!((counts.pending, counts.sent), (0, 4));
    let newest = &app.notices(&me, None, None).await.unwrap().items[0];
    assert_eq!(
        (newest.kind, newest.mail.as_deref()),
        (NoticeKind::Received, None)
    );
    assert_eq!(smtp.received().len(), 4);
    env.cleanup().await;
}

crate::both_backends!(
    notices_reach_the_applicant_by_mail,
    crate::notices::notices_by_mail
);

/// `corridor serve --smtp-url`: the server mails a notice through the SMTP server of its
/// configuration as soon as it is written (a real process, real sockets); a URL that is not
/// `smtp://` stops it with a message and a non-zero exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_mails_notices_through_its_smtp_server() {
    use crate::helpers::Go;
    let d = crate::cli::tmp();
    let o = crate::cli::corridor(&d, &["demo", "--cases", "0", "--enterprises", "0"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let port = crate::helpers::free_port().to_string();
    let bad = crate::cli::corridor(
        &d,
        &[
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--smtp-url",
            "http://mail",
        ],
        None,
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("smtp://"));
    let smtp = SmtpServer::start().await;
    let node = crate::helpers::Node::start(
        &d,
        &[
            "--smtp-url",
            &smtp.url(),
            "--mail-from",
            "noreply@corridor.test",
        ],
    )
    .expect("serve");
    let http = reqwest::Client::new();
    let api = |p: &str| format!("{}/api/v1{p}", node.url);
    let ok = http
        .post(api("/auth/login"))
        .json(&serde_json::json!({"username": "ent.340100", "password": "corridor-demo"}))
        .value()
        .await;
    let token = ok["token"].as_str().expect("token").to_string();
    let s = http
        .put(api("/me/notice-settings"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"email": "ent.340100@example.org", "lang": "en"}))
        .value()
        .await;
    assert_eq!(s["lang"], "en", "{s}");
    let filed = http
        .post(api("/cases"))
        .bearer_auth(&token)
        .json(&branch_filing(None, ServiceMode::FullyOnline))
        .go()
        .await;
    assert_eq!(filed.status(), 201);
    let receipt = filed.json::<serde_json::Value>().await.unwrap()["receipt_no"]
        .as_str()
        .unwrap()
        .to_string();
    let mut mails = Vec::new();
    for _ in 0..100 {
        mails = smtp.received();
        if !mails.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(mails.len(), 1, "mailed within 10 s");
    assert_eq!(mails[0].to, ["ent.340100@example.org"]);
    let subject = decode_words(&mails[0].header("Subject").unwrap());
    assert_eq!(subject, format!("Case received: {receipt}"));
    let listed = http.get(api("/notices")).bearer_auth(&token).value().await;
    assert_eq!(listed["total"], 1, "{listed}");
    let metrics = crate::helpers::get_text(&http, &format!("{}/metrics", node.url)).await;
    assert!(
        metrics.contains("corridor_mail{state=\"sent\"} 1"),
        "{metrics}"
    );
    drop(node);
    let _ = std::fs::remove_dir_all(&d);
}
