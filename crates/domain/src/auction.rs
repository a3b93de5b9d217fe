//! Technology achievement auctions: the rules of a lot, as pure functions of the lot, its
//! state, the bidder and the server's clock.
//!
//! - **Ascending (English):** a start price, a minimum raise (an amount or a percentage of the
//!   standing bid), a reserve fixed before opening and committed to by hash ([`reserve_hash`]),
//!   revealed at close; a bid in the last `extend_s` seconds moves the close `extend_s` later,
//!   never beyond `extend_cap_s` after the scheduled close. Bids bind: none is withdrawn. The
//!   seller's side cannot bid; the standing bidder cannot raise their own bid.
//! - **Sealed bid:** until the deadline each bidder commits once to a hash of (amount, nonce)
//!   ([`bid_hash`]); after it and before `reveal_until_ms` they reveal. The highest revealed
//!   bid at or above the reserve wins at its own amount; a tie goes to the earlier commitment.
//!   A commitment not revealed by the deadline forfeits its deposit.
//!
//! Amounts are whole yuan. Server time decides everything: the caller passes `now`.

use crate::text::FieldError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod settlement;
pub use settlement::*;
#[cfg(test)]
mod tests;

/// The largest amount a bid, price, reserve or deposit may be: 100 billion yuan.
pub const MAX_AMOUNT: i64 = 100_000_000_000;
/// The longest anti-sniping step (one hour) and the most a close may move (one day).
pub const MAX_EXTEND_S: i64 = 3_600;
pub const MAX_EXTEND_CAP_S: i64 = 86_400;
/// The longest a lot may stay open (90 days), and the most time to confirm a sale (30 days).
pub const MAX_OPEN_S: i64 = 90 * 86_400;
pub const MAX_CONFIRM_S: i64 = 30 * 86_400;
/// A nonce is 8 to 128 characters.
pub const NONCE_CHARS: std::ops::RangeInclusive<usize> = 8..=128;

crate::codes! {
    /// How a lot is sold.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum LotKind {
        Ascending,
        Sealed,
    }
}

crate::codes! {
    /// The rights a listing offers.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Rights {
        Assignment,
        ExclusiveLicence,
        NonExclusiveLicence,
    }
}

crate::codes! {
    /// Where a lot stands after bidding: not yet settled, sold and waiting for the parties to
    /// confirm, confirmed, or not sold.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum LotStatus {
        Pending,
        Sold,
        Confirmed,
        NotSold,
    }
}

crate::codes! {
    /// Why a bid, commitment, reveal or settlement was refused: a stable code each.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Refusal {
        NotApproved,
        NoDeposit,
        SellerCannotBid,
        NotOpenYet,
        Closed,
        AmountOutOfRange,
        BelowStart,
        BelowMinimumRaise,
        AlreadyHighest,
        WrongKind,
        AlreadyCommitted,
        NotRevealing,
        NoCommitment,
        AlreadyRevealed,
        RevealMismatch,
        NotEnded,
        ReserveMismatch,
        Settled,
    }
}

impl Refusal {
    /// What the bidder reads, in English and Chinese.
    pub fn text(self) -> (&'static str, &'static str) {
        match self {
            Refusal::NotApproved => (
                "you are not an approved bidder of this session",
                "您不是本场次已获批准的竞买人",
            ),
            Refusal::NoDeposit => (
                "no deposit is recorded for you in this session",
                "本场次尚未登记您的保证金",
            ),
            Refusal::SellerCannotBid => (
                "the seller's side cannot bid on its own lot",
                "卖方不得对自己的拍品出价",
            ),
            Refusal::NotOpenYet => ("bidding has not opened yet", "竞价尚未开始"),
            Refusal::Closed => ("bidding on this lot has closed", "本拍品竞价已结束"),
            Refusal::AmountOutOfRange => (
                "the amount must be a whole number of yuan from 1 to 100,000,000,000",
                "金额须为 1 至 1000 亿之间的整数元",
            ),
            Refusal::BelowStart => (
                "the bid is below the start price",
                "出价低于起拍价",
            ),
            Refusal::BelowMinimumRaise => (
                "the bid does not raise the standing bid by the minimum raise",
                "出价未达到最低加价幅度",
            ),
            Refusal::AlreadyHighest => (
                "you already hold the highest bid",
                "您已是当前最高出价人",
            ),
            Refusal::WrongKind => (
                "this lot is not sold that way",
                "本拍品不采用该竞价方式",
            ),
            Refusal::AlreadyCommitted => (
                "you have already sealed a bid on this lot",
                "您已对本拍品提交过密封出价",
            ),
            Refusal::NotRevealing => (
                "sealed bids are revealed only after the bidding deadline and before the reveal deadline",
                "密封出价只能在投标截止后、揭标截止前揭示",
            ),
            Refusal::NoCommitment => (
                "you sealed no bid on this lot",
                "您未对本拍品提交密封出价",
            ),
            Refusal::AlreadyRevealed => (
                "your sealed bid is already revealed",
                "您的密封出价已揭示",
            ),
            Refusal::RevealMismatch => (
                "the amount and nonce do not match your sealed bid",
                "金额与随机串与您的密封出价不符",
            ),
            Refusal::NotEnded => (
                "the lot cannot be settled before bidding and revealing have ended",
                "竞价和揭标结束前不能结算",
            ),
            Refusal::ReserveMismatch => (
                "the stored reserve does not match the hash committed at creation",
                "保存的保留价与创建时承诺的哈希不符",
            ),
            Refusal::Settled => ("the lot is already settled", "本拍品已结算"),
        }
    }
}

