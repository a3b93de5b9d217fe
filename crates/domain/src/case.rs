//! The case lifecycle ("accept locally, approve remotely, issue locally") as a pure state
//! machine, the legal clock in working days, and who may do what to which case.
//!
//! ```text
//! submitted ─receive→ received ─forward→ forwarded ─accept→ accepted ─approve→ approved ─issue→ licence_issued ─deliver→ delivered
//!     │  (fully online: submitted ─accept→)       │            │   └reject→ rejected      └──────deliver (no licence)──┘
//!     │                                           └refuse→ refused      └request_correction→ correction_requested ─resubmit→ resubmitted
//!     └─ withdraw (any time before a decision) → withdrawn                                       (resubmitted behaves as accepted)
//! ```
//!
//! Before deciding, the competent authority may **transfer** a case it is not competent for to
//! the authority of the same kind in another city (with a reason): the case goes back to
//! `forwarded` (`submitted` if filed online) in that authority's queue, and its legal clock
//! starts again when that authority accepts it.

use crate::calendar::Calendar;
use crate::ids::DivisionCode;
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

crate::codes! {
    #[derive(PartialOrd, Ord)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Status {
        Submitted,
        Received,
        Forwarded,
        Accepted,
        CorrectionRequested,
        Resubmitted,
        Approved,
        Rejected,
        LicenceIssued,
        Delivered,
        Refused,
        Withdrawn,
    }
}

impl Status {
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Submitted => "已提交",
            Status::Received => "已收件",
            Status::Forwarded => "已转递",
            Status::Accepted => "已受理",
            Status::CorrectionRequested => "待补正",
            Status::Resubmitted => "已补正",
            Status::Approved => "已批准",
            Status::Rejected => "不予许可",
            Status::LicenceIssued => "已发证",
            Status::Delivered => "已送达",
            Status::Refused => "不予受理",
            Status::Withdrawn => "已撤回",
        }
    }

    /// Under review by the competent authority (the legal clock runs).
    pub fn is_under_review(self) -> bool {
        matches!(self, Status::Accepted | Status::Resubmitted)
    }

    /// A decision has been made or the case ended.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Status::Approved
                | Status::Rejected
                | Status::LicenceIssued
                | Status::Delivered
                | Status::Refused
                | Status::Withdrawn
        )
    }

    /// Whether the case still waits for a decision (for overdue flags).
    pub fn awaits_decision(self) -> bool {
        matches!(
            self,
            Status::Accepted | Status::Resubmitted | Status::CorrectionRequested
        )
    }
}

crate::codes! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Action {
        Receive,
        Forward,
        Accept,
        Refuse,
        RequestCorrection,
        Resubmit,
        Approve,
        Reject,
        IssueLicence,
        Deliver,
        Withdraw,
        Transfer,
    }
}

impl Action {
    /// The action's name in Chinese, as the pages' buttons and the errors say it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Receive => "收件",
            Action::Forward => "转递",
            Action::Accept => "受理",
            Action::Refuse => "不予受理",
            Action::RequestCorrection => "要求补正",
            Action::Resubmit => "提交补正",
            Action::Approve => "批准",
            Action::Reject => "不予许可",
            Action::IssueLicence => "发证",
            Action::Deliver => "送达",
            Action::Withdraw => "撤回",
            Action::Transfer => "移送有权机关",
        }
    }

    /// Actions whose record must say why.
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            Action::Refuse | Action::Reject | Action::RequestCorrection | Action::Transfer
        )
    }
}

/// Why a transfer to another authority is not possible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("a transfer names the authority that is to decide")]
    NoTarget,
    #[error("a case goes only to an authority of the same kind ({0})")]
    OtherKind(String),
    #[error("the case is already with this authority")]
    SameAuthority,
}

/// The transfer rule: a case goes from the authority of kind `from_kind` in one city only to
/// the authority of the same kind in another city (competence was wrong in place, not in
/// subject; a case for another kind of authority is refused, with a reason, instead).
pub fn check_transfer(
    from: &crate::catalogue::Authority,
    to: Option<&crate::catalogue::Authority>,
) -> Result<(), TransferError> {
    let to = to.ok_or(TransferError::NoTarget)?;
    if to.kind != from.kind {
        return Err(TransferError::OtherKind(from.kind.clone()));
    }
    if to.id == from.id || to.city == from.city {
        return Err(TransferError::SameAuthority);
    }
    Ok(())
}

