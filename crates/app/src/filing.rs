//! Filing: the one rule of where and how a case may be filed, and filing itself.
//!
//! [`competent_city`], [`competent_authority`], [`route`] and [`identity_rule`] decide which
//! city's and which authority decides a matter, which role may file in which mode at which
//! window, and the identity check at a window. [`App::file_case`] and the filing pages (which check each step as it is
//! answered) both call them; a refusal names its field and says why in Chinese and English.

use crate::cases::CaseView;
use crate::documents::NewFile;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::reference::Reference;
use crate::writer::{IntakeJob, WriteJob};
use crate::App;
use corridor_domain::case::{Action, LegalClock, Principal, Role, Status};
use corridor_domain::catalogue::{Authority, FieldError, Matter, ServiceMode};
use corridor_store::CaseRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A filing.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileCase {
    /// Matter code from the current catalogue, e.g. `G60-MAR-001`.
    pub matter_code: String,
    /// The applicant's home city whose authority decides (GB/T 2260 code). A matter whose
    /// competent city comes from a form field (`competent_city_field` in the catalogue: the
    /// infringer's city for an IP complaint) takes it from there; this may then be left out, and
    /// when given it must be the same city.
    #[serde(default)]
    pub competent_city: String,
    pub mode: ServiceMode,
    /// The receiving window (remote receipt only).
    #[serde(default)]
    pub window_id: Option<String>,
    /// Form data by field key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub form: BTreeMap<String, Value>,
    /// Clerk filing on behalf: the applicant's identity was checked at the window.
    #[serde(default)]
    pub identity_checked: bool,
    /// Clerk: the resident ID number of the person at the window, when it is not the person
    /// the form names (an agent, who needs that person's authorisation). Recorded.
    #[serde(default)]
    pub identity_seen: Option<String>,
}

fn text_of(form: &BTreeMap<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| form.get(*k).and_then(Value::as_str))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Why a filing cannot go ahead: the field it concerns, an error code, and the reason in
/// Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub field: String,
    pub en: String,
    pub zh: String,
}

impl Refusal {
    fn new(
        code: ErrorCode,
        field: impl Into<String>,
        en: impl Into<String>,
        zh: impl Into<String>,
    ) -> Self {
        Refusal {
            code,
            field: field.into(),
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The reason in one language (`zh` or not).
    pub fn reason(&self, zh: bool) -> &str {
        if zh {
            &self.zh
        } else {
            &self.en
        }
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        let mut e = AppError::new(r.code, r.en.clone()).with_zh(r.zh.clone());
        if r.code != ErrorCode::Forbidden {
            e.fields = vec![FieldError::new(r.field, r.en, r.zh)];
        }
        e
    }
}

/// The city whose authority decides `matter`: the answer to the form field the matter names
/// ([`Matter::competent_city_field`]: where the infringement happens for an IP complaint, the
/// city a pension moves to), or else the applicant's home city as asked (`asked`). For a matter
/// with such a field, a city asked that is not the field's answer is refused.
pub fn competent_city(
    matter: &Matter,
    asked: &str,
    form: &BTreeMap<String, Value>,
) -> Result<String, Refusal> {
    let asked = asked.trim();
    let Some(f) = matter.competent_city_field() else {
        if asked.is_empty() {
            return Err(Refusal::new(
                ErrorCode::ValidationFailed,
                "city",
                "required: the applicant's home city, whose authority decides",
                "必填：申请人所在城市，由该市主管部门办理",
            ));
        }
        return Ok(asked.to_string());
    };
    let answer = form
        .get(&f.key)
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or("");
    if answer.is_empty() {
        return Err(Refusal::new(
            ErrorCode::ValidationFailed,
            f.key.clone(),
            format!("required: the city of '{}' decides this matter", f.label_en),
            format!("必填：该事项由“{}”所在城市的主管部门办理", f.label_zh),
        ));
    }
    if !asked.is_empty() && asked != answer {
        return Err(Refusal::new(
            ErrorCode::BadRequest,
            "city",
            format!(
                "this matter is decided in the city of '{}' ({answer}), not in {asked}",
                f.label_en
            ),
            format!(
                "该事项由“{}”所在城市（{answer}）的主管部门办理，而不是 {asked}",
                f.label_zh
            ),
        ));
    }
    Ok(answer.to_string())
}

/// The authority that decides `matter` in `city` (see [`competent_city`]): the city must be a
/// corridor member with an authority of the matter's kind.
pub fn competent_authority<'r>(
    r: &'r Reference,
    matter: &Matter,
    city: &str,
) -> Result<&'r Authority, Refusal> {
    let member = r.jurisdiction(city).filter(|j| j.member).ok_or_else(|| {
        Refusal::new(
            ErrorCode::BadRequest,
            "city",
            format!("{city} is not a member city"),
            format!("{city} 不是长三角G60科创走廊成员城市"),
        )
    })?;
    r.authorities
        .get(&Authority::id_for(
            member.code.as_str(),
            &matter.authority_kind,
        ))
        .ok_or_else(|| {
            Refusal::new(
                ErrorCode::BadRequest,
                "city",
                format!("{} has no competent authority for this matter", member.code),
                format!("{} 没有办理该事项的主管部门", member.code),
            )
        })
}

