//! Filing, acting on, reading and listing cases; audit verification.

use crate::error::{AppError, AppResult, ErrorCode};
use crate::paging::Page;
use crate::reference::Reference;
use crate::writer::{snapshot, snapshot_diff};
use crate::writer::{ActJob, WriteJob};
use crate::App;
use corridor_domain::audit::{verify_stream, ChainBreak};
use corridor_domain::case::{transition, Action, CaseScope, DueState, Principal, Role, Status};
use corridor_domain::catalogue::{FieldType, Matter, ServiceMode};
use corridor_domain::ids::{mask_name, mask_phone, mask_resident_id};
use corridor_store::{date_str, CaseFilter, CaseRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

mod backfill;
pub use backfill::BackfillReport;
mod correction;
mod transfer;

pub use correction::Correction;

/// An action on a case.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActOnCase {
    pub action: Action,
    /// Required for refuse, reject and request_correction.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// Receive: the formal and identity checks passed.
    #[serde(default)]
    pub identity_checked: bool,
    /// Receive: the resident ID number of the person at the window, when it is not the
    /// person the case names (an agent, who needs that person's authorisation). Recorded.
    #[serde(default)]
    pub identity_seen: Option<String>,
    /// Resubmit: the corrected form (replaces the old one; validated again).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub form: Option<BTreeMap<String, Value>>,
    /// Request a correction: the materials to hand in again, by their position in the
    /// matter's list (the applicant's page shows exactly these).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub correct_materials: Vec<usize>,
    /// Request a correction: the form fields to correct, by key.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub correct_fields: Vec<String>,
    /// Transfer: the authority (of the same kind, in another city) that is to decide.
    #[serde(default)]
    #[schema(max_length = 40)]
    pub to_authority: Option<String>,
}

impl ActOnCase {
    /// The action with nothing else: no reason, checks, form or correction.
    pub fn plain(action: Action) -> ActOnCase {
        ActOnCase {
            action,
            reason: None,
            identity_checked: false,
            identity_seen: None,
            form: None,
            correct_materials: Vec::new(),
            correct_fields: Vec::new(),
            to_authority: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicantView {
    pub name: String,
    pub id_no: Option<String>,
    pub uscc: Option<String>,
    pub phone: Option<String>,
    /// True when personal data was masked for the caller's role.
    pub masked: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    /// While a correction is asked for: the materials and fields it names (empty lists when
    /// it names none: the reason says what to correct).
    pub correction: Option<Correction>,
    pub id: Uuid,
    pub receipt_no: String,
    pub matter_code: String,
    pub matter_name_zh: String,
    pub matter_name_en: String,
    pub catalogue_version: i64,
    pub mode: ServiceMode,
    pub status: Status,
    pub status_zh: String,
    pub applicant: ApplicantView,
    pub receiving_city: String,
    pub receiving_window: Option<String>,
    pub competent_city: String,
    pub competent_authority: String,
    pub cross_province: bool,
    #[schema(value_type = Object)]
    pub form: Value,
    pub filed_at: String,
    pub updated_at: String,
    pub filed_on: String,
    pub statutory_days: u32,
    pub accepted_on: Option<String>,
    pub paused_days: u32,
    pub paused_since: Option<String>,
    pub deadline: Option<String>,
    pub decided_on: Option<String>,
    pub decision_days: Option<u32>,
    pub due: DueState,
    /// The corridor's promised limit in working days (0: none was promised) and its deadline,
    /// counted like the statutory one.
    pub promised_days: u32,
    pub promised_deadline: Option<String>,
    /// Still undecided after the promised deadline (the statutory one may not have passed).
    pub past_promise: bool,
    /// Decided within the promised limit (null while undecided or when none was promised).
    pub promise_kept: Option<bool>,
    /// When the receiving window received and forwarded the case (RFC 3339), and the whole
    /// minutes between.
    pub received_at: Option<String>,
    pub forwarded_at: Option<String>,
    pub forward_minutes: Option<i64>,
    pub reason: Option<String>,
    /// What the caller may do next.
    pub allowed_actions: Vec<Action>,
    /// The licence issued for this case (filled when one case is read).
    pub licence_id: Option<Uuid>,
    /// The amount by the city's rule (filled when one case is read, for a matter that computes
    /// one): as the decision recorded it; before it, those who see the form unmasked (the
    /// applicant, the window, the competent reviewer) get what the rule in force gives today
    /// (`decided` false). The steps quote the form, so only those who see its personal data get
    /// them.
    pub amount: Option<crate::amounts::AmountView>,
    /// The joint filing this case is a part of, and the part's key (filled when one case is
    /// read).
    pub joint_id: Option<Uuid>,
    pub part_key: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Comma-separated statuses.
    pub status: Option<String>,
    pub matter: Option<String>,
    /// `overdue`, `near_due`, or `past_promise` (undecided after the corridor's promised
    /// deadline).
    pub due: Option<String>,
    pub receipt_no: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000000)]
    pub page: Option<i64>,
    /// 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
    /// The `next_after` of the previous page: the next page by position, as fast at any
    /// depth (`page` is then ignored).
    #[param(max_length = 120)]
    pub after: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub streams: u64,
    pub events: u64,
    pub first_break: Option<ChainBreak>,
    /// Stored material files checked against their recorded SHA-256.
    pub files: u64,
    /// The first file missing or differing from its hash: case, file and what is wrong.
    pub first_bad_file: Option<String>,
}

pub(crate) fn scope(c: &CaseRecord) -> CaseScope<'_> {
    CaseScope {
        applicant_user: c.applicant_user,
        receiving_window: c.receiving_window.as_deref(),
        competent_authority: &c.competent_authority,
    }
}

