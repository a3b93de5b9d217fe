//! Who may file in whose name.
//!
//! An applicant account belongs to one natural person: it is bound to that person's verified
//! resident ID number when it is created. A filing names a natural person
//! ([`FILER_FIELDS`]: the applicant of a person's matter, the contact acting for an
//! enterprise). An applicant account may file only for its own person, or for a person who
//! has authorised it (an authorisation between the two ID numbers, for one matter or all, with
//! an end date, recorded by the grantor's own account or by a window clerk who saw the grantor
//! and the signed authorisation). A clerk filing or receiving at a window records whom they
//! saw: the person named, or an agent that person has authorised.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::App;
use corridor_domain::case::{Principal, Role, FILER_FIELDS};
use corridor_domain::catalogue::FieldError;
use corridor_domain::ids::{mask_resident_id, ResidentId};
use corridor_store::{AuthorisationRecord, IdentityCheck, Store};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// The longest an authorisation may run.
pub const MAX_AUTHORISATION_DAYS: i64 = 366;

/// A person authorises another to file in their name.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAuthorisation {
    /// The person who authorises. Left out by an applicant account (it is the account's own
    /// person); required of a clerk, who has seen that person and the signed authorisation.
    #[serde(default)]
    pub grantor_id: Option<String>,
    /// The person authorised to file (resident ID number).
    pub agent_id: String,
    /// One matter (its code), or every matter when left out.
    #[serde(default)]
    pub matter_code: Option<String>,
    /// The last day it is valid (YYYY-MM-DD), at most a year ahead.
    pub valid_until: String,
}

/// An authorisation as its parties see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuthorisationView {
    pub id: Uuid,
    pub grantor_id: String,
    pub agent_id: String,
    pub matter_code: Option<String>,
    /// Valid until the end of this day (China Standard Time).
    pub valid_until: String,
    pub revoked: bool,
    /// Whether the caller is the grantor (and so may revoke it).
    pub granted_by_me: bool,
}

fn field(field: &str, reason: &str, zh: &str) -> AppError {
    AppError::fields(vec![FieldError::new(field, reason, zh)])
}

/// A resident ID number in its one stored form, or a field error naming `name`.
pub fn canonical_id(name: &str, s: &str) -> AppResult<String> {
    ResidentId::parse(s)
        .map(|id| id.as_str().to_string())
        .map_err(|e| field(name, &e.to_string(), &e.zh()))
}

/// The person a form names as its filer, and under which field.
pub fn named_filer(form: &BTreeMap<String, Value>) -> Option<(&'static str, String)> {
    FILER_FIELDS.iter().find_map(|k| {
        form.get(*k)
            .and_then(Value::as_str)
            .map(|v| (*k, v.trim().to_ascii_uppercase()))
    })
}

impl App {
    /// Checks that `p` may file `form` for `matter`. For a clerk, `presenter` is the ID number
    /// of the person at the window (the named person when left out); the check to record
    /// comes back.
    pub(crate) async fn check_filer(
        &self,
        p: &Principal,
        matter: &str,
        form: &BTreeMap<String, Value>,
        presenter: Option<&str>,
    ) -> AppResult<Option<(String, Option<Uuid>)>> {
        let Some((key, named)) = named_filer(form) else {
            return Ok(None);
        };
        match p.role {
            Role::Applicant => {
                let own = p.resident_id.as_deref().ok_or_else(|| {
                    AppError::forbidden(
                        "this account is not bound to a verified identity; a window clerk \
                         can file for you after checking your ID",
                    )
                    .with_zh("此账号未绑定经核验的身份；窗口人员核验您的身份证件后可为您代办")
                })?;
                if own == named {
                    return Ok(None);
                }
                match self.authorised(&named, own, matter).await? {
                    Some(_) => Ok(None),
                    None => Err(not_authorised(key)),
                }
            }
            Role::Clerk => {
                let presenter = match presenter.map(str::trim).filter(|s| !s.is_empty()) {
                    Some(s) => canonical_id("identity_seen", s)?,
                    None => named.clone(),
                };
                if presenter == named {
                    return Ok(Some((presenter, None)));
                }
                match self.authorised(&named, &presenter, matter).await? {
                    Some(a) => Ok(Some((presenter, Some(a.id)))),
                    None => Err(not_authorised("identity_seen")),
                }
            }
            _ => Ok(None),
        }
    }

