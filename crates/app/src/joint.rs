//! Joint filings (issue #27 points 2 and 4): a multi-site matter's parts, or a bundle of
//! matters, filed once; each part a case decided by its own authority in its own queue; the
//! whole ended by [`corridor_domain::joint::outcome_after`] in the transaction of the part's
//! action that decides it.

use crate::cases::{rfc3339, scope};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::filing::{competent_authority, competent_city, FileCase, Intake};
use crate::paging::Page;
use crate::reference::Reference;
use crate::writer::{snapshot, snapshot_diff, IntakeJob, NewEvent, WriteJob};
use crate::App;
use corridor_domain::case::{Action, DueState, Principal, Role, Status};
use corridor_domain::catalogue::{Authority, FieldError, Matter, ServiceMode};
use corridor_domain::ids::mask_name;
use corridor_domain::joint::{self, JointKind, Outcome, Progress};
use corridor_store::{date_str, CaseRecord, JointPart, JointRecord, JointScope, Store};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

mod figures;
pub use figures::{BundleView, JointFigure};

/// A joint filing: a multi-site matter's parts, or a bundle's matters, filed once.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileJoint {
    pub kind: JointKind,
    /// The matter's code (`multi_site`: one with parts) or the bundle's (`bundle`).
    pub code: String,
    /// A bundle: the city whose authorities decide its matters (GB/T 2260). A multi-site
    /// matter takes each part's city from the field the catalogue names for it.
    #[serde(default)]
    pub competent_city: String,
    /// `multi_site` for a matter's parts; for a bundle a mode all its matters offer (the first
    /// of them when left out).
    #[serde(default)]
    pub mode: Option<ServiceMode>,
    /// The receiving window (remote receipt).
    #[serde(default)]
    pub window_id: Option<String>,
    /// Form data by field key: each field once, however many parts ask for it.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub form: BTreeMap<String, Value>,
    /// Clerk: the applicant's identity was checked at the window.
    #[serde(default)]
    pub identity_checked: bool,
    #[serde(default)]
    pub identity_seen: Option<String>,
}

impl FileJoint {
    /// An applicant's multi-site filing of `code` online, with its one form.
    pub fn multi_site(code: &str, form: BTreeMap<String, Value>) -> FileJoint {
        FileJoint {
            kind: JointKind::MultiSite,
            code: code.to_string(),
            competent_city: String::new(),
            mode: None,
            window_id: None,
            form,
            identity_checked: false,
            identity_seen: None,
        }
    }
}

/// One part as the filing's page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartView {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub case_id: Uuid,
    pub receipt_no: String,
    pub matter_code: String,
    pub competent_city: String,
    pub competent_authority: String,
    pub status: Status,
    /// The part's own deadlines, counted from its acceptance.
    pub deadline: Option<String>,
    pub promised_deadline: Option<String>,
    pub due: DueState,
    /// Why it was refused, or ended with the filing.
    pub reason: Option<String>,
    /// Whether the caller may open the part's case.
    pub may_open: bool,
}

/// A joint filing: its parts, how far it has come, one deadline for the whole.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JointView {
    pub id: Uuid,
    pub kind: JointKind,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Masked for those who see no part's personal data.
    pub applicant_name: String,
    pub receiving_city: String,
    pub filed_at: String,
    pub filed_on: String,
    /// The whole's limits, in working days from filing: joint handling's 45 days (a bundle:
    /// its own), and the corridor's promise.
    pub deadline: String,
    pub promised_deadline: String,
    /// Open after the deadline, or after the promised one.
    pub overdue: bool,
    pub past_promise: bool,
    pub progress: Progress,
    pub outcome: Option<Outcome>,
    /// The part whose action decided the outcome, and its reason.
    pub outcome_receipt: Option<String>,
    pub outcome_reason: Option<String>,
    pub decided_at: Option<String>,
    pub parts: Vec<PartView>,
}

