//! Enterprise accounts for real users: an administrator links an account to an enterprise of
//! the registry at once (`corridor user add --enterprise USCC`, the users API); anyone
//! registers an account for an enterprise (its USCC with a valid check character, the name the
//! registry holds for it, a contact), limited until the joint office confirms the link or
//! refuses it with a reason. Until confirmed the account acts for no enterprise: every rule
//! that asks "which enterprise does this account act for" answers none.

use super::*;
use corridor_domain::ids::{is_mobile, Uscc};
use corridor_store::EnterpriseAccountRow;

/// A link about to be made with a new account.
#[derive(Debug, Clone)]
pub struct Link {
    pub(crate) uscc: String,
    pub(crate) status: &'static str,
    company_name: Option<String>,
    contact_phone: Option<String>,
}

impl Link {
    pub(crate) fn confirmed(uscc: String) -> Link {
        Link {
            uscc,
            status: "confirmed",
            company_name: None,
            contact_phone: None,
        }
    }

    pub(crate) fn row(&self, user: Uuid, now: i64) -> EnterpriseAccountRow {
        EnterpriseAccountRow {
            user_id: user.to_string(),
            uscc: self.uscc.clone(),
            status: self.status.into(),
            company_name: self.company_name.clone(),
            contact_phone: self.contact_phone.clone(),
            requested_ms: now,
            decided_by: None,
            decided_ms: None,
            note: None,
        }
    }
}

/// A self-registration: the account, the enterprise it is for and its contact.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    #[schema(min_length = 3, max_length = 64)]
    pub username: String,
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
    /// The enterprise's unified social credit code (18 characters, with its check character).
    #[schema(max_length = 18)]
    pub uscc: String,
    /// The enterprise's name as the registry holds it (Chinese or English).
    #[schema(max_length = 100)]
    pub company_name: String,
    /// The contact person's name (the account's display name).
    #[schema(max_length = 100)]
    pub contact_name: String,
    /// The contact person's mobile number (11 digits).
    #[schema(max_length = 11)]
    pub contact_phone: String,
}

/// An account's link to an enterprise.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountLink {
    pub user_id: String,
    pub username: String,
    pub contact_name: String,
    /// The mobile number (a link is shown only to the joint office and the account itself).
    pub contact_phone: Option<String>,
    pub uscc: String,
    pub enterprise_name_zh: String,
    pub enterprise_name_en: String,
    /// The name the registrant gave.
    pub company_name: Option<String>,
    /// `pending`, `confirmed` or `refused`.
    pub status: String,
    pub requested_at: Option<String>,
    /// The joint office's reason for a refusal.
    pub note: Option<String>,
}

/// The joint office's decision on a self-registered account.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountDecision {
    pub confirm: bool,
    /// Required to refuse: why (shown to the registrant).
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

fn field(f: &str, en: &str, zh: &str) -> FieldError {
    FieldError::new(f, en, zh)
}

fn is_office(p: &Principal) -> bool {
    matches!(p.role, Role::JointOffice | Role::Admin)
}

/// Names compared as people write them: without spaces, brackets of either width alike,
/// Latin letters in any case.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c.to_ascii_lowercase(),
            })
            .collect()
    };
    !a.trim().is_empty() && norm(a) == norm(b)
}

impl App {
    /// The USCC, checked (its check character) and present in the registry.
    pub(crate) async fn registered_uscc(&self, s: &str) -> AppResult<String> {
        Ok(self.registered_enterprise(s, "enterprise_uscc").await?.uscc)
    }

    async fn registered_enterprise(&self, s: &str, f: &str) -> AppResult<EnterpriseRow> {
        let u = Uscc::parse(s.trim())
            .map_err(|e| AppError::fields(vec![field(f, &e.to_string(), &e.zh())]))?;
        self.store.enterprise(u.as_str()).await?.ok_or_else(|| {
            AppError::fields(vec![field(
                f,
                "no enterprise with this code is in the corridor's registry",
                "走廊企业库中没有此统一社会信用代码",
            )])
        })
    }

