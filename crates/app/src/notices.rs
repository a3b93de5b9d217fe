//! Notices to applicants (issue #27): written by the single writer in the transaction of the
//! change they tell of, shown on the applicant's pages, and mailed through the SMTP server of
//! the configuration by [`App::start_mailer`] — the notice row is the mail's outbox entry, so a
//! mail is neither lost (it waits until the server accepts it) nor sent twice (it is marked
//! sent in the database the moment the server accepts it; only a crash between those two makes
//! a second attempt, which carries the same `Message-ID`).

use crate::error::{AppError, AppResult};
use crate::paging::Page;
use crate::reference::Reference;
use crate::App;
use corridor_domain::case::{Principal, Role};
use corridor_domain::notice::{self, About, NoticeKind};
use corridor_store::{CaseRecord, Contact, NewNotice, NoticeRecord, Store};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The notice of `kind` for case `c` (after the change), to its applicant's account; none when
/// the case has no account behind it (filed at a window for someone without one).
/// The notice of a licence's revocation to the case's applicant (on the node that holds their
/// account: none elsewhere), quoting the issuing authority's reason.
pub(crate) fn revocation_notice(
    r: &Reference,
    c: &CaseRecord,
    reason: &str,
    now_ms: i64,
) -> Option<NewNotice> {
    let mut c = c.clone();
    c.reason = Some(reason.to_string());
    new_notice(r, &c, NoticeKind::LicenceRevoked, now_ms, None)
}

pub(crate) fn new_notice(
    r: &Reference,
    c: &CaseRecord,
    kind: NoticeKind,
    now_ms: i64,
    amount: Option<&corridor_domain::amount::Computed>,
) -> Option<NewNotice> {
    let (amount_zh, amount_en) = amount
        .filter(|_| kind == NoticeKind::Decided)
        .map(|a| (a.summary(true), a.summary(false)))
        .unwrap_or_default();
    let user = c.applicant_user?;
    let m = r.matter(&c.matter_code, c.catalogue_version);
    let a = r.authorities.get(&c.competent_authority);
    let status_en = c.status.as_str().replace('_', " ");
    let about = About {
        receipt_no: &c.receipt_no,
        matter_zh: m.map_or("", |m| m.name_zh.as_str()),
        matter_en: m.map_or("", |m| m.name_en.as_str()),
        status_zh: c.status.label_zh(),
        status_en: &status_en,
        reason: c
            .reason
            .as_deref()
            .filter(|_| notice::quotes_reason(kind, c.status)),
        authority_zh: a.map_or("", |a| a.name_zh.as_str()),
        authority_en: a.map_or("", |a| a.name_en.as_str()),
        amount_zh: &amount_zh,
        amount_en: &amount_en,
    };
    let zh = notice::text(kind, &about, true);
    let en = notice::text(kind, &about, false);
    Some(NewNotice {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: user.to_string(),
        case_id: c.id.to_string(),
        kind: kind.as_str().to_string(),
        created_ms: now_ms,
        zh: (zh.subject, zh.body),
        en: (en.subject, en.body),
    })
}

/// A notice as its applicant reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    pub id: String,
    pub case_id: String,
    pub kind: NoticeKind,
    /// The language it is written in (`zh` or `en`), the account's choice when it was made.
    pub lang: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    /// By e-mail: `pending` (not yet accepted by the mail server) or `sent`; absent when the
    /// account has no address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
}

impl From<NoticeRecord> for NoticeView {
    fn from(n: NoticeRecord) -> NoticeView {
        NoticeView {
            kind: NoticeKind::parse(&n.kind).unwrap_or(NoticeKind::Received),
            id: n.id,
            case_id: n.case_id,
            lang: n.lang,
            subject: n.subject,
            body: n.body,
            created_at: crate::cases::rfc3339(n.created_ms),
            mail: n.mail_state,
        }
    }
}

/// An account's choice for notices: an e-mail address (none: notices on the pages only) and
/// the language they are written in.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeSettings {
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// `zh` (the default) or `en`.
    #[serde(default = "zh")]
    pub lang: String,
}

fn zh() -> String {
    "zh".into()
}

/// Where mail goes: the SMTP server (a relay on this machine or the service centre's, which
/// does TLS onwards) and the sender's address.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
}

impl MailConfig {
    /// From `smtp://host[:port]` (port 25 by default) and the sender's address.
    pub fn parse(url: &str, from: &str) -> Result<MailConfig, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("{url}: an SMTP URL starts with smtp://"))?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| format!("{url}: the port is a number from 1 to 65535"))?,
            ),
            None => (rest, 25),
        };
        if host.is_empty() || port == 0 {
            return Err(format!("{url}: give a host and a port"));
        }
        let from = notice::check_email(from).map_err(|e| format!("--mail-from: {e}"))?;
        Ok(MailConfig {
            host: host.to_string(),
            port,
            from,
        })
    }
}

/// The longest wait between two attempts at one mail.
const MAX_BACKOFF_MS: i64 = 10 * 60 * 1000;