/// The minimum raise of an ascending lot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Raise {
    /// At least this many yuan above the standing bid.
    Amount { yuan: i64 },
    /// At least this percentage (1–100) of the standing bid above it, rounded up to a yuan.
    Percent { percent: i64 },
}

/// A lot's rules, fixed when it is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rules {
    pub kind: LotKind,
    /// Ascending: the lowest first bid. Sealed: the lowest bid that counts.
    pub start: i64,
    /// Ascending only.
    pub raise: Raise,
    /// Ascending: a bid this close to the close moves it this much later (0: never).
    pub extend_s: i64,
    /// Ascending: the most the close may move beyond the scheduled close.
    pub extend_cap_s: i64,
    pub opens_ms: i64,
    /// Ascending: the scheduled close. Sealed: the deadline for sealed bids.
    pub closes_ms: i64,
    /// Sealed: the deadline for reveals (ascending: equal to `closes_ms`).
    pub reveal_until_ms: i64,
    /// The deposit a bidder must have recorded (bookkeeping only).
    pub deposit: i64,
    /// How long the winner and the seller have to confirm the sale.
    pub confirm_s: i64,
    /// SHA-256 (hex) committing to the reserve ([`reserve_hash`]).
    pub reserve_hash: String,
}

impl Rules {
    /// Checks rules for a new lot; every problem as a field error.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut bad = |f: &str, en: &str, zh: &str| errs.push(FieldError::new(f, en, zh));
        let amount = |v: i64| (1..=MAX_AMOUNT).contains(&v);
        if !amount(self.start) {
            bad(
                "start",
                Refusal::AmountOutOfRange.text().0,
                Refusal::AmountOutOfRange.text().1,
            );
        }
        if !(0..=MAX_AMOUNT).contains(&self.deposit) {
            bad(
                "deposit",
                "the deposit must be from 0 to 100,000,000,000 yuan",
                "保证金须在 0 至 1000 亿元之间",
            );
        }
        match self.raise {
            Raise::Amount { yuan } if !amount(yuan) => bad(
                "raise",
                "the minimum raise must be at least 1 yuan",
                "最低加价幅度至少为 1 元",
            ),
            Raise::Percent { percent } if !(1..=100).contains(&percent) => bad(
                "raise",
                "the minimum raise must be 1 to 100 percent",
                "最低加价比例须在 1% 至 100% 之间",
            ),
            _ => {}
        }
        if !(0..=MAX_EXTEND_S).contains(&self.extend_s) {
            bad(
                "extend_s",
                "the extension must be 0 to 3,600 seconds",
                "延时须在 0 至 3600 秒之间",
            );
        }
        if !(0..=MAX_EXTEND_CAP_S).contains(&self.extend_cap_s) {
            bad(
                "extend_cap_s",
                "the extension cap must be 0 to 86,400 seconds",
                "延时上限须在 0 至 86400 秒之间",
            );
        }
        let open = self.closes_ms - self.opens_ms;
        if open <= 0 || open > MAX_OPEN_S * 1000 {
            bad(
                "closes_at",
                "the close must be after the opening, at most 90 days later",
                "截止时间须晚于开始时间，且不超过 90 天",
            );
        }
        match self.kind {
            LotKind::Ascending if self.reveal_until_ms != self.closes_ms => bad(
                "reveal_until",
                "an ascending lot has no reveal deadline",
                "增价拍卖没有揭标截止时间",
            ),
            LotKind::Sealed
                if self.reveal_until_ms <= self.closes_ms
                    || self.reveal_until_ms - self.closes_ms > MAX_OPEN_S * 1000 =>
            {
                bad(
                    "reveal_until",
                    "the reveal deadline must be after the bidding deadline, at most 90 days later",
                    "揭标截止须晚于投标截止，且不超过 90 天",
                )
            }
            _ => {}
        }
        if !(3_600..=MAX_CONFIRM_S).contains(&self.confirm_s) {
            bad(
                "confirm_s",
                "the time to confirm must be one hour to 30 days",
                "确认期限须在 1 小时至 30 天之间",
            );
        }
        if self.reserve_hash.len() != 64
            || !self.reserve_hash.bytes().all(|b| b.is_ascii_hexdigit())
        {
            bad(
                "reserve",
                "the reserve commitment must be a SHA-256 in hex",
                "保留价承诺须为十六进制 SHA-256",
            );
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    }

