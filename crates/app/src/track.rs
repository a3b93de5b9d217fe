//! Following a case without an account on this node (办件查询): by its receipt number and the
//! last six characters of the applicant's ID number (or, for an enterprise, of its unified
//! social credit code). Every node that holds the case answers — the receiving node and the
//! deciding node alike — so an applicant follows the case from either. The answer carries no
//! personal data: the matter, where it stands, its dates and its steps. Wrong guesses are
//! limited per address and receipt number as sign-ins are.

use crate::cases::rfc3339;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::App;
use corridor_domain::case::{DueState, Status};
use serde::{Deserialize, Serialize};

/// What to look a case up by.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackQuery {
    /// The receipt number on the applicant's receipt, e.g. `340100-20261204-000001`.
    #[schema(max_length = 40)]
    pub receipt_no: String,
    /// The last six characters of the applicant's ID number (or enterprise's USCC).
    #[schema(min_length = 6, max_length = 6)]
    pub id_tail: String,
}

/// One step of a case, as the applicant sees it: what was done, and when.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackStep {
    pub action: String,
    pub at: String,
}

/// Where a case stands, without personal data.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackView {
    pub receipt_no: String,
    pub matter_code: String,
    pub matter_name_zh: String,
    pub matter_name_en: String,
    pub status: Status,
    pub status_zh: String,
    pub receiving_city: String,
    pub competent_city: String,
    pub competent_authority: String,
    pub filed_on: String,
    pub accepted_on: Option<String>,
    pub deadline: Option<String>,
    pub decided_on: Option<String>,
    pub due: DueState,
    /// The corridor's promised deadline (counted like the statutory one), when one was made.
    pub promised_deadline: Option<String>,
    /// While a correction is asked for: why.
    pub reason: Option<String>,
    pub updated_at: String,
    pub steps: Vec<TrackStep>,
}

fn not_found() -> AppError {
    AppError::not_found("no case with this receipt number and ID ending")
        .with_zh("没有与该受理编号和证件号码后6位相符的办件")
}

impl App {
    /// Looks a case up by receipt number and the applicant's ID ending (see the module).
    pub async fn track_case(
        &self,
        q: &TrackQuery,
        client: std::net::IpAddr,
    ) -> AppResult<TrackView> {
        let receipt = q.receipt_no.trim();
        let tail = q.id_tail.trim().to_ascii_uppercase();
        let mut errors = Vec::new();
        if receipt.is_empty() || receipt.chars().count() > 40 {
            errors.push(corridor_domain::catalogue::FieldError::new(
                "receipt_no",
                "the receipt number, at most 40 characters",
                "请输入受理编号（至多 40 个字符）",
            ));
        }
        if tail.len() != 6 || !tail.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push(corridor_domain::catalogue::FieldError::new(
                "id_tail",
                "the last 6 characters of the ID number",
                "请输入证件号码后 6 位",
            ));
        }
        if !errors.is_empty() {
            return Err(AppError::fields(errors));
        }
        let now = self.now_ms();
        let attempt = self
            .track_limiter
            .lock()
            .map_err(|_| AppError::new(ErrorCode::Internal, "lock").with_zh("内部锁异常"))?
            .admit(client, &format!("track:{receipt}"), now)
            .map_err(|r| r.error(("look-ups", "查询")))?;
        let case = self.store.get_case_by_receipt(receipt).await?;
        let matches = case.as_ref().is_some_and(|c| {
            let id = c
                .applicant_id_no
                .as_deref()
                .or(c.applicant_uscc.as_deref())
                .unwrap_or_default()
                .to_ascii_uppercase();
            id.len() >= 6 && id.ends_with(&tail)
        });
        let c = {
            let mut limiter = self
                .track_limiter
                .lock()
                .map_err(|_| AppError::new(ErrorCode::Internal, "lock").with_zh("内部锁异常"))?;
            match (case, matches) {
                (Some(c), true) => {
                    limiter.succeeded(attempt);
                    Some(c)
                }
                _ => {
                    limiter.failed(attempt, now);
                    None
                }
            }
        };
        let c = c.ok_or_else(not_found)?;
        let r = self.reference();
        let matter = r.matter(&c.matter_code, c.catalogue_version);
        let steps = self
            .store
            .events_of(&format!("case:{}", c.id))
            .await?
            .into_iter()
            .map(|e| TrackStep {
                action: e.action,
                at: rfc3339(e.at_ms),
            })
            .collect();
        Ok(TrackView {
            receipt_no: c.receipt_no.clone(),
            matter_code: c.matter_code.clone(),
            matter_name_zh: matter.map(|m| m.name_zh.clone()).unwrap_or_default(),
            matter_name_en: matter.map(|m| m.name_en.clone()).unwrap_or_default(),
            status: c.status,
            status_zh: c.status.label_zh().to_string(),
            receiving_city: c.receiving_city.clone(),
            competent_city: c.competent_city.clone(),
            competent_authority: c.competent_authority.clone(),
            filed_on: corridor_store::date_str(c.filed_on),
            accepted_on: c.clock.accepted_on.map(corridor_store::date_str),
            deadline: c.clock.deadline.map(corridor_store::date_str),
            decided_on: c.clock.decided_on.map(corridor_store::date_str),
            due: c.clock.due_state(c.status, self.today(), &r.calendar),
            promised_deadline: c.clock.promised_deadline.map(corridor_store::date_str),
            reason: (c.status == Status::CorrectionRequested)
                .then(|| c.reason.clone())
                .flatten(),
            updated_at: rfc3339(c.updated_ms),
            steps,
        })
    }
}