/// A part's action that may end its filing, decided in the writer's transaction.
pub(crate) struct JointChange {
    pub(crate) joint_id: String,
    pub(crate) action: Action,
    pub(crate) case_id: Uuid,
    pub(crate) receipt_no: String,
    pub(crate) reason: Option<String>,
    pub(crate) at_ms: i64,
    pub(crate) parts: Vec<Uuid>,
    pub(crate) reference: Arc<Reference>,
    pub(crate) today: time::Date,
    /// The filing's name in Chinese and English, for the applicant's notice of its end.
    pub(crate) name: (String, String),
}

/// A joint filing's record and its parts' cases: stored together, or not at all.
pub(crate) struct JointJob {
    pub(crate) record: JointRecord,
    pub(crate) parts: Vec<IntakeJob>,
    pub(crate) keys: Vec<String>,
    pub(crate) reply: tokio::sync::oneshot::Sender<AppResult<Vec<CaseRecord>>>,
}

/// What a filing is made of, resolved from the catalogue.
struct Plan<'r> {
    mode: ServiceMode,
    statutory_days: u32,
    promised_days: u32,
    /// Key, names, matter, deciding authority.
    parts: Vec<(String, String, String, &'r Matter, &'r Authority)>,
}

fn field_refusal(e: crate::filing::Refusal, field: &str) -> AppError {
    let mut e: AppError = e.into();
    for f in &mut e.fields {
        if f.field == "city" {
            f.field = field.to_string();
        }
    }
    e
}

fn plan<'r>(r: &'r Reference, req: &FileJoint) -> AppResult<Plan<'r>> {
    let unknown = || {
        AppError::not_found(format!("{} is not in the current catalogue", req.code))
            .with_zh(format!("{} 不在现行目录中", req.code))
    };
    let bad_mode = |m: &[ServiceMode]| {
        let list: Vec<&str> = m.iter().map(|m| m.as_str()).collect();
        AppError::fields(vec![FieldError::new(
            "mode",
            format!("this filing is made in mode {}", list.join(" or ")),
            "该事项不能以所选方式办理",
        )])
    };
    match req.kind {
        JointKind::MultiSite => {
            let m = r.current_matter(&req.code).ok_or_else(unknown)?;
            if m.parts.is_empty() {
                return Err(AppError::bad(format!(
                    "matter {} is decided by one authority: file it as a case",
                    m.code
                ))
                .with_zh(format!("事项 {} 由一个部门办理，请按单件申请", m.code)));
            }
            if req.mode.is_some_and(|x| x != ServiceMode::MultiSite) {
                return Err(bad_mode(&[ServiceMode::MultiSite]));
            }
            let form = m.validate_form(&req.form).map_err(AppError::fields)?;
            let mut parts = Vec::new();
            for s in &m.parts {
                let city = form
                    .get(&s.city_field)
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let a =
                    competent_authority(r, m, city).map_err(|e| field_refusal(e, &s.city_field))?;
                if parts
                    .iter()
                    .any(|p: &(_, _, _, _, &Authority)| p.4.id == a.id)
                {
                    return Err(AppError::fields(vec![FieldError::new(
                        s.city_field.clone(),
                        "the parts are decided in different cities: choose another",
                        "各部分须由不同城市办理，请另选",
                    )]));
                }
                parts.push((s.key.clone(), s.name_zh.clone(), s.name_en.clone(), m, a));
            }
            Ok(Plan {
                mode: ServiceMode::MultiSite,
                statutory_days: joint::JOINT_DAYS,
                promised_days: m.promised_days,
                parts,
            })
        }
        JointKind::Bundle => {
            let b = r.bundle(&req.code).ok_or_else(unknown)?;
            let ms = b.members(&r.current).ok_or_else(unknown)?;
            let modes = b.modes(&ms);
            let mode = req
                .mode
                .or(modes.first().copied())
                .unwrap_or(ServiceMode::RemoteReceipt);
            if !modes.contains(&mode) {
                return Err(bad_mode(&modes));
            }
            // Every problem once, however many matters ask for the field.
            let mut errors: Vec<FieldError> = req
                .form
                .keys()
                .filter(|k| !ms.iter().any(|m| m.fields.iter().any(|f| &f.key == *k)))
                .map(|k| FieldError::new(k.clone(), "unknown field", "不是该事项的字段"))
                .collect();
            for m in &ms {
                if let Err(es) = m.validate_form(&joint::form_for(m, &req.form)) {
                    for e in es {
                        if !errors.iter().any(|x| x.field == e.field) {
                            errors.push(e);
                        }
                    }
                }
            }
            if !errors.is_empty() {
                return Err(AppError::fields(errors));
            }
            let mut parts = Vec::new();
            for m in ms {
                let form = joint::form_for(m, &req.form);
                let city = competent_city(m, &req.competent_city, &form)?;
                let a = competent_authority(r, m, &city)?;
                parts.push((m.code.clone(), m.name_zh.clone(), m.name_en.clone(), m, a));
            }
            Ok(Plan {
                mode,
                statutory_days: b.statutory_days,
                promised_days: b.promised_days,
                parts,
            })
        }
    }
}