    async fn authorised(
        &self,
        grantor: &str,
        agent: &str,
        matter: &str,
    ) -> AppResult<Option<AuthorisationRecord>> {
        Ok(self
            .store
            .authorisation_for(grantor, agent, matter, self.now_ms())
            .await?)
    }

    /// Records an authorisation (see the module's rules).
    pub async fn authorise(
        &self,
        p: &Principal,
        n: NewAuthorisation,
    ) -> AppResult<AuthorisationView> {
        let grantor = match (p.role, &n.grantor_id) {
            (Role::Applicant, g) => {
                let own = p.resident_id.clone().ok_or_else(|| {
                    AppError::forbidden("this account is not bound to a verified identity")
                        .with_zh("此账号未绑定经核验的身份")
                })?;
                if g.as_deref()
                    .is_some_and(|g| g.trim().to_ascii_uppercase() != own)
                {
                    return Err(AppError::forbidden(
                        "an account authorises only in its own person's name",
                    )
                    .with_zh("账号只能以本人名义授权"));
                }
                own
            }
            (Role::Clerk, Some(g)) => canonical_id("grantor_id", g)?,
            (Role::Clerk, None) => {
                return Err(field(
                    "grantor_id",
                    "the ID number of the person authorising, as checked at the window",
                    "须填写在窗口核验过的授权人身份证号码",
                ))
            }
            _ => {
                return Err(AppError::forbidden(
                    "only the person themself or a window clerk records an authorisation",
                )
                .with_zh("只有本人或窗口人员可以登记授权"))
            }
        };
        let agent = canonical_id("agent_id", &n.agent_id)?;
        if agent == grantor {
            return Err(field(
                "agent_id",
                "a person need not authorise themself",
                "无须授权给本人",
            ));
        }
        if let Some(m) = &n.matter_code {
            if self.reference().current_matter(m).is_none() {
                return Err(field(
                    "matter_code",
                    "not a matter of the current catalogue",
                    "不是现行目录中的事项",
                ));
            }
        }
        let until = corridor_store::parse_date(n.valid_until.trim()).map_err(|_| {
            field(
                "valid_until",
                "a date as YYYY-MM-DD",
                "须为日期，格式 YYYY-MM-DD",
            )
        })?;
        let today = self.today();
        if until < today || (until - today).whole_days() > MAX_AUTHORISATION_DAYS {
            return Err(field(
                "valid_until",
                "from today to at most a year ahead",
                "须在今天至一年之内",
            ));
        }
        let now = self.now_ms();
        let end = until
            .next_day()
            .unwrap_or(until)
            .midnight()
            .assume_offset(corridor_domain::clock::CST)
            .unix_timestamp()
            * 1000;
        let rec = AuthorisationRecord {
            id: Uuid::now_v7(),
            grantor_id_no: grantor,
            agent_id_no: agent,
            matter_code: n.matter_code.clone(),
            valid_from_ms: now,
            valid_until_ms: end,
            recorded_by: format!("user:{}", p.user_id),
            recorded_ms: now,
            revoked_ms: None,
        };
        let r = rec.clone();
        let actor = p.user_id.to_string();
        let role = p.role.as_str();
        self.write(Box::new(move |conn| {
            let r = r.clone();
            let actor = actor.clone();
            Box::pin(async move {
                Store::insert_authorisation(conn, &r).await?;
                // The audit trail names the authorisation, not the persons (no personal data).
                Store::append_event(
                    conn,
                    "system:authorisations",
                    r.recorded_ms,
                    &actor,
                    role,
                    "authorise",
                    "{}".into(),
                    serde_json::json!({"authorisation": r.id, "matter": r.matter_code,
                        "valid_until_ms": r.valid_until_ms})
                    .to_string(),
                )
                .await?;
                Ok(())
            })
        }))
        .await?;
        Ok(view(&rec, p))
    }

