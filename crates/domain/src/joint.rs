//! Joint filings: one filing that several authorities decide, each its own part.
//!
//! - **Multi-site joint handling (多地联办)**: a matter whose catalogue entry names its parts
//!   ([`PartSpec`]), each decided by the matter's kind of authority in the city a form field
//!   names: a provident-fund transfer is released by the fund centre of the city it leaves and
//!   taken in by the one of the city it joins.
//! - **A bundle (一件事)**: several matters filed once ([`Bundle`]): an investment project's land,
//!   planning, environmental and construction permits, the shared fields entered once, each
//!   matter decided by its own authority in parallel.
//!
//! Each part is a case of its own (its queue, its legal clock, its audit chain); the filing has
//! one deadline for the whole ([`JOINT_DAYS`] working days for joint handling, a bundle's own
//! limits) and an outcome decided by [`outcome_after`]: every part approved approves it, any
//! part refused (not accepted or not permitted) refuses it, a withdrawal withdraws it — and a
//! filing that ends that way ends its open parts ([`ends_parts`]).

use crate::case::{Action, Status};
use crate::catalogue::{FieldType, FormField, Matter, ServiceMode};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The Administrative Licensing Law's limit for unified, joint or centralised handling (art. 42): 45
/// working days for the whole.
pub const JOINT_DAYS: u32 = 45;

/// The most parts a filing may have.
pub const MAX_PARTS: usize = 8;

/// One part of a multi-site matter: decided by the matter's kind of authority in the city the
/// form field `city_field` names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartSpec {
    /// Stable key, e.g. `out`, `in`.
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// The required select field whose answer is the deciding city of this part.
    pub city_field: String,
}

/// Several matters filed once (一件事一次办).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bundle {
    /// Stable code, e.g. `G60-BUN-001`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The matters' codes, each a part decided by its own authority.
    pub matters: Vec<String>,
    /// The limit for the whole in working days from filing (≤ [`JOINT_DAYS`]).
    pub statutory_days: u32,
    /// The corridor's promised limit for the whole (≤ statutory).
    pub promised_days: u32,
}

crate::codes! {
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum JointKind {
        MultiSite,
        Bundle,
    }
}

crate::codes! {
    /// How a joint filing ended.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = JointOutcome))]
    pub enum Outcome {
        Approved,
        Refused,
        Withdrawn,
    }
}

impl Outcome {
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Outcome::Approved, true) => "全部批准",
            (Outcome::Approved, false) => "all parts approved",
            (Outcome::Refused, true) => "不予办理（有部分未获批准）",
            (Outcome::Refused, false) => "refused (a part was refused)",
            (Outcome::Withdrawn, true) => "已撤回",
            (Outcome::Withdrawn, false) => "withdrawn",
        }
    }
}

/// A part approved (while its filing is open, a part past approval was approved: a refusal
/// would have ended the filing).
pub fn part_approved(s: Status) -> bool {
    matches!(
        s,
        Status::Approved | Status::LicenceIssued | Status::Delivered
    )
}

/// What the whole becomes when one part takes `action` and the parts' statuses are then
/// `after` (the acting part's new status among them), for a filing still open: `None` while
/// parts wait for their decisions.
pub fn outcome_after(action: Action, after: &[Status]) -> Option<Outcome> {
    match action {
        Action::Reject | Action::Refuse => Some(Outcome::Refused),
        Action::Withdraw => Some(Outcome::Withdrawn),
        Action::Approve if !after.is_empty() && after.iter().all(|s| part_approved(*s)) => {
            Some(Outcome::Approved)
        }
        _ => None,
    }
}

/// Whether an ended filing ends its parts still open (withdrawn with the reason).
pub fn ends_parts(o: Outcome) -> bool {
    o != Outcome::Approved
}

/// How far a filing has come: parts decided of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Progress {
    pub total: usize,
    /// Parts with a decision (or ended).
    pub decided: usize,
    pub approved: usize,
}