impl App {
    /// Files a joint filing: every part checked as a case of its own would be, then the
    /// filing and all its parts stored in one transaction (on disk before the answer).
    pub async fn file_joint(&self, p: &Principal, req: FileJoint) -> AppResult<JointView> {
        if self.node_city().is_some() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "joint filings are not yet exchanged between city nodes: file them on a corridor-wide server",
            )
            .with_zh("联办申请尚不能在城市节点之间交换，请在走廊统一服务器上提交"));
        }
        // Every length bounded before anything is looked up or echoed.
        let long = [
            ("code", req.code.len() > 32),
            ("city", req.competent_city.len() > 12),
            (
                "window",
                req.window_id.as_ref().is_some_and(|w| w.len() > 32),
            ),
            ("form", req.form.len() > 100),
        ];
        if let Some((field, _)) = long.iter().find(|(_, bad)| *bad) {
            return Err(AppError::fields(vec![FieldError::new(
                *field,
                "too long (code 32, city 12, window 32 characters; at most 100 fields)",
                "过长（事项编码 32、城市 12、窗口 32 个字符；字段最多 100 个）",
            )]));
        }
        let r = self.reference();
        let plan = plan(&r, &req)?;
        let mut intakes: Vec<(String, Intake)> = Vec::new();
        for (key, _, _, m, a) in &plan.parts {
            let fc = FileCase {
                matter_code: m.code.clone(),
                competent_city: a.city.to_string(),
                mode: plan.mode,
                window_id: req.window_id.clone(),
                form: match req.kind {
                    JointKind::Bundle => joint::form_for(m, &req.form),
                    JointKind::MultiSite => req.form.clone(),
                },
                identity_checked: req.identity_checked,
                identity_seen: req.identity_seen.clone(),
            };
            intakes.push((
                key.clone(),
                self.intake(p, &r, m, a, &fc, Uuid::now_v7()).await?,
            ));
        }
        let today = self.today();
        let first = &intakes[0].1.case;
        let record = JointRecord {
            id: Uuid::now_v7().to_string(),
            kind: req.kind.as_str().to_string(),
            code: req.code.clone(),
            applicant_user: first.applicant_user.map(|u| u.to_string()),
            applicant_name: first.applicant_name.clone(),
            receiving_city: first.receiving_city.clone(),
            filed_ms: first.filed_ms,
            filed_on: today,
            deadline: r.calendar.add_working_days(today, plan.statutory_days),
            promised_deadline: r.calendar.add_working_days(today, plan.promised_days),
            outcome: None,
            outcome_case: None,
            outcome_reason: None,
            decided_ms: None,
        };
        let notify = intakes.iter().any(|(_, i)| i.notify);
        let keys = intakes.iter().map(|(k, _)| k.clone()).collect();
        let jobs = intakes
            .into_iter()
            .map(|(_, i)| i.job(&r, Vec::new(), tokio::sync::oneshot::channel().0))
            .collect();
        let id = record.id.clone();
        let stored = self
            .to_writer(|reply| {
                WriteJob::Joint(Box::new(JointJob {
                    record,
                    parts: jobs,
                    keys,
                    reply,
                }))
            })
            .await?;
        if notify {
            self.mail_ready.notify_one();
        }
        tracing::info!(joint = %id, parts = stored.len(), "joint filing filed");
        self.get_joint(p, Uuid::parse_str(&id).unwrap_or_default())
            .await
    }

    /// A joint filing, for its applicant, the joint office and administrators, and whoever
    /// may see one of its parts (the parts' reviewers, the receiving window).
    pub async fn get_joint(&self, p: &Principal, id: Uuid) -> AppResult<JointView> {
        let missing =
            || AppError::not_found(format!("joint filing {id}")).with_zh(format!("联办申请 {id}"));
        let j = self
            .store
            .joint(&id.to_string())
            .await?
            .ok_or_else(missing)?;
        let (parts, cases) = self.parts_of(&j).await?;
        let own = p.role == Role::Applicant && j.applicant_user == Some(p.user_id.to_string());
        let wide = matches!(p.role, Role::JointOffice | Role::Admin);
        if !(own || wide || cases.iter().any(|c| p.can_view(&scope(c)))) {
            return Err(missing());
        }
        Ok(self.joint_view(p, &j, &parts, &cases))
    }

    /// The caller's joint filings, newest first: an applicant's own, those with a part in a
    /// reviewer's authority or at a clerk's window, all for the office and administrators.
    pub async fn list_joints(
        &self,
        p: &Principal,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> AppResult<Page<JointView>> {
        let per_page = per_page.unwrap_or(20);
        let page = page.unwrap_or(1);
        if !(1..=100).contains(&per_page) || page < 1 {
            return Err(AppError::bad("page starts at 1; per_page is 1-100")
                .with_zh("page 从 1 开始；per_page 须在 1 到 100 之间"));
        }
        let none = || String::new();
        let s = match p.role {
            Role::Applicant => JointScope::User(p.user_id.to_string()),
            Role::Reviewer => JointScope::Authority(p.authority_id.clone().unwrap_or_else(none)),
            Role::Clerk => JointScope::Window(p.window_id.clone().unwrap_or_else(none)),
            Role::JointOffice | Role::Admin => JointScope::All,
        };
        let (list, total) = self
            .store
            .list_joints(&s, per_page, (page - 1).saturating_mul(per_page))
            .await?;
        let mut items = Vec::with_capacity(list.len());
        for j in &list {
            let (parts, cases) = self.parts_of(j).await?;
            items.push(self.joint_view(p, j, &parts, &cases));
        }
        Ok(Page::exact(items, total, page, per_page))
    }

    async fn parts_of(&self, j: &JointRecord) -> AppResult<(Vec<JointPart>, Vec<CaseRecord>)> {
        let parts = self.store.joint_parts(&j.id).await?;
        let mut cases = Vec::with_capacity(parts.len());
        for part in &parts {
            let id = Uuid::parse_str(&part.case_id).unwrap_or_default();
            cases.push(self.store.get_case(id).await?.ok_or_else(|| {
                AppError::new(ErrorCode::Internal, "a joint filing's part is missing")
                    .with_zh("联办申请的部分办件缺失")
            })?);
        }
        Ok((parts, cases))
    }

    fn joint_view(
        &self,
        p: &Principal,
        j: &JointRecord,
        parts: &[JointPart],
        cases: &[CaseRecord],
    ) -> JointView {
        let r = self.reference();
        let today = self.today();
        let kind = JointKind::parse(&j.kind).unwrap_or(JointKind::Bundle);
        let (name_zh, name_en, specs) = match kind {
            JointKind::MultiSite => {
                let m = cases
                    .first()
                    .and_then(|c| r.matter(&c.matter_code, c.catalogue_version));
                (
                    m.map(|m| m.name_zh.clone()),
                    m.map(|m| m.name_en.clone()),
                    m.map(|m| m.parts.clone()).unwrap_or_default(),
                )
            }
            JointKind::Bundle => {
                let b = r.bundle(&j.code);
                (
                    b.map(|b| b.name_zh.clone()),
                    b.map(|b| b.name_en.clone()),
                    vec![],
                )
            }
        };
        let full = (p.role == Role::Applicant && j.applicant_user == Some(p.user_id.to_string()))
            || cases.iter().any(|c| p.sees_personal_data(&scope(c)));
        let part_views: Vec<PartView> = parts
            .iter()
            .zip(cases)
            .map(|(part, c)| {
                let (zh, en) = match specs.iter().find(|s| s.key == part.part_key) {
                    Some(s) => (s.name_zh.clone(), s.name_en.clone()),
                    None => r
                        .matter(&c.matter_code, c.catalogue_version)
                        .map(|m| (m.name_zh.clone(), m.name_en.clone()))
                        .unwrap_or_default(),
                };
                PartView {
                    key: part.part_key.clone(),
                    name_zh: zh,
                    name_en: en,
                    case_id: c.id,
                    receipt_no: c.receipt_no.clone(),
                    matter_code: c.matter_code.clone(),
                    competent_city: c.competent_city.clone(),
                    competent_authority: c.competent_authority.clone(),
                    status: c.status,
                    deadline: c.clock.deadline.map(date_str),
                    promised_deadline: c.clock.promised_deadline.map(date_str),
                    due: c.clock.due_state(c.status, today, &r.calendar),
                    reason: c.reason.clone().filter(|_| c.status.is_closed()),
                    may_open: p.can_view(&scope(c)),
                }
            })
            .collect();
        let statuses: Vec<Status> = cases.iter().map(|c| c.status).collect();
        let open = j.outcome.is_none();
        JointView {
            id: Uuid::parse_str(&j.id).unwrap_or_default(),
            kind,
            code: j.code.clone(),
            name_zh: name_zh.unwrap_or_else(|| j.code.clone()),
            name_en: name_en.unwrap_or_else(|| j.code.clone()),
            applicant_name: if full {
                j.applicant_name.clone()
            } else {
                mask_name(&j.applicant_name)
            },
            receiving_city: j.receiving_city.clone(),
            filed_at: rfc3339(j.filed_ms),
            filed_on: date_str(j.filed_on),
            deadline: date_str(j.deadline),
            promised_deadline: date_str(j.promised_deadline),
            overdue: open && today > j.deadline,
            past_promise: open && today > j.promised_deadline,
            progress: joint::progress(&statuses),
            outcome: j.outcome.as_deref().and_then(Outcome::parse),
            outcome_receipt: j
                .outcome_case
                .as_ref()
                .and_then(|id| cases.iter().find(|c| &c.id.to_string() == id))
                .map(|c| c.receipt_no.clone()),
            outcome_reason: j.outcome_reason.clone(),
            decided_at: j.decided_ms.map(rfc3339),
            parts: part_views,
        }
    }

    /// The filing `c` is a part of, when `action` on it (leaving it as `n`) may end it.
    pub(crate) async fn joint_change(
        &self,
        c: &CaseRecord,
        n: &CaseRecord,
        action: Action,
    ) -> AppResult<Option<JointChange>> {
        if !matches!(
            action,
            Action::Approve | Action::Reject | Action::Refuse | Action::Withdraw
        ) {
            return Ok(None);
        }
        let Some(part) = self.store.part_of(&c.id.to_string()).await? else {
            return Ok(None);
        };
        let parts = self.store.joint_parts(&part.joint_id).await?;
        let r = self.reference();
        let name = match self.store.joint(&part.joint_id).await? {
            Some(j) if j.kind == JointKind::Bundle.as_str() => r
                .bundle(&j.code)
                .map(|b| (b.name_zh.clone(), b.name_en.clone())),
            _ => r
                .matter(&c.matter_code, c.catalogue_version)
                .map(|m| (m.name_zh.clone(), m.name_en.clone())),
        }
        .unwrap_or_default();
        Ok(Some(JointChange {
            joint_id: part.joint_id,
            action,
            case_id: c.id,
            receipt_no: c.receipt_no.clone(),
            reason: n.reason.clone().filter(|_| action != Action::Approve),
            at_ms: n.updated_ms,
            parts: parts
                .iter()
                .filter_map(|p| Uuid::parse_str(&p.case_id).ok())
                .collect(),
            reference: r,
            today: self.today(),
            name,
        }))
    }
}

