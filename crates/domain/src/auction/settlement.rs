//! After bidding: ranking the offers, the winner or why not sold, each deposit's fate, and a
//! winner's default.

use super::*;

/// A bidder's best offer, in the order they rank at settlement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Standing {
    pub bidder: String,
    pub amount: i64,
}

crate::codes! {
    /// Why a lot was not sold.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum NotSold {
        NoBids,
        ReserveNotMet,
        /// Every bidder at or above the reserve defaulted.
        Defaulted,
    }
}

crate::codes! {
    /// What becomes of a bidder's deposit.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum DepositFate {
        /// Kept toward the price (the winner).
        Kept,
        Released,
        /// An unrevealed sealed bid, or a winner who did not confirm.
        Forfeited,
    }
}

/// The result of a lot's bidding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settlement {
    /// The winner (USCC) and price, or why not sold.
    pub winner: Option<Standing>,
    pub not_sold: Option<NotSold>,
    /// The reserve, revealed.
    pub reserve: i64,
    /// Every bidder's best offer at or above the reserve, best first: who is next should the
    /// winner default.
    pub ranking: Vec<Standing>,
    /// What becomes of each deposit recorded in the session (by USCC).
    pub deposits: Vec<(String, DepositFate)>,
}

/// Settles a lot after bidding (and revealing) ended: checks the reserve against its
/// commitment, ranks the offers, names the winner and each deposit's fate.
///
/// `bids`: every accepted bid (ascending) or every commitment with its revealed amount
/// (sealed), in order. `deposits`: every bidder with a recorded deposit.
#[allow(clippy::too_many_arguments)]
pub fn settle(
    rules: &Rules,
    lot: &str,
    st: &LotState,
    bids: &[Commitment],
    reserve: i64,
    reserve_nonce: &str,
    deposits: &[String],
    now: i64,
) -> Result<Settlement, Refusal> {
    if now < rules.ends_ms(st) {
        return Err(Refusal::NotEnded);
    }
    if reserve_hash(lot, reserve, reserve_nonce) != rules.reserve_hash {
        return Err(Refusal::ReserveMismatch);
    }
    // Each bidder's best offer; ties to the earlier (commitment or bid).
    let mut best: Vec<&Commitment> = Vec::new();
    for b in bids {
        let Some(amount) = b.revealed else { continue };
        if amount < rules.start {
            continue;
        }
        match best.iter_mut().find(|x| x.bidder == b.bidder) {
            Some(x) if x.revealed < Some(amount) => *x = b,
            Some(_) => {}
            None => best.push(b),
        }
    }
    best.sort_by(|a, b| b.revealed.cmp(&a.revealed).then(a.seq.cmp(&b.seq)));
    let any = !best.is_empty();
    let ranking: Vec<Standing> = best
        .iter()
        .filter(|b| b.revealed >= Some(reserve))
        .map(|b| Standing {
            bidder: b.bidder.clone(),
            amount: b.revealed.unwrap_or_default(),
        })
        .collect();
    let winner = ranking.first().cloned();
    let not_sold = match (&winner, any) {
        (Some(_), _) => None,
        (None, false) => Some(NotSold::NoBids),
        (None, true) => Some(NotSold::ReserveNotMet),
    };
    let unrevealed = |u: &str| {
        rules.kind == LotKind::Sealed && bids.iter().any(|b| b.bidder == u && b.revealed.is_none())
    };
    let deposits = deposits
        .iter()
        .map(|u| {
            let fate = if winner.as_ref().is_some_and(|w| &w.bidder == u) {
                DepositFate::Kept
            } else if unrevealed(u) {
                DepositFate::Forfeited
            } else {
                DepositFate::Released
            };
            (u.clone(), fate)
        })
        .collect();
    Ok(Settlement {
        winner,
        not_sold,
        reserve,
        ranking,
        deposits,
    })
}

/// The winner did not confirm in time: their deposit is forfeited and the next in the ranking
/// (at their own offer) becomes the winner, whose deposit is kept; with nobody left the lot is
/// not sold (to be listed again).
pub fn after_default(s: &Settlement) -> Settlement {
    let mut s = s.clone();
    let Some(w) = s.winner.take() else {
        return s;
    };
    let at = s.ranking.iter().position(|r| r.bidder == w.bidder);
    let next = at.and_then(|i| s.ranking.get(i + 1)).cloned();
    for (u, fate) in s.deposits.iter_mut() {
        if *u == w.bidder {
            *fate = DepositFate::Forfeited;
        } else if next.as_ref().is_some_and(|n| &n.bidder == u) {
            *fate = DepositFate::Kept;
        }
    }
    if next.is_none() {
        s.not_sold = Some(NotSold::Defaulted);
    }
    s.winner = next;
    s
}