impl App {
    /// The signed-in applicant's notices, newest first.
    pub async fn notices(
        &self,
        p: &Principal,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> AppResult<Page<NoticeView>> {
        if p.role != Role::Applicant {
            return Err(
                AppError::forbidden("notices are the applicant's").with_zh("通知仅发给申请人")
            );
        }
        let (page, per_page) = (
            page.unwrap_or(1).max(1),
            per_page.unwrap_or(20).clamp(1, 100),
        );
        let (items, total) = self
            .store
            .notices_of(&p.user_id.to_string(), per_page, (page - 1) * per_page)
            .await?;
        Ok(Page::exact(
            items.into_iter().map(NoticeView::from).collect(),
            total,
            page,
            per_page,
        ))
    }

    /// The notices of one case, to whoever may see the case.
    pub async fn case_notices(&self, p: &Principal, id: uuid::Uuid) -> AppResult<Vec<NoticeView>> {
        let c = self.load_visible(p, id).await?;
        Ok(self
            .store
            .notices_of_case(&c.id.to_string())
            .await?
            .into_iter()
            .map(NoticeView::from)
            .collect())
    }

    pub async fn notice_settings(&self, p: &Principal) -> AppResult<NoticeSettings> {
        let c = self.store.contact_of(&p.user_id.to_string()).await?;
        Ok(match c {
            Some(c) => NoticeSettings {
                email: c.email,
                lang: c.lang,
            },
            None => NoticeSettings {
                email: None,
                lang: zh(),
            },
        })
    }

    /// Sets the account's address and language for notices (applicants).
    pub async fn set_notice_settings(
        &self,
        p: &Principal,
        s: &NoticeSettings,
    ) -> AppResult<NoticeSettings> {
        if p.role != Role::Applicant {
            return Err(
                AppError::forbidden("notices are the applicant's").with_zh("通知仅发给申请人")
            );
        }
        let mut errors = Vec::new();
        let email = match s.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            None => None,
            Some(e) => match notice::check_email(e) {
                Ok(e) => Some(e),
                Err(why) => {
                    errors.push(corridor_domain::catalogue::FieldError::new(
                        "email",
                        why,
                        "电子邮箱格式不正确（如 name@example.org，最长 254 个字符）",
                    ));
                    None
                }
            },
        };
        if !matches!(s.lang.as_str(), "zh" | "en") {
            errors.push(corridor_domain::catalogue::FieldError::new(
                "lang",
                "zh or en",
                "应为 zh 或 en",
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::fields(errors));
        }
        let contact = Contact {
            email,
            lang: s.lang.clone(),
        };
        let (user, now) = (p.user_id.to_string(), self.now_ms());
        let c = contact.clone();
        self.write(Box::new(move |tx| {
            let (user, c) = (user.clone(), c.clone());
            Box::pin(async move { Ok(Store::set_contact(tx, &user, &c, now).await?) })
        }))
        .await?;
        Ok(NoticeSettings {
            email: contact.email,
            lang: contact.lang,
        })
    }

    /// Mails waiting, failing and sent (for `/metrics`).
    pub async fn mail_counts(&self) -> AppResult<corridor_store::MailCounts> {
        Ok(self.store.mail_counts().await?)
    }

    /// One pass of the mailer: every mail due is offered to the SMTP server; each outcome is
    /// recorded through the single writer (sent, or the time of the next attempt). Returns how
    /// many were sent.
    pub async fn mail_due(&self, cfg: &MailConfig, limit: i64) -> AppResult<usize> {
        use lettre::AsyncTransport;
        let due = self.store.mail_due(self.now_ms(), limit).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let transport =
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(&cfg.host)
                .port(cfg.port)
                .timeout(Some(std::time::Duration::from_secs(20)))
                .build();
        let mut sent = 0;
        for n in due {
            let outcome = match mail_of(cfg, &n) {
                Ok(m) => match transport.send(m).await {
                    Ok(_) => Ok(self.now_ms()),
                    Err(e) => Err(e.to_string()),
                },
                // A message that cannot be built will never go: it waits, with the reason,
                // at the longest back-off, counted as failing.
                Err(e) => Err(e),
            };
            let outcome = match outcome {
                Ok(at) => {
                    sent += 1;
                    Ok(at)
                }
                Err(e) => {
                    // The server's answer may quote the address: kept and logged masked.
                    let e = corridor_domain::notice::mask_addresses(&e);
                    let wait = (1000i64 << n.attempts.clamp(0, 20)).min(MAX_BACKOFF_MS);
                    tracing::warn!(notice = %n.id, attempts = n.attempts + 1, error = %e, "mail not sent");
                    Err((
                        self.now_ms() + wait,
                        e.chars().take(500).collect::<String>(),
                    ))
                }
            };
            let id = n.id.clone();
            self.write(Box::new(move |tx| {
                let (id, o) = (id.clone(), outcome.clone());
                Box::pin(async move { Ok(Store::mail_attempted(tx, &id, o).await?) })
            }))
            .await?;
        }
        Ok(sent)
    }

    /// Mails in the background: at once when a notice with an address is written, and every
    /// `every` for retries, as long as the process runs.
    pub fn start_mailer(self: &Arc<Self>, cfg: MailConfig, every: std::time::Duration) {
        let app = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                {
                    let Some(app) = app.upgrade() else { return };
                    let _ = tokio::time::timeout(every, app.mail_ready.notified()).await;
                }
                let Some(app) = app.upgrade() else { return };
                if let Err(e) = app.mail_due(&cfg, 200).await {
                    tracing::warn!(error = %e, "mail pass failed");
                }
            }
        });
    }
}

/// The e-mail of a notice: plain text, UTF-8, its `Message-ID` the notice's id (a repeated
/// attempt is recognisably the same mail).
fn mail_of(cfg: &MailConfig, n: &NoticeRecord) -> Result<lettre::Message, String> {
    let to = n.mail_to.as_deref().ok_or("no address")?;
    lettre::Message::builder()
        .from(cfg.from.parse().map_err(|e| format!("from: {e}"))?)
        .to(to.parse().map_err(|e| format!("to: {e}"))?)
        .subject(n.subject.clone())
        .message_id(Some(format!("<{}@corridor.notice>", n.id)))
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(n.body.clone())
        .map_err(|e| e.to_string())
}