crate::codes! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Role {
        Applicant,
        Clerk,
        Reviewer,
        JointOffice,
        Admin,
    }
}

/// The authenticated caller with its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Principal {
    pub user_id: Uuid,
    pub username: String,
    pub role: Role,
    /// The city the user belongs to (clerk: the window's city; reviewer: the authority's).
    pub city: Option<DivisionCode>,
    /// Clerk only.
    pub window_id: Option<String>,
    /// Reviewer only.
    pub authority_id: Option<String>,
    /// Applicant: the verified resident ID number the account is bound to. Never serialised
    /// (it is personal data, and the caller knows it).
    #[serde(skip)]
    pub resident_id: Option<String>,
}

/// The form fields that name the natural person a filing is made by: the applicant of a
/// person's matter, or the contact acting for an enterprise. Only that person, or someone
/// they have authorised, may file it.
pub const FILER_FIELDS: [&str; 2] = ["applicant_id", "contact_id"];

/// What the access rules need to know about a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseScope<'a> {
    pub applicant_user: Option<Uuid>,
    pub receiving_window: Option<&'a str>,
    pub competent_authority: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("action {action} is not possible while the case is {status}")]
    InvalidTransition {
        action: &'static str,
        status: &'static str,
    },
    #[error("action {0} requires a reason")]
    ReasonRequired(&'static str),
    #[error("the matter issues no licence")]
    NoLicence,
    #[error("{0}")]
    Forbidden(String),
}

impl Principal {
    /// The joint office acting as the node itself (demo data, the office's command line,
    /// benchmarks): no account behind it.
    pub fn office(username: &str) -> Principal {
        Principal {
            user_id: Uuid::nil(),
            username: username.to_string(),
            role: Role::JointOffice,
            city: None,
            window_id: None,
            authority_id: None,
            resident_id: None,
        }
    }

    /// Whether this principal sees the corridor's figures and everything behind them
    /// (statistics, every need and outcome): the joint office and administrators.
    pub fn sees_corridor_figures(&self) -> bool {
        matches!(self.role, Role::JointOffice | Role::Admin)
    }

    fn is_owner(&self, c: &CaseScope<'_>) -> bool {
        self.role == Role::Applicant && c.applicant_user == Some(self.user_id)
    }
    fn is_window_clerk(&self, c: &CaseScope<'_>) -> bool {
        self.role == Role::Clerk
            && self.window_id.is_some()
            && self.window_id.as_deref() == c.receiving_window
    }
    fn is_competent_reviewer(&self, c: &CaseScope<'_>) -> bool {
        self.role == Role::Reviewer && self.authority_id.as_deref() == Some(c.competent_authority)
    }

    /// May this caller see the case at all?
    pub fn can_view(&self, c: &CaseScope<'_>) -> bool {
        self.role == Role::Admin
            || self.is_owner(c)
            || self.is_window_clerk(c)
            || self.is_competent_reviewer(c)
    }

    /// May this caller see the applicant's personal data unmasked?
    pub fn sees_personal_data(&self, c: &CaseScope<'_>) -> bool {
        self.is_owner(c) || self.is_window_clerk(c) || self.is_competent_reviewer(c)
    }

    /// May this caller perform `action` on the case (regardless of its state)?
    pub fn may(&self, action: Action, c: &CaseScope<'_>) -> Result<(), CaseError> {
        let ok = match action {
            Action::Receive | Action::Forward => self.is_window_clerk(c),
            Action::Accept
            | Action::Refuse
            | Action::RequestCorrection
            | Action::Approve
            | Action::Reject
            | Action::IssueLicence
            | Action::Transfer => self.is_competent_reviewer(c),
            // Issue locally: the receiving window hands the result out; online cases are
            // delivered by the competent authority.
            Action::Deliver => match c.receiving_window {
                Some(_) => self.is_window_clerk(c),
                None => self.is_competent_reviewer(c),
            },
            Action::Resubmit | Action::Withdraw => self.is_owner(c) || self.is_window_clerk(c),
        };
        if ok {
            return Ok(());
        }
        let who = match self.role {
            Role::Applicant => "only the applicant's own cases",
            Role::Clerk => "only cases received at the clerk's window",
            Role::Reviewer => "only cases of the reviewer's own authority",
            Role::JointOffice | Role::Admin => "no case actions",
        };
        Err(CaseError::Forbidden(format!(
            "role {} may not {} this case ({})",
            self.role.as_str(),
            action.as_str(),
            who
        )))
    }
}