    /// The authorisations the caller's person has given or been given.
    pub async fn authorisations(&self, p: &Principal) -> AppResult<Vec<AuthorisationView>> {
        let own = p.resident_id.as_deref().ok_or_else(|| {
            AppError::forbidden("this account is not bound to a verified identity")
                .with_zh("此账号未绑定经核验的身份")
        })?;
        Ok(self
            .store
            .authorisations_of(own)
            .await?
            .iter()
            .map(|a| view(a, p))
            .collect())
    }

    /// Revokes an authorisation: the grantor's own account, or a window clerk.
    pub async fn revoke_authorisation(&self, p: &Principal, id: Uuid) -> AppResult<()> {
        let a = self.store.authorisation(id).await?.ok_or_else(|| {
            AppError::not_found(format!("authorisation {id}")).with_zh(format!("授权 {id}"))
        })?;
        let grantor = p.resident_id.as_deref() == Some(a.grantor_id_no.as_str());
        if !(grantor && p.role == Role::Applicant) && p.role != Role::Clerk {
            return Err(AppError::forbidden(
                "only the grantor or a window clerk revokes an authorisation",
            )
            .with_zh("只有授权人或窗口人员可以撤销授权"));
        }
        let now = self.now_ms();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let out = done.clone();
        let actor = p.user_id.to_string();
        let role = p.role.as_str();
        self.write(Box::new(move |conn| {
            let out = out.clone();
            let actor = actor.clone();
            Box::pin(async move {
                if Store::revoke_authorisation(conn, id, now).await? {
                    out.store(true, std::sync::atomic::Ordering::Relaxed);
                    Store::append_event(
                        conn,
                        "system:authorisations",
                        now,
                        &actor,
                        role,
                        "revoke_authorisation",
                        "{}".into(),
                        serde_json::json!({"authorisation": id}).to_string(),
                    )
                    .await?;
                }
                Ok(())
            })
        }))
        .await?;
        if done.load(std::sync::atomic::Ordering::Relaxed) {
            Ok(())
        } else {
            Err(
                AppError::new(ErrorCode::Conflict, "the authorisation was already revoked")
                    .with_zh("该授权已被撤销"),
            )
        }
    }

    /// The identity checks recorded for a case, ID numbers masked unless the caller sees
    /// the case's personal data.
    pub async fn identity_checks(
        &self,
        case: Uuid,
        full: bool,
    ) -> AppResult<Vec<(String, String)>> {
        Ok(self
            .store
            .identity_checks(case)
            .await?
            .into_iter()
            .map(|c| {
                let id = if full {
                    c.presenter_id_no
                } else {
                    mask_resident_id(&c.presenter_id_no)
                };
                (c.action, id)
            })
            .collect())
    }
}

fn not_authorised(key: &str) -> AppError {
    let mut e = AppError::forbidden(
        "the person named here is not this account's own and has not authorised it to file \
         this matter for them",
    )
    .with_zh("此处填写的人不是本账号本人，也未授权本账号为其办理此事项");
    e.fields = vec![FieldError::new(
        key,
        "not the account holder, and no authorisation from this person",
        "不是账号本人，也没有此人的授权",
    )];
    e
}

fn view(a: &AuthorisationRecord, p: &Principal) -> AuthorisationView {
    let until = time::OffsetDateTime::from_unix_timestamp(a.valid_until_ms / 1000 - 1)
        .map(|t| t.to_offset(corridor_domain::clock::CST).date())
        .map(corridor_store::date_str)
        .unwrap_or_default();
    AuthorisationView {
        id: a.id,
        grantor_id: a.grantor_id_no.clone(),
        agent_id: a.agent_id_no.clone(),
        matter_code: a.matter_code.clone(),
        valid_until: until,
        revoked: a.revoked_ms.is_some(),
        granted_by_me: p.resident_id.as_deref() == Some(a.grantor_id_no.as_str()),
    }
}

/// What a clerk's check becomes when stored.
pub(crate) fn record(
    case: Uuid,
    action: &str,
    (presenter, authorisation): (String, Option<Uuid>),
    p: &Principal,
    at_ms: i64,
) -> IdentityCheck {
    IdentityCheck {
        case_id: case,
        action: action.into(),
        presenter_id_no: presenter,
        authorisation_id: authorisation,
        checked_by: p.user_id,
        window_id: p.window_id.clone(),
        at_ms,
    }
}