    /// When bidding (ascending) or revealing (sealed) is over, given the state.
    pub fn ends_ms(&self, st: &LotState) -> i64 {
        match self.kind {
            LotKind::Ascending => st.close_ms,
            LotKind::Sealed => self.reveal_until_ms,
        }
    }

    /// Where the lot is at `now`.
    pub fn phase(&self, st: &LotState, now: i64) -> Phase {
        if now < self.opens_ms {
            Phase::Before
        } else if now < st.close_ms {
            Phase::Bidding
        } else if self.kind == LotKind::Sealed && now < self.reveal_until_ms {
            Phase::Revealing
        } else {
            Phase::Ended
        }
    }

    /// The lowest bid an ascending lot accepts next.
    pub fn min_next(&self, st: &LotState) -> i64 {
        match &st.high {
            None => self.start,
            Some(h) => h.amount.saturating_add(match self.raise {
                Raise::Amount { yuan } => yuan,
                // Rounded up, and at least one yuan.
                Raise::Percent { percent } => ((h.amount * percent + 99) / 100).max(1),
            }),
        }
    }
}

crate::codes! {
    /// Where a lot is in time.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum Phase {
        Before,
        Bidding,
        Revealing,
        Ended,
    }
}

/// An accepted bid (ascending) or a commitment (sealed): who, how much (sealed: once
/// revealed), when, and its place among the lot's bids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bid {
    /// The bidding enterprise's USCC.
    pub bidder: String,
    pub amount: i64,
    pub at_ms: i64,
    /// 1 for the lot's first bid or commitment, then 2, 3, …
    pub seq: i64,
}

/// What changes as a lot is bid on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LotState {
    /// The close now (ascending: moved by late bids; sealed: the bidding deadline).
    pub close_ms: i64,
    /// Ascending: the standing bid.
    pub high: Option<Bid>,
    /// Bids accepted (ascending) or sealed (sealed).
    pub bids: i64,
    /// How many times a late bid moved the close.
    pub extensions: i64,
}

impl LotState {
    pub fn new(rules: &Rules) -> LotState {
        LotState {
            close_ms: rules.closes_ms,
            high: None,
            bids: 0,
            extensions: 0,
        }
    }
}

/// The bidder as the session knows them.
#[derive(Debug, Clone, Copy)]
pub struct Bidder<'a> {
    pub uscc: &'a str,
    /// Approved by the joint office for the lot's session.
    pub approved: bool,
    /// A deposit of at least the lot's is recorded.
    pub deposit: i64,
}

/// Whether `who` may bid (`kind`: how) on a lot sold by `seller` at `now`: the lot's kind,
/// the bidder (not the seller, approved, with the deposit), the time (open, not closed).
fn may_bid(
    rules: &Rules,
    kind: LotKind,
    seller: &str,
    st: &LotState,
    who: &Bidder<'_>,
    now: i64,
) -> Result<(), Refusal> {
    if rules.kind != kind {
        Err(Refusal::WrongKind)
    } else if who.uscc == seller {
        Err(Refusal::SellerCannotBid)
    } else if !who.approved {
        Err(Refusal::NotApproved)
    } else if who.deposit < rules.deposit {
        Err(Refusal::NoDeposit)
    } else {
        match rules.phase(st, now) {
            Phase::Before => Err(Refusal::NotOpenYet),
            Phase::Bidding => Ok(()),
            _ => Err(Refusal::Closed),
        }
    }
}