/// Where a filing is received and what happens at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The city that receives the filing (the window's, or the deciding city's online).
    pub receiving_city: String,
    pub window: Option<String>,
    /// The audit steps of the filing: a clerk's filing is received at once.
    pub steps: Vec<(&'static str, Status)>,
    /// The role the audit records.
    pub role: &'static str,
}

/// Whether a role files cases: applicants, and clerks at a window on their behalf.
pub fn files_cases(role: Role) -> bool {
    matches!(role, Role::Applicant | Role::Clerk)
}

/// The mode a role must file in, when it has no choice: a clerk files at the clerk's own window,
/// by remote receipt. An applicant chooses.
pub fn fixed_mode(role: Role) -> Option<ServiceMode> {
    (role == Role::Clerk).then_some(ServiceMode::RemoteReceipt)
}

/// The window a filing names, from what a form holds: an applicant filing by remote receipt
/// names the window chosen; a clerk's filing is at the clerk's own window and an online one at
/// none, so neither names one.
pub fn named_window(role: Role, mode: ServiceMode, chosen: &str) -> Option<String> {
    (role == Role::Applicant && mode == ServiceMode::RemoteReceipt).then(|| chosen.to_string())
}

/// Who may file in which mode, and where: an applicant online or at a chosen window (remote
/// receipt), a clerk at the clerk's own window in remote-receipt mode only. `deciding_city` is
/// where an online filing is received.
pub fn route(
    r: &Reference,
    p: &Principal,
    matter: &Matter,
    mode: ServiceMode,
    window_id: Option<&str>,
    deciding_city: &str,
) -> Result<Route, Refusal> {
    if !matter.modes.contains(&mode) {
        return Err(Refusal::new(
            ErrorCode::BadRequest,
            "mode",
            format!(
                "matter {} cannot be handled in mode {}",
                matter.code,
                mode.as_str()
            ),
            "该事项不能以所选方式办理",
        ));
    }
    if !files_cases(p.role) {
        return Err(Refusal::new(
            ErrorCode::Forbidden,
            "mode",
            format!("role {} does not file cases", p.role.as_str()),
            "该角色不能提交申请",
        ));
    }
    if fixed_mode(p.role).is_some_and(|m| m != mode) {
        return Err(Refusal::new(
            ErrorCode::BadRequest,
            "mode",
            "at a window, file in remote_receipt mode",
            "窗口代办须选择异地代收代办",
        ));
    }
    let submitted = vec![("submit", Status::Submitted)];
    match (p.role, mode) {
        (Role::Applicant, ServiceMode::RemoteReceipt) => {
            let w = window_id.and_then(|w| r.windows.get(w)).ok_or_else(|| {
                Refusal::new(
                    ErrorCode::BadRequest,
                    "window",
                    "remote receipt needs an existing receiving window (window_id)",
                    "异地代收代办须选择收件窗口",
                )
            })?;
            Ok(Route {
                receiving_city: w.city.to_string(),
                window: Some(w.id.clone()),
                steps: submitted,
                role: "applicant",
            })
        }
        (Role::Applicant, _) => match window_id {
            Some(_) => Err(Refusal::new(
                ErrorCode::BadRequest,
                "window",
                "only remote receipt goes through a window",
                "只有异地代收代办经由窗口收件",
            )),
            None => Ok(Route {
                receiving_city: deciding_city.to_string(),
                window: None,
                steps: submitted,
                role: "applicant",
            }),
        },
        _ => {
            // A clerk, by remote receipt (checked above).
            let own = p.window_id.clone().unwrap_or_default();
            if window_id.is_some_and(|w| w != own) {
                return Err(Refusal::new(
                    ErrorCode::Forbidden,
                    "window",
                    "a clerk files only at the clerk's own window",
                    "窗口人员只能在本窗口代办",
                ));
            }
            let w = r.windows.get(&own).ok_or_else(|| {
                Refusal::new(
                    ErrorCode::Forbidden,
                    "window",
                    "the clerk has no window",
                    "该窗口人员没有所属窗口",
                )
            })?;
            Ok(Route {
                receiving_city: w.city.to_string(),
                window: Some(own),
                steps: vec![("submit", Status::Submitted), ("receive", Status::Received)],
                role: "clerk",
            })
        }
    }
}

