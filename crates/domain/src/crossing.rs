//! Two nodes acting on one case at once. When each city runs its own node, the receiving
//! window may withdraw a case while the deciding authority, not yet told, acts on it: the two
//! steps cross, and each node receives the other's step against a case that has moved. Both
//! must end in the same state, with no message left refused.
//!
//! The rule: **the withdrawal applies wherever the deciding authority's status still allows
//! one; otherwise its decision stands and the withdrawal is void.** Each node can tell which
//! from what it holds and what the other reports, so both reach the same end without asking:
//!
//! | where | what arrives | case here | outcome |
//! |---|---|---|---|
//! | the window's node | an authority's step leaving the case withdrawable (accepted, a correction asked) | withdrawn | [`Crossing::Superseded`]: nothing changes; the authority applies the withdrawal when it arrives |
//! | the window's node | an authority's step leaving it decided (approved, rejected, refused) | withdrawn | [`Crossing::Adopted`]: the case takes the authority's status; the withdrawal is void |
//! | the deciding node | the window's withdrawal | decided | [`Crossing::Void`]: nothing changes |
//!
//! Everything else is no crossing: the ordinary [`transition`] applies.

use crate::case::{transition, Action, Status};

/// What a node does with a step that crossed a withdrawal (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crossing {
    /// The authority's step is recorded and changes nothing: the case stays withdrawn.
    Superseded,
    /// The authority's decision stands: the case takes the status the authority reports.
    Adopted,
    /// The withdrawal came after the decision: recorded, and changes nothing.
    Void,
}

impl Crossing {
    /// What the case's audit record says of the step.
    pub fn note(self) -> &'static str {
        match self {
            Crossing::Superseded => "superseded: withdrawn here before this step arrived",
            Crossing::Adopted => "void: the authority decided before the withdrawal reached it",
            Crossing::Void => "void: decided here before the withdrawal arrived",
        }
    }
}

/// Whether a case in `status` may still be withdrawn.
pub fn withdrawable(status: Status) -> bool {
    // Withdrawal does not depend on the way in or the licence.
    transition(status, Action::Withdraw, true, false).is_ok()
}

/// Whether `action` leads to `status` from some status (what a node reports after it).
fn leads_to(action: Action, status: Status) -> bool {
    Status::ALL.into_iter().any(|s| {
        [true, false].into_iter().any(|window| {
            [true, false].into_iter().any(|licence| {
                transition(s, action, window, licence).is_ok_and(|next| next == status)
            })
        })
    })
}

/// How `action`, taken by the other node on a case that is `here` at this node and `there`
/// (after the action) at the other, meets a withdrawal; `None` when the two did not cross
/// (or `there` is not what `action` leads to: then the ordinary check refuses it).
pub fn crossed_withdrawal(here: Status, action: Action, there: Status) -> Option<Crossing> {
    match (here, action) {
        (Status::Withdrawn, Action::Withdraw) => None,
        (Status::Withdrawn, _) if !leads_to(action, there) => None,
        (Status::Withdrawn, _) if withdrawable(there) => Some(Crossing::Superseded),
        (Status::Withdrawn, _) => Some(Crossing::Adopted),
        (s, Action::Withdraw) if !withdrawable(s) && s != Status::Withdrawn => Some(Crossing::Void),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decision_stands_else_the_withdrawal() {
        use Crossing::*;
        use Status as S;
        // At the window's node, withdrawn: the authority's step crossed the withdrawal.
        let at_window = |a, there| crossed_withdrawal(S::Withdrawn, a, there);
        assert_eq!(at_window(Action::Accept, S::Accepted), Some(Superseded));
        assert_eq!(
            at_window(Action::RequestCorrection, S::CorrectionRequested),
            Some(Superseded)
        );
        assert_eq!(at_window(Action::Approve, S::Approved), Some(Adopted));
        assert_eq!(at_window(Action::Reject, S::Rejected), Some(Adopted));
        assert_eq!(at_window(Action::Refuse, S::Refused), Some(Adopted));
        // At the deciding node: a withdrawal of a decided case is void; of one still open,
        // no crossing (it applies).
        for s in [S::Approved, S::Rejected, S::Refused, S::LicenceIssued] {
            assert_eq!(
                crossed_withdrawal(s, Action::Withdraw, S::Withdrawn),
                Some(Void)
            );
        }
        for s in [
            S::Forwarded,
            S::Accepted,
            S::CorrectionRequested,
            S::Resubmitted,
        ] {
            assert_eq!(crossed_withdrawal(s, Action::Withdraw, S::Withdrawn), None);
        }
        // A status the action cannot lead to is no crossing (the ordinary check refuses it).
        assert_eq!(at_window(Action::Accept, S::Approved), None);
        assert_eq!(at_window(Action::Approve, S::LicenceIssued), None);
        // No crossing: ordinary steps, and a withdrawal arriving twice (refused as usual).
        assert_eq!(
            crossed_withdrawal(S::Forwarded, Action::Accept, S::Accepted),
            None
        );
        assert_eq!(
            crossed_withdrawal(S::Withdrawn, Action::Withdraw, S::Withdrawn),
            None
        );
        // Both ends agree: whenever the window adopts a decision, the deciding node voids
        // the withdrawal, and whenever the window ignores a step, the withdrawal applies there.
        for (action, there) in [
            (Action::Accept, S::Accepted),
            (Action::RequestCorrection, S::CorrectionRequested),
            (Action::Approve, S::Approved),
            (Action::Reject, S::Rejected),
            (Action::Refuse, S::Refused),
        ] {
            let window = crossed_withdrawal(S::Withdrawn, action, there);
            let decider = crossed_withdrawal(there, Action::Withdraw, S::Withdrawn);
            match window {
                Some(Adopted) => assert_eq!(decider, Some(Void), "{there:?}"),
                Some(Superseded) => assert_eq!(decider, None, "{there:?}"),
                other => panic!("{there:?}: {other:?}"),
            }
        }
    }
}