/// An accepted ascending bid and the state after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub bid: Bid,
    pub state: LotState,
    /// Whether the bid moved the close.
    pub extended: bool,
}

/// An ascending bid of `amount` by `who` at `now`.
pub fn place_bid(
    rules: &Rules,
    seller: &str,
    st: &LotState,
    who: &Bidder<'_>,
    amount: i64,
    now: i64,
) -> Result<Placed, Refusal> {
    may_bid(rules, LotKind::Ascending, seller, st, who, now)?;
    if !(1..=MAX_AMOUNT).contains(&amount) {
        return Err(Refusal::AmountOutOfRange);
    }
    match &st.high {
        None if amount < rules.start => return Err(Refusal::BelowStart),
        Some(h) if h.bidder == who.uscc => return Err(Refusal::AlreadyHighest),
        Some(_) if amount < rules.min_next(st) => return Err(Refusal::BelowMinimumRaise),
        _ => {}
    }
    let step = rules.extend_s * 1000;
    let cap = rules.closes_ms + rules.extend_cap_s * 1000;
    let late = step > 0 && now >= st.close_ms - step;
    let close_ms = if late {
        (st.close_ms + step).min(cap).max(st.close_ms)
    } else {
        st.close_ms
    };
    let bid = Bid {
        bidder: who.uscc.to_string(),
        amount,
        at_ms: now,
        seq: st.bids + 1,
    };
    let extended = close_ms > st.close_ms;
    let state = LotState {
        close_ms,
        high: Some(bid.clone()),
        bids: st.bids + 1,
        extensions: st.extensions + i64::from(extended),
    };
    Ok(Placed {
        bid,
        state,
        extended,
    })
}

/// A sealed bid's commitment: SHA-256 (hex) of the lot, the bidder, the amount and a nonce the
/// bidder keeps until revealing.
pub fn bid_hash(lot: &str, bidder: &str, amount: i64, nonce: &str) -> String {
    digest(&[
        "corridor/sealed-bid/v1",
        lot,
        bidder,
        &amount.to_string(),
        nonce,
    ])
}

/// The reserve's commitment: SHA-256 (hex) of the lot, the reserve and a nonce.
pub fn reserve_hash(lot: &str, reserve: i64, nonce: &str) -> String {
    digest(&["corridor/reserve/v1", lot, &reserve.to_string(), nonce])
}

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Whether a nonce has an acceptable length.
pub fn nonce_ok(nonce: &str) -> bool {
    NONCE_CHARS.contains(&nonce.chars().count()) && !nonce.chars().any(char::is_control)
}

/// A sealed commitment by `who` at `now`; `already`: they have one on this lot.
pub fn commit(
    rules: &Rules,
    seller: &str,
    st: &LotState,
    who: &Bidder<'_>,
    already: bool,
    now: i64,
) -> Result<LotState, Refusal> {
    may_bid(rules, LotKind::Sealed, seller, st, who, now)?;
    if already {
        return Err(Refusal::AlreadyCommitted);
    }
    Ok(LotState {
        bids: st.bids + 1,
        ..st.clone()
    })
}

/// A sealed commitment as kept: its hash, and the amount once revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    pub bidder: String,
    pub hash: String,
    pub at_ms: i64,
    pub seq: i64,
    pub revealed: Option<i64>,
}

/// Opens `c` with `amount` and `nonce` at `now`: the amount, if it matches.
pub fn reveal(
    rules: &Rules,
    lot: &str,
    st: &LotState,
    c: Option<&Commitment>,
    amount: i64,
    nonce: &str,
    now: i64,
) -> Result<i64, Refusal> {
    if rules.kind != LotKind::Sealed {
        return Err(Refusal::WrongKind);
    }
    match rules.phase(st, now) {
        Phase::Revealing => {}
        Phase::Ended => return Err(Refusal::Closed),
        _ => return Err(Refusal::NotRevealing),
    }
    let c = c.ok_or(Refusal::NoCommitment)?;
    if c.revealed.is_some() {
        return Err(Refusal::AlreadyRevealed);
    }
    if !(1..=MAX_AMOUNT).contains(&amount) || !nonce_ok(nonce) {
        return Err(Refusal::RevealMismatch);
    }
    if bid_hash(lot, &c.bidder, amount, nonce) != c.hash {
        return Err(Refusal::RevealMismatch);
    }
    Ok(amount)
}