pub(crate) fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A reason for rejecting, refusing or asking for a correction: a few paragraphs.
pub const REASON_LIMIT: corridor_domain::text::Limit =
    corridor_domain::text::Limit::paragraph(2000);

fn mask_form(m: Option<&Matter>, form: &str) -> Value {
    let mut v: Value = serde_json::from_str(form).unwrap_or(Value::Null);
    if let (Some(m), Some(obj)) = (m, v.as_object_mut()) {
        for f in m.fields.iter().filter(|f| f.personal) {
            match obj.get_mut(&f.key) {
                Some(Value::String(s)) => {
                    *s = match f.ty {
                        FieldType::ResidentId | FieldType::Passport => mask_resident_id(s),
                        FieldType::Phone => mask_phone(s),
                        // Account numbers keep their last four characters, as ID numbers do.
                        _ if f.key.contains("account") => mask_resident_id(s),
                        _ => mask_name(s),
                    };
                }
                // A personal number (a salary) or choice is withheld whole.
                Some(v) if !v.is_null() => *v = Value::String("***".into()),
                _ => {}
            }
        }
    }
    v
}

impl App {
    /// The matter a case was filed under (its catalogue version pinned).
    pub(crate) fn matter_of(&self, c: &CaseRecord) -> AppResult<Matter> {
        self.reference()
            .matter(&c.matter_code, c.catalogue_version)
            .cloned()
            .ok_or_else(|| {
                AppError::new(ErrorCode::Internal, "pinned matter version missing")
                    .with_zh("办件所依据的事项版本缺失")
            })
    }

    pub(crate) async fn load_visible(&self, p: &Principal, id: Uuid) -> AppResult<CaseRecord> {
        let c = self.store.get_case(id).await?.ok_or_else(|| {
            AppError::not_found(format!("case {id}")).with_zh(format!("办件 {id}"))
        })?;
        if !p.can_view(&scope(&c)) {
            return Err(AppError::forbidden(format!(
                "role {} may not see this case (it belongs to another window, authority or applicant)",
                p.role.as_str()
            )).with_zh(format!("角色 {} 无权查看此办件（它属于其他窗口、部门或申请人）",
                p.role.as_str()
            )));
        }
        Ok(c)
    }

    pub async fn get_case(&self, p: &Principal, id: Uuid) -> AppResult<CaseView> {
        let c = self.load_visible(p, id).await?;
        let mut v = self.view(p, &c, &self.reference());
        if matches!(c.status, Status::LicenceIssued | Status::Delivered) {
            v.licence_id = self.store.licence_of_case(c.id).await?.map(|l| l.id);
        }
        if c.status == Status::CorrectionRequested {
            v.correction = self.open_correction(&c).await?.map(|(k, _)| k);
        }
        v.amount = self.amount_view(&c, v.applicant.masked).await?;
        if let Some(part) = self.store.part_of(&c.id.to_string()).await? {
            v.joint_id = Uuid::parse_str(&part.joint_id).ok();
            v.part_key = Some(part.part_key);
        }
        Ok(v)
    }