/// The next status for `action`, or why it is not possible.
pub fn transition(
    status: Status,
    action: Action,
    via_window: bool,
    has_licence: bool,
) -> Result<Status, CaseError> {
    use Action as A;
    use Status as S;
    let next = match (action, status) {
        (A::Receive, S::Submitted) if via_window => S::Received,
        (A::Forward, S::Received) => S::Forwarded,
        (A::Accept, S::Forwarded) => S::Accepted,
        (A::Accept, S::Submitted) if !via_window => S::Accepted,
        (A::Refuse, S::Forwarded) => S::Refused,
        (A::Refuse, S::Submitted) if !via_window => S::Refused,
        (A::RequestCorrection, S::Accepted | S::Resubmitted) => S::CorrectionRequested,
        (A::Resubmit, S::CorrectionRequested) => S::Resubmitted,
        // To another city's authority, back to the state in which it awaits acceptance.
        (A::Transfer, S::Forwarded | S::Accepted | S::Resubmitted) if via_window => S::Forwarded,
        (A::Transfer, S::Submitted | S::Accepted | S::Resubmitted) if !via_window => S::Submitted,
        (A::Approve, S::Accepted | S::Resubmitted) => S::Approved,
        (A::Reject, S::Accepted | S::Resubmitted) => S::Rejected,
        (A::IssueLicence, S::Approved) => {
            if !has_licence {
                return Err(CaseError::NoLicence);
            }
            S::LicenceIssued
        }
        (A::Deliver, S::LicenceIssued) => S::Delivered,
        (A::Deliver, S::Approved | S::Rejected) if !has_licence || status == S::Rejected => {
            S::Delivered
        }
        (
            A::Withdraw,
            S::Submitted
            | S::Received
            | S::Forwarded
            | S::Accepted
            | S::CorrectionRequested
            | S::Resubmitted,
        ) => S::Withdrawn,
        _ => {
            return Err(CaseError::InvalidTransition {
                action: action.as_str(),
                status: status.as_str(),
            })
        }
    };
    Ok(next)
}

/// The legal clock of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LegalClock {
    pub statutory_days: u32,
    pub accepted_on: Option<Date>,
    /// Working days the clock stood still for corrections, summed.
    pub paused_days: u32,
    /// Set while a correction is outstanding.
    pub paused_since: Option<Date>,
    pub deadline: Option<Date>,
    pub decided_on: Option<Date>,
    /// Working days from acceptance to decision, pauses excluded.
    pub decision_days: Option<u32>,
    /// The corridor's promised limit in working days (≤ statutory; 0: none was promised, as
    /// for cases filed before promises were tracked). Counted like the statutory one: from
    /// acceptance, corrections excluded.
    #[serde(default)]
    pub promised_days: u32,
    #[serde(default)]
    pub promised_deadline: Option<Date>,
    /// When the receiving window received the case (Unix ms): not part of the legal limit,
    /// but the start of the window's hand-off.
    #[serde(default)]
    pub received_ms: Option<i64>,
    /// When the window forwarded it to the deciding city (Unix ms).
    #[serde(default)]
    pub forwarded_ms: Option<i64>,
}

/// Deadline state for queues: not by colour alone, so this is a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DueState {
    None,
    OnTrack,
    NearDue,
    Overdue,
    Paused,
}

/// How many working days before the deadline a case counts as near-due.
pub const NEAR_DUE_WORKING_DAYS: u32 = 2;

impl LegalClock {
    /// A clock with the matter's statutory and promised limits (working days).
    pub fn new(statutory_days: u32, promised_days: u32) -> Self {
        LegalClock {
            statutory_days,
            promised_days: promised_days.min(statutory_days),
            ..Default::default()
        }
    }

    /// Both deadlines from acceptance on `acc`, the pauses so far added.
    fn set_deadlines(&mut self, acc: Date, cal: &Calendar) {
        self.deadline = Some(cal.add_working_days(acc, self.statutory_days + self.paused_days));
        self.set_promised_deadline(acc, cal);
    }

    fn set_promised_deadline(&mut self, acc: Date, cal: &Calendar) {
        self.promised_deadline = (self.promised_days > 0)
            .then(|| cal.add_working_days(acc, self.promised_days + self.paused_days));
    }