/// At a window the clerk checks the applicant's identity before filing.
pub fn identity_rule(p: &Principal, identity_checked: bool) -> Result<(), Refusal> {
    if p.role == Role::Clerk && !identity_checked {
        return Err(Refusal::new(
            ErrorCode::ValidationFailed,
            "identity_checked",
            "the applicant's identity must be checked at the window",
            "须在窗口核验申请人身份",
        ));
    }
    Ok(())
}

impl App {
    /// Files a case. The answer (with the receipt number) comes only after the case and its
    /// audit event are committed to disk.
    pub async fn file_case(&self, p: &Principal, req: FileCase) -> AppResult<CaseView> {
        self.file_case_as(p, req, Uuid::now_v7(), Vec::new()).await
    }

    /// Files a case with files for its materials (`(material, file)`), all checked before
    /// anything is stored: the files are on disk before the case, and the case, its files'
    /// records and their audit events commit together before the answer (one trip through the
    /// single writer instead of one for the case and one a file).
    pub async fn file_case_with_materials(
        &self,
        p: &Principal,
        req: FileCase,
        files: Vec<(usize, NewFile)>,
    ) -> AppResult<CaseView> {
        self.file_case_as(p, req, Uuid::now_v7(), files).await
    }

    /// Files a case under an id the caller chose (one derived from what opens it, so that a
    /// retry finds the case it filed before instead of filing another).
    pub(crate) async fn file_case_as(
        &self,
        p: &Principal,
        req: FileCase,
        id: Uuid,
        files: Vec<(usize, NewFile)>,
    ) -> AppResult<CaseView> {
        let r = self.reference();
        let matter = r.current_matter(&req.matter_code).ok_or_else(|| {
            AppError::not_found(format!(
                "matter {} is not in the current catalogue",
                req.matter_code
            ))
            .with_zh(format!("事项 {} 不在现行目录中", req.matter_code))
        })?;
        if !matter.modes.contains(&req.mode) {
            // The mode first, as before the city (the order the API has always answered in).
            route(&r, p, matter, req.mode, None, "")?;
        }
        if req.mode == ServiceMode::MultiSite && !matter.parts.is_empty() {
            return Err(Refusal::new(
                ErrorCode::BadRequest,
                "mode",
                "this matter's parts are decided in several cities: file it once as a joint filing (POST /api/v1/joint, or \"Multi-site: file once for all parts\" on the matter's page)",
                "该事项各部分由不同城市办理：请作为联办申请一次提交（事项页面的“多地联办：一次提交”）",
            )
            .into());
        }
        let city = competent_city(matter, &req.competent_city, &req.form)?;
        let authority = competent_authority(&r, matter, &city)?;
        let intake = self.intake(p, &r, matter, authority, &req, id).await?;
        let kept = self
            .keep_filed_materials(p, &intake.case, matter, files)
            .await?;
        let notify = intake.notify;
        let stored = self
            .to_writer(|reply| WriteJob::File(Box::new(intake.job(&r, kept, reply))))
            .await?;
        if notify {
            self.mail_ready.notify_one();
        }
        tracing::info!(receipt = %stored.receipt_no, matter = %stored.matter_code, "case filed");
        Ok(self.view(p, &stored, &r))
    }