    /// Registers an account for an enterprise; it is limited until the joint office confirms.
    /// One client address makes at most [`crate::limiter::PAIR_FAILURES`] accounts in
    /// [`crate::limiter::WINDOW_MS`] (then `too_many_attempts`, and longer each time).
    pub async fn register_enterprise(
        &self,
        r: &Registration,
        client: std::net::IpAddr,
    ) -> AppResult<AccountLink> {
        let lock = || AppError::new(ErrorCode::Internal, "lock").with_zh("内部锁异常");
        let now = self.now_ms();
        let attempt = self
            .register_limiter
            .lock()
            .map_err(|_| lock())?
            .admit(client, "register", now)
            .map_err(|r| r.error(("registrations", "注册")))?;
        let made = self.register(r).await;
        let mut l = self.register_limiter.lock().map_err(|_| lock())?;
        match &made {
            Ok(_) => {
                l.failed(attempt, now);
            }
            Err(_) => l.released(attempt),
        }
        made
    }

    async fn register(&self, r: &Registration) -> AppResult<AccountLink> {
        let mut errs = Vec::new();
        let ent = match self.registered_enterprise(&r.uscc, "uscc").await {
            Ok(e) => Some(e),
            Err(e) => {
                errs.extend(e.fields);
                None
            }
        };
        if let Some(e) = &ent {
            if !same_name(&r.company_name, &e.name_zh) && !same_name(&r.company_name, &e.name_en) {
                errs.push(field(
                    "company_name",
                    "is not the name the registry holds for this code",
                    "与企业库中该代码登记的名称不符",
                ));
            }
        }
        if r.company_name.chars().count() > 100 {
            errs.push(field(
                "company_name",
                "at most 100 characters",
                "最多 100 个字符",
            ));
        }
        let phone = r.contact_phone.trim().to_string();
        if !is_mobile(&phone) {
            errs.push(field(
                "contact_phone",
                "must be an 11-digit mobile number",
                "须为11位手机号码",
            ));
        }
        let n = crate::auth::NewUser {
            username: r.username.clone(),
            password: r.password.clone(),
            role: Role::Applicant,
            display_name: r.contact_name.clone(),
            window_id: None,
            authority_id: None,
            city: None,
            resident_id: None,
            enterprise_uscc: None,
        };
        let link = Link {
            uscc: ent.as_ref().map(|e| e.uscc.clone()).unwrap_or_default(),
            status: "pending",
            company_name: Some(r.company_name.trim().to_string()),
            contact_phone: Some(phone),
        };
        // The account's own checks join the enterprise's, so every field is answered at once.
        let made = if errs.is_empty() {
            self.create_account(&n, Some(link)).await
        } else {
            if let Err(e) = self.check_new_user(&n, true) {
                errs.extend(e.fields);
            }
            return Err(AppError::fields(errs));
        };
        let u = made?;
        let row = self
            .store
            .enterprise_account(&u.id.to_string())
            .await?
            .ok_or_else(|| AppError::internal("the link just made is gone"))?;
        tracing::info!(user = %u.id, uscc = %row.uscc, "enterprise account registered");
        self.account_link(&row).await
    }

    /// Links waiting for (or given) the joint office's decision.
    pub async fn enterprise_accounts(
        &self,
        p: &Principal,
        status: &str,
    ) -> AppResult<Vec<AccountLink>> {
        if !is_office(p) {
            return Err(
                AppError::forbidden("only the joint office sees the enterprise accounts")
                    .with_zh("只有联席办可以查看企业账号"),
            );
        }
        if !matches!(status, "pending" | "confirmed" | "refused") {
            return Err(AppError::fields(vec![field(
                "status",
                "one of pending, confirmed, refused",
                "须为 pending、confirmed 或 refused",
            )]));
        }
        let mut out = Vec::new();
        for r in self.store.enterprise_accounts(status, 200).await? {
            out.push(self.account_link(&r).await?);
        }
        Ok(out)
    }