pub fn progress(parts: &[Status]) -> Progress {
    Progress {
        total: parts.len(),
        decided: parts.iter().filter(|s| s.is_closed()).count(),
        approved: parts.iter().filter(|s| part_approved(**s)).count(),
    }
}

/// Why a catalogue's joint definitions do not hold.
fn bad(what: String) -> crate::catalogue::CatalogueError {
    crate::catalogue::CatalogueError { what }
}

/// Checks a matter's parts: two to [`MAX_PARTS`], keys unique, each city a required select
/// field, and the matter offered in multi-site mode.
pub fn validate_parts(m: &Matter) -> Result<(), crate::catalogue::CatalogueError> {
    if m.parts.is_empty() {
        return Ok(());
    }
    let at = |w: &str| bad(format!("matter {}: {w}", m.code));
    if m.parts.len() < 2 || m.parts.len() > MAX_PARTS {
        return Err(at("a matter with parts has 2 to 8 of them"));
    }
    if !m.modes.contains(&ServiceMode::MultiSite) {
        return Err(at("a matter with parts is offered in multi_site mode"));
    }
    let mut keys = HashSet::new();
    for p in &m.parts {
        if p.key.is_empty() || p.key.len() > 16 || !keys.insert(p.key.as_str()) {
            return Err(at(&format!("part key '{}' empty, long or repeated", p.key)));
        }
        if p.name_zh.trim().is_empty() || p.name_en.trim().is_empty() {
            return Err(at("a part has zh and en names"));
        }
        let f = m.fields.iter().find(|f| f.key == p.city_field);
        if !f.is_some_and(|f| f.required && f.ty == FieldType::Select) {
            return Err(at(&format!(
                "part '{}': its city field '{}' must be a required select field",
                p.key, p.city_field
            )));
        }
    }
    Ok(())
}

impl Bundle {
    /// The bundle's matters exist in `matters`, two to [`MAX_PARTS`] of them, each once, with
    /// a mode they all offer; limits within the law's.
    pub fn validate(&self, matters: &[Matter]) -> Result<(), crate::catalogue::CatalogueError> {
        let at = |w: &str| bad(format!("bundle {}: {w}", self.code));
        if self.code.trim().is_empty() || self.code.len() > 32 {
            return Err(at("code must be 1-32 characters"));
        }
        if self.name_zh.trim().is_empty() || self.name_en.trim().is_empty() {
            return Err(at("zh and en names are required"));
        }
        if self.matters.len() < 2 || self.matters.len() > MAX_PARTS {
            return Err(at("a bundle has 2 to 8 matters"));
        }
        let ms = self
            .members(matters)
            .ok_or_else(|| at("names a matter not in the catalogue"))?;
        if ms.iter().map(|m| &m.code).collect::<HashSet<_>>().len() != ms.len() {
            return Err(at("names a matter twice"));
        }
        if self.modes(&ms).is_empty() {
            return Err(at("its matters share no service mode"));
        }
        if self.promised_days == 0
            || self.promised_days > self.statutory_days
            || self.statutory_days > JOINT_DAYS
        {
            return Err(at("limits: 1 ≤ promised ≤ statutory ≤ 45 working days"));
        }
        Ok(())
    }

    /// The bundle's matters, in its order (`None` if one is missing).
    pub fn members<'m>(&self, matters: &'m [Matter]) -> Option<Vec<&'m Matter>> {
        self.matters
            .iter()
            .map(|c| matters.iter().find(|m| &m.code == c))
            .collect()
    }

    /// The service modes every matter of the bundle offers.
    pub fn modes(&self, ms: &[&Matter]) -> Vec<ServiceMode> {
        ServiceMode::ALL
            .into_iter()
            .filter(|mode| *mode != ServiceMode::MultiSite)
            .filter(|mode| ms.iter().all(|m| m.modes.contains(mode)))
            .collect()
    }
}