    /// Performs an action; the case and its audit event commit together. A reason is at most
    /// [`REASON_LIMIT`] long.
    pub async fn act(&self, p: &Principal, id: Uuid, req: ActOnCase) -> AppResult<CaseView> {
        let r = self.reference();
        let c = self.load_visible(p, id).await?;
        p.may(req.action, &scope(&c))?;
        self.check_side(&c, req.action)?;
        let reason = match req.reason.as_deref() {
            Some(s) => corridor_domain::text::field("reason", s, REASON_LIMIT.optional())
                .map_err(|e| AppError::fields(vec![e]))?,
            None => None,
        };
        let reason = reason.as_deref();
        if req.action.needs_reason() && reason.is_none() {
            return Err(
                corridor_domain::case::CaseError::ReasonRequired(req.action.as_str()).into(),
            );
        }
        if req.action == Action::Receive && !req.identity_checked {
            return Err(AppError::fields(vec![
                corridor_domain::catalogue::FieldError::new(
                    "identity_checked",
                    "record the formal and identity checks before receiving",
                    "收件前须记录形式审查和身份核验",
                ),
            ]));
        }
        // Receiving at the window: whom the clerk saw is checked against the case and recorded.
        let identity = if req.action == Action::Receive {
            let form: BTreeMap<String, Value> = serde_json::from_str(&c.form).unwrap_or_default();
            self.check_filer(p, &c.matter_code, &form, req.identity_seen.as_deref())
                .await?
                .map(|s| crate::identity::record(c.id, "receive", s, p, self.now_ms()))
        } else {
            None
        };
        // A case goes to the deciding city (or, filed online, is accepted there) only with
        // every required material.
        let materials = if corridor_domain::materials::complete_before(
            req.action,
            c.receiving_window.is_some(),
        ) {
            Some(self.check_complete(&c).await?)
        } else {
            None
        };
        // A resubmission brings a new file for each material the correction named.
        if req.action == Action::Resubmit && c.status == Status::CorrectionRequested {
            self.check_corrected_files(&c).await?;
        }
        let matter = r.matter(&c.matter_code, c.catalogue_version);
        let correction = Correction::of(&req, matter)?;
        let has_licence = matter.is_some_and(|m| m.output.licence_type.is_some());
        let next = transition(
            c.status,
            req.action,
            c.receiving_window.is_some(),
            has_licence,
        )?;
        let mut n = c.clone();
        if req.action == Action::Transfer {
            let to = self.transfer_target(&c, req.to_authority.as_deref())?;
            n.competent_city = to.city.to_string();
            n.competent_authority = to.id.clone();
        }
        if let (Action::Resubmit, Some(form)) = (req.action, &req.form) {
            let m = self.matter_of(&c)?;
            let form = m.validate_form(form).map_err(AppError::fields)?;
            n.form = serde_json::to_string(&form).unwrap_or_else(|_| "{}".into());
        }
        n.status = next;
        // A case from before promises were tracked takes its matter's now.
        if let Some(m) = matter {
            n.clock.promise(m.promised_days, &r.calendar);
        }
        n.clock
            .apply(req.action, self.today(), self.now_ms(), &r.calendar);
        n.updated_ms = self.now_ms();
        if let Some(reason) = reason {
            n.reason = Some(reason.to_string());
        }
        let (before, after) = snapshot_diff(&snapshot(&c), &snapshot(&n));
        // Issue locally: the licence is signed now and stored with the case change.
        let licence = match req.action {
            Action::IssueLicence => Some(self.build_licence(&n).await?),
            _ => None,
        };
        // An approval computes the amount by the rule in force in the competent city.
        let (computed, amount) = self.decision_amount(&r, req.action, &n, matter)?;
        // The licence's number and key, the correction's list, the amount, are recorded with
        // the action.
        let after = crate::handoff::event_after(
            after,
            licence.as_ref(),
            correction.as_ref(),
            amount.as_ref(),
        );
        // Another node holds the case too: the message commits with the change.
        let outgoing = match self.handoff_route(&c, req.action)? {
            Some(route) => Some(
                self.handoff_message(
                    route,
                    (req.action, &n, materials),
                    licence.as_ref(),
                    correction.as_ref(),
                    amount.as_ref(),
                )
                .await?,
            ),
            None => None,
        };
        // The applicant is told (on the node that holds their account: the receiving one).
        let notice = corridor_domain::notice::notice_for(req.action, next)
            .filter(|_| self.node_city().is_none_or(|mine| mine == n.receiving_city))
            .and_then(|k| {
                let a = computed.as_ref().map(|(_, a)| a);
                crate::notices::new_notice(&r, &n, k, n.updated_ms, a)
            });
        let notifies = notice.is_some();
        // A part of a joint filing may end it (decided in the writer's transaction).
        let joint = self.joint_change(&c, &n, req.action).await?;
        // Committed by the single writer with whatever else is waiting: one fsync for all.
        let sends = outgoing.is_some();
        self.to_writer(|reply| {
            WriteJob::Act(Box::new(ActJob {
                case: n.clone(),
                was: (c.status, c.competent_authority.clone()),
                licence: licence.clone(),
                actor: p.user_id.to_string(),
                role: p.role.as_str(),
                action: req.action.as_str(),
                before,
                after,
                identity,
                outgoing,
                notice,
                amount,
                joint,
                reply,
            }))
        })
        .await?;
        if sends {
            self.outbox_ready.notify_one();
        }
        if notifies {
            self.mail_ready.notify_one();
        }
        tracing::info!(receipt = %n.receipt_no, action = req.action.as_str(), status = n.status.as_str(), "case action");
        let mut v = self.view(p, &n, &r);
        v.licence_id = licence.map(|l| l.id);
        v.amount = computed.map(|(version, c)| crate::amounts::decided_view(c, version));
        Ok(v)
    }