    /// Checks one case of a filing that `authority` is to decide — the route (who files in
    /// which mode at which window), the filing city, the identity check, the form, the filer —
    /// and makes its record. A single filing and each part of a joint one come through here.
    pub(crate) async fn intake(
        &self,
        p: &Principal,
        r: &Reference,
        matter: &Matter,
        authority: &Authority,
        req: &FileCase,
        id: Uuid,
    ) -> AppResult<Intake> {
        let comp = authority.city.to_string();
        let Route {
            receiving_city,
            window,
            steps,
            role,
        } = route(r, p, matter, req.mode, req.window_id.as_deref(), &comp)?;
        self.check_filing_city(&receiving_city)?;
        identity_rule(p, req.identity_checked)?;
        let form = matter.validate_form(&req.form).map_err(AppError::fields)?;
        let seen = self
            .check_filer(p, &matter.code, &form, req.identity_seen.as_deref())
            .await?;
        let now = self.now_ms();
        let id_no = text_of(&form, &["applicant_id", "contact_id"]);
        let name = text_of(
            &form,
            &["applicant_name", "enterprise_name", "contact_name"],
        )
        .unwrap_or_else(|| p.username.clone());
        let status = steps.last().map(|s| s.1).unwrap_or(Status::Submitted);
        let mut clock = LegalClock::new(matter.statutory_days, matter.promised_days);
        // A clerk's filing is received at the window at once: the hand-off is timed from now.
        if steps.iter().any(|(a, _)| *a == Action::Receive.as_str()) {
            clock.apply(Action::Receive, self.today(), now, &r.calendar);
        }
        let case = CaseRecord {
            id,
            receipt_no: String::new(),
            matter_code: matter.code.clone(),
            catalogue_version: r.version,
            mode: req.mode,
            status,
            applicant_user: (p.role == Role::Applicant).then_some(p.user_id),
            applicant_name: name,
            applicant_id_no: id_no,
            applicant_uscc: text_of(&form, &["applicant_uscc"]),
            applicant_phone: text_of(&form, &["applicant_phone", "contact_phone"]),
            receiving_city,
            receiving_window: window,
            competent_city: comp,
            competent_authority: authority.id.clone(),
            form: serde_json::to_string(&form).unwrap_or_else(|_| "{}".into()),
            filed_ms: now,
            updated_ms: now,
            filed_on: self.today(),
            clock,
            reason: None,
        };
        let identity = seen.map(|s| crate::identity::record(case.id, "file", s, p, now));
        // The applicant's account (if any) is told the case is received.
        let notify = case.applicant_user.is_some()
            && corridor_domain::notice::notice_at_filing(
                case.status,
                case.receiving_window.is_some(),
            )
            .is_some();
        Ok(Intake {
            case,
            actor: p.user_id.to_string(),
            role,
            steps,
            identity,
            notify,
        })
    }
}

/// One case of a filing, checked by [`App::intake`], for the writer.
pub(crate) struct Intake {
    pub(crate) case: CaseRecord,
    actor: String,
    role: &'static str,
    steps: Vec<(&'static str, Status)>,
    identity: Option<corridor_store::IdentityCheck>,
    /// The applicant's account is told the case is received.
    pub(crate) notify: bool,
}

impl Intake {
    pub(crate) fn job(
        self,
        r: &std::sync::Arc<Reference>,
        files: Vec<crate::materials::KeptFile>,
        reply: tokio::sync::oneshot::Sender<AppResult<CaseRecord>>,
    ) -> IntakeJob {
        IntakeJob {
            files,
            case: self.case,
            actor: self.actor,
            role: self.role,
            steps: self.steps,
            identity: self.identity,
            notice: self.notify.then(|| r.clone()),
            reply,
        }
    }
}