    /// Gives a clock without a promise (a case filed before promises were tracked) the
    /// matter's, its deadline counted as if it had been made at filing. A clock with one keeps
    /// it.
    pub fn promise(&mut self, promised_days: u32, cal: &Calendar) {
        if self.promised_days > 0 {
            return;
        }
        self.promised_days = promised_days.min(self.statutory_days);
        if let Some(acc) = self.accepted_on {
            self.set_promised_deadline(acc, cal);
        }
    }

    /// Applies the clock effect of an action taken on `today`, at `at_ms` (Unix ms).
    pub fn apply(&mut self, action: Action, today: Date, at_ms: i64, cal: &Calendar) {
        match action {
            Action::Receive => self.received_ms = Some(at_ms),
            Action::Forward => self.forwarded_ms = Some(at_ms),
            Action::Accept => {
                self.accepted_on = Some(today);
                self.set_deadlines(today, cal);
            }
            Action::RequestCorrection => self.paused_since = Some(today),
            Action::Resubmit => {
                if let (Some(since), Some(acc)) = (self.paused_since.take(), self.accepted_on) {
                    self.paused_days += cal.working_days_between(since, today);
                    self.set_deadlines(acc, cal);
                }
            }
            Action::Approve | Action::Reject => {
                self.decided_on = Some(today);
                if let Some(acc) = self.accepted_on {
                    let spent = cal.working_days_between(acc, today);
                    self.decision_days = Some(spent.saturating_sub(self.paused_days));
                }
            }
            Action::Withdraw => self.paused_since = None,
            // The authority the case goes to counts its time limit from its own acceptance
            // (Administrative Licensing Law, art. 32 and 42): the clock starts again.
            // The window's hand-off stays what it was.
            Action::Transfer => {
                *self = LegalClock {
                    received_ms: self.received_ms,
                    forwarded_ms: self.forwarded_ms,
                    ..LegalClock::new(self.statutory_days, self.promised_days)
                }
            }
            _ => {}
        }
    }

    pub fn due_state(&self, status: Status, today: Date, cal: &Calendar) -> DueState {
        if !status.awaits_decision() {
            return DueState::None;
        }
        if self.paused_since.is_some() {
            return DueState::Paused;
        }
        let Some(deadline) = self.deadline else {
            return DueState::None;
        };
        if today > deadline {
            DueState::Overdue
        } else if cal.working_days_between(today, deadline) <= NEAR_DUE_WORKING_DAYS {
            DueState::NearDue
        } else {
            DueState::OnTrack
        }
    }

    /// Whether a decided case was decided within its deadline.
    pub fn on_time(&self) -> Option<bool> {
        Some(self.decided_on? <= self.deadline?)
    }

    /// Whether a decided case was decided within the corridor's promised limit (`None` when
    /// undecided or nothing was promised).
    pub fn promise_kept(&self) -> Option<bool> {
        Some(self.decided_on? <= self.promised_deadline?)
    }

    /// Past the promised limit (but not necessarily the statutory one) and still undecided.
    pub fn past_promise(&self, status: Status, today: Date) -> bool {
        status.awaits_decision()
            && self.paused_since.is_none()
            && self.promised_deadline.is_some_and(|d| today > d)
    }