    /// The caller's own link, if it has one (its status, and the office's reason).
    pub async fn my_account_link(&self, p: &Principal) -> AppResult<Option<AccountLink>> {
        match self
            .store
            .enterprise_account(&p.user_id.to_string())
            .await?
        {
            Some(r) => Ok(Some(self.account_link(&r).await?)),
            None => Ok(None),
        }
    }

    /// The joint office confirms a pending link, or refuses it with a reason.
    pub async fn decide_enterprise_account(
        &self,
        p: &Principal,
        user: &str,
        d: &AccountDecision,
    ) -> AppResult<AccountLink> {
        if !is_office(p) {
            return Err(
                AppError::forbidden("only the joint office confirms enterprise accounts")
                    .with_zh("企业账号由联席办确认"),
            );
        }
        let note = corridor_domain::text::field(
            "note",
            d.note.as_deref().unwrap_or(""),
            corridor_domain::text::Limit::paragraph(1000).optional(),
        )
        .map_err(|e| AppError::fields(vec![e]))?
        .unwrap_or_default();
        if !d.confirm && note.is_empty() {
            return Err(AppError::fields(vec![field(
                "note",
                "say why the account is refused",
                "请说明不予确认的理由",
            )]));
        }
        let (user, actor, now) = (user.to_string(), p.username.clone(), self.now_ms());
        let confirm = d.confirm;
        let u2 = user.clone();
        self.write(Box::new(move |tx| {
            let (user, actor, note) = (u2.clone(), actor.clone(), note.clone());
            Box::pin(async move {
                let mut row = Store::enterprise_account_in(tx, &user)
                    .await?
                    .ok_or_else(|| {
                        AppError::not_found(format!("enterprise account {user}"))
                            .with_zh(format!("未找到企业账号 {user}"))
                    })?;
                if row.status != "pending" {
                    return Err(AppError::new(
                        ErrorCode::InvalidTransition,
                        format!("the account is already {}", row.status),
                    )
                    .with_zh("该账号已处理"));
                }
                row.status = if confirm { "confirmed" } else { "refused" }.into();
                row.decided_by = Some(actor.clone());
                row.decided_ms = Some(now);
                row.note = (!note.is_empty()).then_some(note);
                Store::put_enterprise_account(tx, &row).await?;
                let after = serde_json::json!({"user": row.user_id, "uscc": row.uscc,
                    "status": row.status, "by": actor});
                Store::append_system_event(tx, "system:users", now, "decide_enterprise", &after)
                    .await?;
                Ok(())
            })
        }))
        .await?;
        let row = self
            .store
            .enterprise_account(&user)
            .await?
            .ok_or_else(|| AppError::internal("the link just decided is gone"))?;
        self.account_link(&row).await
    }

    /// A link as the office and the account itself see it (nobody else does).
    async fn account_link(&self, r: &EnterpriseAccountRow) -> AppResult<AccountLink> {
        let u = match r.user_id.parse() {
            Ok(id) => self.store.user_by_id(id).await?,
            Err(_) => None,
        };
        let e = self.store.enterprise(&r.uscc).await?;
        Ok(AccountLink {
            user_id: r.user_id.clone(),
            username: u.as_ref().map(|u| u.username.clone()).unwrap_or_default(),
            contact_name: u.map(|u| u.display_name).unwrap_or_default(),
            contact_phone: r.contact_phone.clone(),
            uscc: r.uscc.clone(),
            enterprise_name_zh: e.as_ref().map(|e| e.name_zh.clone()).unwrap_or_default(),
            enterprise_name_en: e.map(|e| e.name_en).unwrap_or_default(),
            company_name: r.company_name.clone(),
            status: r.status.clone(),
            requested_at: (r.requested_ms > 0).then(|| crate::cases::rfc3339(r.requested_ms)),
            note: r.note.clone(),
        })
    }
}