    /// The caller's queue: applicants see their own cases, clerks their window's, reviewers
    /// their authority's (by deadline), administrators all (masked).
    pub async fn list_cases(&self, p: &Principal, q: &CaseQuery) -> AppResult<Page<CaseView>> {
        let mut f = CaseFilter::default();
        match p.role {
            Role::Applicant => f.applicant_user = Some(p.user_id),
            Role::Clerk => {
                f.receiving_window = Some(
                    p.window_id
                        .clone()
                        .ok_or_else(|| AppError::forbidden("no window").with_zh("未指定窗口"))?,
                )
            }
            Role::Reviewer => {
                f.competent_authority =
                    Some(p.authority_id.clone().ok_or_else(|| {
                        AppError::forbidden("no authority").with_zh("未指定部门")
                    })?);
                f.by_deadline = true;
            }
            Role::Admin => {}
            Role::JointOffice => {
                return Err(AppError::forbidden(
                    "the joint office sees statistics, not cases with personal data",
                )
                .with_zh("联席办查看统计数据，不查看含个人信息的办件"))
            }
        }
        if let Some(s) = &q.status {
            for part in s.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                f.statuses.push(Status::parse(part).ok_or_else(|| {
                    AppError::bad(format!("unknown status {part}"))
                        .with_zh(format!("未知状态 {part}"))
                })?);
            }
        }
        f.matter_code = q.matter.clone();
        f.receipt_no = q.receipt_no.clone();
        let r = self.reference();
        let today = self.today();
        match q.due.as_deref() {
            None | Some("") => {}
            Some("overdue") => f.deadline_by = today.previous_day(),
            Some("past_promise") => f.promised_by = today.previous_day(),
            Some("near_due") => {
                f.deadline_by = Some(
                    r.calendar
                        .add_working_days(today, corridor_domain::case::NEAR_DUE_WORKING_DAYS),
                )
            }
            Some(other) => {
                return Err(AppError::bad(format!(
                    "due must be overdue, near_due or past_promise, not {other}"
                ))
                .with_zh(format!(
                    "due 须为 overdue、near_due 或 past_promise，而不是 {other}"
                )))
            }
        }
        let per_page = q.per_page.unwrap_or(20);
        if !(1..=200).contains(&per_page) {
            return Err(
                AppError::bad("per_page must be 1-200").with_zh("per_page 须在 1 到 200 之间")
            );
        }
        let page = q.page.unwrap_or(1);
        if page < 1 {
            return Err(AppError::bad("page starts at 1").with_zh("page 从 1 开始"));
        }
        let offset = match q.after.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => {
                f.after = Some(corridor_store::CaseCursor::decode(a).ok_or_else(|| {
                    AppError::bad("after must be the next_after of a previous page")
                        .with_zh("after 须为上一页返回的 next_after")
                })?);
                0
            }
            None => (page - 1).saturating_mul(per_page),
        };
        let (rows, count) = self.store.list_cases(&f, per_page, offset).await?;
        let next_after = (rows.len() as i64 == per_page)
            .then(|| {
                rows.last()
                    .map(|c| corridor_store::CaseCursor::of(c).encode())
            })
            .flatten();
        Ok(Page {
            items: rows.iter().map(|c| self.view(p, c, &r)).collect(),
            total: count.n,
            total_exact: count.exact,
            page,
            per_page,
            next_after,
        })
    }

    /// The case's audit events in order, paged.
    pub async fn case_events(
        &self,
        p: &Principal,
        id: Uuid,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> AppResult<Page<EventView>> {
        let c = self.load_visible(p, id).await?;
        let evs = self.store.events_of(&format!("case:{}", c.id)).await?;
        let all = evs
            .into_iter()
            .map(|e| EventView {
                seq: e.seq,
                at: rfc3339(e.at_ms),
                actor: e.actor,
                role: e.role,
                action: e.action,
                before: serde_json::from_str(&e.before).unwrap_or(Value::Null),
                after: serde_json::from_str(&e.after).unwrap_or(Value::Null),
                hash: e.hash,
            })
            .collect();
        crate::paging::paginate(all, page, per_page)
    }

    pub fn view(&self, p: &Principal, c: &CaseRecord, r: &Reference) -> CaseView {
        let sc = scope(c);
        let full = p.sees_personal_data(&sc);
        let matter = r.matter(&c.matter_code, c.catalogue_version);
        let has_licence = matter.is_some_and(|m| m.output.licence_type.is_some());
        let allowed = Action::ALL
            .into_iter()
            .filter(|a| p.may(*a, &sc).is_ok())
            .filter(|a| self.check_side(c, *a).is_ok())
            .filter(|a| transition(c.status, *a, c.receiving_window.is_some(), has_licence).is_ok())
            .collect();
        let mask = |v: &Option<String>, f: fn(&str) -> String| {
            v.as_ref().map(|s| if full { s.clone() } else { f(s) })
        };
        CaseView {
            correction: None,
            id: c.id,
            receipt_no: c.receipt_no.clone(),
            matter_code: c.matter_code.clone(),
            matter_name_zh: matter.map(|m| m.name_zh.clone()).unwrap_or_default(),
            matter_name_en: matter.map(|m| m.name_en.clone()).unwrap_or_default(),
            catalogue_version: c.catalogue_version,
            mode: c.mode,
            status: c.status,
            status_zh: c.status.label_zh().to_string(),
            applicant: ApplicantView {
                name: if full {
                    c.applicant_name.clone()
                } else {
                    mask_name(&c.applicant_name)
                },
                id_no: mask(&c.applicant_id_no, mask_resident_id),
                uscc: c.applicant_uscc.clone(),
                phone: mask(&c.applicant_phone, mask_phone),
                masked: !full,
            },
            receiving_city: c.receiving_city.clone(),
            receiving_window: c.receiving_window.clone(),
            competent_city: c.competent_city.clone(),
            competent_authority: c.competent_authority.clone(),
            cross_province: Reference::cross_province(&c.receiving_city, &c.competent_city),
            form: if full {
                serde_json::from_str(&c.form).unwrap_or(Value::Null)
            } else {
                mask_form(matter, &c.form)
            },
            filed_at: rfc3339(c.filed_ms),
            updated_at: rfc3339(c.updated_ms),
            filed_on: date_str(c.filed_on),
            statutory_days: c.clock.statutory_days,
            accepted_on: c.clock.accepted_on.map(date_str),
            paused_days: c.clock.paused_days,
            paused_since: c.clock.paused_since.map(date_str),
            deadline: c.clock.deadline.map(date_str),
            decided_on: c.clock.decided_on.map(date_str),
            decision_days: c.clock.decision_days,
            due: c.clock.due_state(c.status, self.today(), &r.calendar),
            promised_days: c.clock.promised_days,
            promised_deadline: c.clock.promised_deadline.map(date_str),
            past_promise: c.clock.past_promise(c.status, self.today()),
            promise_kept: c.clock.promise_kept(),
            received_at: c.clock.received_ms.map(rfc3339),
            forwarded_at: c.clock.forwarded_ms.map(rfc3339),
            forward_minutes: c.clock.forward_minutes(),
            reason: c.reason.clone(),
            allowed_actions: allowed,
            licence_id: None,
            amount: None,
            joint_id: None,
            part_key: None,
        }
    }

    /// Checks every audit chain; names the first broken event.
    pub async fn verify_audit(&self) -> AppResult<AuditReport> {
        let mut streams = 0u64;
        let mut first: Option<ChainBreak> = None;
        let events = self
            .store
            .for_each_stream(|s, evs, head| {
                streams += 1;
                match verify_stream(s, evs, head) {
                    Ok(()) => true,
                    Err(b) => {
                        first = Some(b);
                        false
                    }
                }
            })
            .await?;
        if first.is_none() {
            if let Some(id) = self.store.cases_without_chain().await?.into_iter().next() {
                first = Some(ChainBreak::Missing {
                    stream: format!("case:{id}"),
                });
            }
        }
        let (files, first_bad_file) = self.store.check_blobs().await?;
        Ok(AuditReport {
            streams,
            events,
            first_break: first,
            files,
            first_bad_file,
        })
    }

    /// The working day `n` working days after `d` on the stored calendar.
    pub fn add_working_days(&self, d: Date, n: u32) -> Date {
        self.reference().calendar.add_working_days(d, n)
    }
}