    /// Whole minutes the receiving window took to forward the case.
    pub fn forward_minutes(&self) -> Option<i64> {
        Some((self.forwarded_ms? - self.received_ms?).max(0) / 60_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_receipt_path() {
        let mut s = Status::Submitted;
        for a in [
            Action::Receive,
            Action::Forward,
            Action::Accept,
            Action::RequestCorrection,
            Action::Resubmit,
            Action::Approve,
            Action::IssueLicence,
            Action::Deliver,
        ] {
            s = transition(s, a, true, true).unwrap();
        }
        assert_eq!(s, Status::Delivered);
    }

    #[test]
    fn online_cases_skip_the_window() {
        assert!(transition(Status::Submitted, Action::Receive, false, false).is_err());
        assert_eq!(
            transition(Status::Submitted, Action::Accept, false, false).unwrap(),
            Status::Accepted
        );
        assert!(transition(Status::Submitted, Action::Accept, true, false).is_err());
    }

    #[test]
    fn licence_only_when_the_matter_has_one() {
        assert_eq!(
            transition(Status::Approved, Action::IssueLicence, true, false),
            Err(CaseError::NoLicence)
        );
        assert_eq!(
            transition(Status::Approved, Action::Deliver, true, false).unwrap(),
            Status::Delivered
        );
        assert!(transition(Status::Approved, Action::Deliver, true, true).is_err());
    }

    #[test]
    fn a_transfer_restarts_the_clock_and_waits_for_acceptance() {
        let cal = Calendar::default();
        let d = time::macros::date!(2026 - 03 - 02);
        let mut clock = LegalClock::new(20, 10);
        clock.apply(Action::Receive, d, 1_000, &cal);
        clock.apply(Action::Accept, d, 2_000, &cal);
        assert!(clock.deadline.is_some());
        clock.apply(Action::Transfer, d, 3_000, &cal);
        assert_eq!(
            clock,
            LegalClock {
                received_ms: Some(1_000),
                ..LegalClock::new(20, 10)
            }
        );
        assert_eq!(
            transition(Status::Accepted, Action::Transfer, true, false),
            Ok(Status::Forwarded)
        );
        assert_eq!(
            transition(Status::Accepted, Action::Transfer, false, false),
            Ok(Status::Submitted)
        );
        assert!(transition(Status::Approved, Action::Transfer, true, false).is_err());
        assert!(transition(Status::Received, Action::Transfer, true, false).is_err());
        assert!(Action::Transfer.needs_reason());
        let a = |id: &str, kind: &str| crate::catalogue::Authority {
            id: id.into(),
            city: crate::ids::DivisionCode::parse(&id[..6]).unwrap(),
            kind: kind.into(),
            name_zh: String::new(),
            name_en: String::new(),
        };
        let from = a("340100-ip", "ip");
        assert_eq!(check_transfer(&from, Some(&a("330400-ip", "ip"))), Ok(()));
        assert!(check_transfer(&from, Some(&a("330400-market", "market"))).is_err());
        assert!(check_transfer(&from, Some(&a("340100-ip", "ip"))).is_err());
        assert!(check_transfer(&from, None).is_err());
    }

    #[test]
    fn the_promised_limit_runs_beside_the_statutory_one() {
        let cal = Calendar::default();
        // Monday 2 March 2026; the default calendar counts Monday to Friday.
        let d = |day: u8| time::Date::from_calendar_date(2026, time::Month::March, day).unwrap();
        let mut clock = LegalClock::new(20, 5);
        assert_eq!(
            LegalClock::new(3, 5).promised_days,
            3,
            "never above statutory"
        );
        clock.apply(Action::Receive, d(2), 36_000_000, &cal);
        clock.apply(
            Action::Forward,
            d(2),
            36_000_000 + 47 * 60_000 + 59_000,
            &cal,
        );
        assert_eq!(clock.forward_minutes(), Some(47));
        clock.apply(Action::Accept, d(2), 0, &cal);
        assert_eq!(clock.promised_deadline, Some(d(9)));
        assert_eq!(clock.deadline, Some(d(30)));
        // A correction from Wednesday to the next Monday (3 working days) moves both.
        clock.apply(Action::RequestCorrection, d(4), 0, &cal);
        assert!(
            !clock.past_promise(Status::CorrectionRequested, d(20)),
            "paused"
        );
        clock.apply(Action::Resubmit, d(9), 0, &cal);
        assert_eq!(clock.promised_deadline, Some(d(12)));
        assert!(!clock.past_promise(Status::Resubmitted, d(12)));
        assert!(clock.past_promise(Status::Resubmitted, d(13)));
        clock.apply(Action::Approve, d(13), 0, &cal);
        assert_eq!(clock.promise_kept(), Some(false));
        assert_eq!(clock.on_time(), Some(true));
        assert!(!clock.past_promise(Status::Approved, d(13)));
        // Nothing promised: nothing to keep.
        let mut none = LegalClock::new(20, 0);
        none.apply(Action::Accept, d(2), 0, &cal);
        none.apply(Action::Approve, d(3), 0, &cal);
        assert_eq!((none.promised_deadline, none.promise_kept()), (None, None));
        assert_eq!(none.forward_minutes(), None);
        // A case from before promises were tracked is given the matter's, counted from its
        // acceptance with its pauses: the same deadline as if it had had it from the start.
        let mut old = clock;
        (old.promised_days, old.promised_deadline) = (0, None);
        old.promise(5, &cal);
        assert_eq!(old, clock);
        old.promise(9, &cal);
        assert_eq!(old, clock, "a promise once made stays");
    }

    #[test]
    fn closed_cases_take_no_actions() {
        for s in [Status::Refused, Status::Withdrawn, Status::Delivered] {
            for a in Action::ALL {
                assert!(transition(s, a, true, true).is_err(), "{s:?} {a:?}");
            }
        }
    }
}