/// In the writer's transaction, after the part's own change: the whole's outcome, if this
/// decides it, recorded once; a refusal or withdrawal ends the parts still open (withdrawn,
/// saying why). The ended parts' audit events are returned to be chained with the batch's.
pub(crate) async fn store_change(
    tx: &mut corridor_store::WriteTx,
    ch: &JointChange,
) -> AppResult<Vec<NewEvent>> {
    let cases = Store::get_cases_in(tx, &ch.parts).await?;
    let statuses: Vec<Status> = cases.iter().map(|c| c.status).collect();
    let Some(outcome) = joint::outcome_after(ch.action, &statuses) else {
        return Ok(Vec::new());
    };
    let id = ch.case_id.to_string();
    let reason = ch.reason.as_deref();
    if !Store::set_joint_outcome(tx, &ch.joint_id, outcome.as_str(), &id, reason, ch.at_ms).await? {
        return Ok(Vec::new());
    }
    // The applicant (if the filing has an account) is told the whole's outcome.
    if let Some(user) = cases.iter().find_map(|c| c.applicant_user) {
        let about = corridor_domain::notice::About {
            receipt_no: &ch.receipt_no,
            matter_zh: &ch.name.0,
            matter_en: &ch.name.1,
            status_zh: outcome.label(true),
            status_en: outcome.label(false),
            reason,
            ..Default::default()
        };
        let kind = corridor_domain::notice::NoticeKind::JointEnded;
        let zh = corridor_domain::notice::text(kind, &about, true);
        let en = corridor_domain::notice::text(kind, &about, false);
        let n = corridor_store::NewNotice {
            id: Uuid::now_v7().to_string(),
            user_id: user.to_string(),
            case_id: id.clone(),
            kind: kind.as_str().to_string(),
            created_ms: ch.at_ms,
            zh: (zh.subject, zh.body),
            en: (en.subject, en.body),
        };
        Store::insert_notices(tx, &[n]).await?;
    }
    let mut events = Vec::new();
    if !joint::ends_parts(outcome) {
        return Ok(events);
    }
    let why = format!(
        "联办申请已终结：{} {}。The joint filing ended: {} {}.",
        ch.receipt_no,
        outcome.label(true),
        ch.receipt_no,
        outcome.label(false)
    );
    for c in cases
        .iter()
        .filter(|c| c.id != ch.case_id && !c.status.is_closed())
    {
        let mut e = c.clone();
        e.status = Status::Withdrawn;
        e.reason = Some(why.clone());
        e.clock
            .apply(Action::Withdraw, ch.today, ch.at_ms, &ch.reference.calendar);
        e.updated_ms = ch.at_ms;
        if Store::update_case(tx, &e, (c.status, &c.competent_authority)).await? {
            let (before, after) = snapshot_diff(&snapshot(c), &snapshot(&e));
            events.push(NewEvent {
                stream: format!("case:{}", e.id),
                at_ms: ch.at_ms,
                actor: "system".into(),
                role: "joint",
                action: Action::Withdraw.as_str().to_string(),
                before,
                after,
            });
        }
    }
    Ok(events)
}

/// The parts' link rows of a stored filing.
pub(crate) fn part_rows(j: &JointJob) -> Vec<JointPart> {
    j.parts
        .iter()
        .zip(&j.keys)
        .enumerate()
        .map(|(i, (p, k))| JointPart {
            case_id: p.case.id.to_string(),
            joint_id: j.record.id.clone(),
            part_key: k.clone(),
            seq: i as i64,
        })
        .collect()
}