/// The form of a bundle: every field of its matters once, in the order they first appear;
/// a field several matters ask for is entered once. With each, how many matters ask for it.
pub fn shared_form(ms: &[&Matter]) -> Vec<(FormField, usize)> {
    let mut out: Vec<(FormField, usize)> = Vec::new();
    for m in ms {
        for f in &m.fields {
            match out.iter_mut().find(|(g, _)| g.key == f.key) {
                Some((g, n)) => {
                    *n += 1;
                    g.required |= f.required;
                }
                None => out.push((f.clone(), 1)),
            }
        }
    }
    out
}

/// One matter's share of a bundle's form: the answers to its own fields.
pub fn form_for(
    m: &Matter,
    form: &std::collections::BTreeMap<String, serde_json::Value>,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    form.iter()
        .filter(|(k, _)| m.fields.iter().any(|f| &f.key == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_refusal_decides_the_whole_and_all_approvals_approve_it() {
        use Status as S;
        assert_eq!(
            outcome_after(Action::Approve, &[S::Approved, S::Accepted]),
            None
        );
        assert_eq!(
            outcome_after(Action::Approve, &[S::LicenceIssued, S::Approved]),
            Some(Outcome::Approved)
        );
        assert_eq!(
            outcome_after(Action::Reject, &[S::Approved, S::Rejected]),
            Some(Outcome::Refused)
        );
        assert_eq!(
            outcome_after(Action::Refuse, &[S::Refused, S::Submitted]),
            Some(Outcome::Refused)
        );
        assert_eq!(
            outcome_after(Action::Withdraw, &[S::Withdrawn, S::Accepted]),
            Some(Outcome::Withdrawn)
        );
        // Other actions decide nothing.
        assert_eq!(
            outcome_after(Action::Accept, &[S::Approved, S::Accepted]),
            None
        );
        assert_eq!(
            outcome_after(Action::IssueLicence, &[S::LicenceIssued]),
            None
        );
        assert!(ends_parts(Outcome::Refused) && !ends_parts(Outcome::Approved));
        let p = progress(&[S::Approved, S::Accepted, S::Delivered, S::Withdrawn]);
        assert_eq!((p.total, p.decided, p.approved), (4, 3, 2));
    }

    #[test]
    fn a_bundles_form_asks_each_shared_field_once() {
        let ms: Vec<Matter> =
            serde_json::from_str(include_str!("../../../data/matters.json")).unwrap();
        let b: Vec<Bundle> =
            serde_json::from_str(include_str!("../../../data/bundles.json")).unwrap();
        for x in &b {
            x.validate(&ms).unwrap();
        }
        let members = b[0].members(&ms).unwrap();
        let form = shared_form(&members);
        let uscc = form
            .iter()
            .find(|(f, _)| f.key == "applicant_uscc")
            .unwrap();
        assert_eq!(uscc.1, members.len());
        let keys: HashSet<&str> = form.iter().map(|(f, _)| f.key.as_str()).collect();
        assert_eq!(keys.len(), form.len());
        // Each matter gets its own answers only.
        let mut answers = std::collections::BTreeMap::new();
        for (f, _) in &form {
            answers.insert(f.key.clone(), serde_json::json!("x"));
        }
        for m in &members {
            assert_eq!(form_for(m, &answers).len(), m.fields.len());
        }
        // A bundle naming a matter twice, or none that exists, is refused.
        let mut twice = b[0].clone();
        twice.matters[1] = twice.matters[0].clone();
        assert!(twice.validate(&ms).is_err());
        let mut missing = b[0].clone();
        missing.matters.push("G60-XXX-999".into());
        assert!(missing.validate(&ms).is_err());
        // Every matter with parts passes its checks.
        for m in ms.iter().filter(|m| !m.parts.is_empty()) {
            validate_parts(m).unwrap();
        }
        assert!(ms.iter().filter(|m| !m.parts.is_empty()).count() >= 2);
    }
}
