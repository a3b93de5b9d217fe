//! The lot rules against a reference model written apart from them: random bid sequences
//! (many bidders, bids racing the close, extensions) must agree on every accepted bid, the
//! final price and the close time.

use super::*;
use proptest::prelude::*;

const SELLER: &str = "91310000SELLER0000";
const LOT: &str = "lot-1";
const T0: i64 = 1_800_000_000_000;

fn bidder_name(i: usize) -> String {
    format!("BIDDER{i:02}")
}

fn rules(kind: LotKind, raise: Raise, extend_s: i64, cap_s: i64, reserve: i64) -> Rules {
    Rules {
        kind,
        start: 1_000,
        raise,
        extend_s,
        extend_cap_s: cap_s,
        opens_ms: T0,
        closes_ms: T0 + 600_000,
        reveal_until_ms: if kind == LotKind::Sealed {
            T0 + 1_200_000
        } else {
            T0 + 600_000
        },
        deposit: 100,
        confirm_s: 86_400,
        reserve_hash: reserve_hash(LOT, reserve, "reserve-nonce"),
    }
}

/// When an attempt comes: some milliseconds after the previous one, or on one of the edges
/// that matter (the close, one millisecond before it, the start of the extension window and
/// one millisecond before that), never earlier than the previous attempt.
#[derive(Debug, Clone)]
enum When {
    After(i64),
    Edge(u8),
}

/// One attempt: who (an index; 0 is the seller), how much above or below the standing bid,
/// and when.
#[derive(Debug, Clone)]
struct Attempt {
    who: usize,
    delta: i64,
    when: When,
}

fn attempts() -> impl Strategy<Value = Vec<Attempt>> {
    let when = prop_oneof![
        3 => (0i64..40_000).prop_map(When::After),
        1 => (0u8..4).prop_map(When::Edge),
    ];
    prop::collection::vec(
        (0usize..12, -50i64..400, when).prop_map(|(who, delta, when)| Attempt { who, delta, when }),
        0..200,
    )
}

/// The reference: the accepted bids as a plain list; the close recomputed from them.
struct Model {
    accepted: Vec<(String, i64, i64)>,
}

impl Model {
    fn close(&self, r: &Rules) -> i64 {
        let mut close = r.closes_ms;
        for (_, _, at) in &self.accepted {
            if r.extend_s > 0 && *at + r.extend_s * 1000 >= close {
                close = std::cmp::min(
                    close + r.extend_s * 1000,
                    r.closes_ms + r.extend_cap_s * 1000,
                )
                .max(close);
            }
        }
        close
    }

    fn accepts(
        &self,
        r: &Rules,
        who: &str,
        approved: bool,
        deposit: i64,
        amount: i64,
        at: i64,
    ) -> bool {
        if who == SELLER || !approved || deposit < r.deposit {
            return false;
        }
        if at < r.opens_ms || at >= self.close(r) || !(1..=MAX_AMOUNT).contains(&amount) {
            return false;
        }
        match self.accepted.last() {
            None => amount >= r.start,
            Some((last_who, last, _)) => {
                let raise = match r.raise {
                    Raise::Amount { yuan } => yuan,
                    Raise::Percent { percent } => {
                        let exact = *last as f64 * percent as f64 / 100.0;
                        (exact.ceil() as i64).max(1)
                    }
                };
                last_who != who && amount >= last + raise
            }
        }
    }
}

fn raise_strategy() -> impl Strategy<Value = Raise> {
    prop_oneof![
        (1i64..200).prop_map(|yuan| Raise::Amount { yuan }),
        (1i64..20).prop_map(|percent| Raise::Percent { percent }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ascending_agrees_with_the_reference(
        seq in attempts(),
        raise in raise_strategy(),
        extend_s in prop_oneof![Just(0i64), 1i64..120],
        cap_s in 0i64..600,
        reserve in 500i64..20_000,
        unapproved in 0usize..12,
        start_offset in -60_000i64..30_000,
    ) {
        let r = rules(LotKind::Ascending, raise, extend_s, cap_s, reserve);
        let mut st = LotState::new(&r);
        let mut model = Model { accepted: Vec::new() };
        let mut at = T0 + start_offset;
        for a in &seq {
            at = match a.when {
                When::After(gap) => at + gap,
                When::Edge(k) => {
                    let close = model.close(&r);
                    let step = r.extend_s * 1000;
                    let edge = [close, close - 1, close - step, close - step - 1][k as usize];
                    edge.max(at)
                }
            };
            let who = if a.who == 0 { SELLER.to_string() } else { bidder_name(a.who) };
            let approved = a.who != unapproved;
            let deposit = if a.who == 11 { 0 } else { 100 };
            let standing = st.high.as_ref().map_or(r.start, |h| h.amount);
            let amount = standing + a.delta;
            let b = Bidder { uscc: &who, approved, deposit };
            let expect = model.accepts(&r, &who, approved, deposit, amount, at);
            match place_bid(&r, SELLER, &st, &b, amount, at) {
                Ok(p) => {
                    prop_assert!(expect, "accepted {amount} by {who} at {at}; the model refuses");
                    model.accepted.push((who.clone(), amount, at));
                    prop_assert_eq!(p.bid.seq, model.accepted.len() as i64);
                    st = p.state;
                }
                Err(e) => prop_assert!(!expect, "refused ({}) {amount} by {who} at {at}; the model accepts", e.as_str()),
            }
            prop_assert_eq!(st.close_ms, model.close(&r));
            prop_assert!(st.close_ms <= r.closes_ms + r.extend_cap_s * 1000);
        }
        // The final price and the close time agree; settlement names the highest bidder if the
        // reserve is met, and keeps only the winner's deposit.
        let end = st.close_ms.max(at);
        let offers: Vec<Commitment> = model.accepted.iter().enumerate().map(|(i, (w, a, t))| Commitment {
            bidder: w.clone(), hash: String::new(), at_ms: *t, seq: i as i64 + 1, revealed: Some(*a),
        }).collect();
        let deposits: Vec<String> = (1..11).map(bidder_name).collect();
        let s = settle(&r, LOT, &st, &offers, reserve, "reserve-nonce", &deposits, end).unwrap();
        match model.accepted.last() {
            Some((w, a, _)) if *a >= reserve => {
                prop_assert_eq!(s.winner.clone(), Some(Standing { bidder: w.clone(), amount: *a }));
            }
            Some(_) => prop_assert_eq!(s.not_sold, Some(NotSold::ReserveNotMet)),
            None => prop_assert_eq!(s.not_sold, Some(NotSold::NoBids)),
        }
        let kept = s.deposits.iter().filter(|(_, f)| *f == DepositFate::Kept).count();
        prop_assert_eq!(kept, usize::from(s.winner.is_some()));
        prop_assert!(s.deposits.iter().all(|(_, f)| *f != DepositFate::Forfeited));
        // Prices only rise, and nobody follows their own bid.
        for w in model.accepted.windows(2) {
            prop_assert!(w[1].1 > w[0].1);
            prop_assert!(w[1].0 != w[0].0);
        }
        // The runner-up after a default has the next-best offer of another bidder.
        let d = after_default(&s);
        if let (Some(w), Some(n)) = (&s.winner, &d.winner) {
            prop_assert!(n.bidder != w.bidder && n.amount <= w.amount && n.amount >= reserve);
        }
    }

    #[test]
    fn sealed_bids_rank_by_amount_then_commitment(
        offers in prop::collection::vec((1usize..9, (1i64..50).prop_map(|x| x * 100), any::<bool>(), any::<bool>()), 0..40),
        reserve in 500i64..4_000,
    ) {
        let r = rules(LotKind::Sealed, Raise::Amount { yuan: 1 }, 0, 0, reserve);
        let mut st = LotState::new(&r);
        let mut kept: Vec<Commitment> = Vec::new();
        // Commit phase: each bidder once.
        for (i, (who, amount, _, _)) in offers.iter().enumerate() {
            let uscc = bidder_name(*who);
            let already = kept.iter().any(|c| c.bidder == uscc);
            let at = T0 + i as i64 * 1000;
            let b = Bidder { uscc: &uscc, approved: true, deposit: 100 };
            match commit(&r, SELLER, &st, &b, already, at) {
                Ok(next) => {
                    prop_assert!(!already);
                    st = next;
                    kept.push(Commitment {
                        bidder: uscc.clone(),
                        hash: bid_hash(LOT, &uscc, *amount, &format!("nonce-{i:04}")),
                        at_ms: at,
                        seq: st.bids,
                        revealed: None,
                    });
                }
                Err(e) => prop_assert_eq!(e, Refusal::AlreadyCommitted),
            }
        }
        // Nobody commits after the deadline or reveals before it.
        let late = Bidder { uscc: "LATECOMER", approved: true, deposit: 100 };
        prop_assert_eq!(commit(&r, SELLER, &st, &late, false, r.closes_ms), Err(Refusal::Closed));
        if let Some(c) = kept.first() {
            prop_assert_eq!(reveal(&r, LOT, &st, Some(c), 1, "nonce-0000", r.closes_ms - 1), Err(Refusal::NotRevealing));
        }
        // Reveal phase: some reveal, some with a wrong amount, some not at all.
        let at = r.closes_ms + 1;
        for c in kept.iter_mut() {
            let i = offers.iter().enumerate().position(|(i, (w, _, _, _))| {
                bidder_name(*w) == c.bidder && c.hash == bid_hash(LOT, &c.bidder, offers[i].1, &format!("nonce-{i:04}"))
            }).unwrap();
            let (_, amount, reveals, honest) = offers[i];
            if !reveals {
                continue;
            }
            let shown = if honest { amount } else { amount + 1 };
            match reveal(&r, LOT, &st, Some(c), shown, &format!("nonce-{i:04}"), at) {
                Ok(a) => {
                    prop_assert!(honest);
                    c.revealed = Some(a);
                }
                Err(e) => {
                    prop_assert!(!honest);
                    prop_assert_eq!(e, Refusal::RevealMismatch);
                }
            }
        }
        prop_assert_eq!(
            settle(&r, LOT, &st, &kept, reserve, "reserve-nonce", &[], r.reveal_until_ms - 1),
            Err(Refusal::NotEnded)
        );
        prop_assert_eq!(
            settle(&r, LOT, &st, &kept, reserve + 1, "reserve-nonce", &[], r.reveal_until_ms),
            Err(Refusal::ReserveMismatch)
        );
        let deposits: Vec<String> = kept.iter().map(|c| c.bidder.clone()).collect();
        let s = settle(&r, LOT, &st, &kept, reserve, "reserve-nonce", &deposits, r.reveal_until_ms).unwrap();
        // The reference: the highest revealed amount at or above both start and reserve, the
        // earliest commitment among equals.
        let floor = reserve.max(r.start);
        let mut want: Option<&Commitment> = None;
        for c in &kept {
            if let Some(a) = c.revealed.filter(|a| *a >= floor) {
                if want.is_none_or(|w| a > w.revealed.unwrap_or(0)) {
                    want = Some(c);
                }
            }
        }
        prop_assert_eq!(s.winner.as_ref().map(|w| &w.bidder), want.map(|c| &c.bidder));
        for (u, fate) in &s.deposits {
            let c = kept.iter().find(|c| &c.bidder == u).unwrap();
            let expect = if want.is_some_and(|w| &w.bidder == u) {
                DepositFate::Kept
            } else if c.revealed.is_none() {
                DepositFate::Forfeited
            } else {
                DepositFate::Released
            };
            prop_assert_eq!(*fate, expect);
        }
    }
}

fn ready() -> (Rules, LotState) {
    let r = rules(
        LotKind::Ascending,
        Raise::Percent { percent: 5 },
        120,
        300,
        1_500,
    );
    let st = LotState::new(&r);
    (r, st)
}

#[test]
fn each_refusal_names_its_reason() {
    let (r, st) = ready();
    let a = Bidder {
        uscc: "A",
        approved: true,
        deposit: 100,
    };
    let open = T0 + 1;
    let seller = Bidder { uscc: SELLER, ..a };
    let cases = [
        (seller, 2_000, open, Refusal::SellerCannotBid),
        (
            Bidder {
                approved: false,
                ..a
            },
            2_000,
            open,
            Refusal::NotApproved,
        ),
        (Bidder { deposit: 99, ..a }, 2_000, open, Refusal::NoDeposit),
        (a, 2_000, T0 - 1, Refusal::NotOpenYet),
        (a, 2_000, r.closes_ms, Refusal::Closed),
        (a, 999, open, Refusal::BelowStart),
        (a, 0, open, Refusal::AmountOutOfRange),
        (a, MAX_AMOUNT + 1, open, Refusal::AmountOutOfRange),
    ];
    for (who, amount, at, want) in cases {
        assert_eq!(
            place_bid(&r, SELLER, &st, &who, amount, at),
            Err(want),
            "{want:?}"
        );
    }
    let p = place_bid(&r, SELLER, &st, &a, 1_000, open).unwrap();
    assert_eq!(
        place_bid(&r, SELLER, &p.state, &a, 5_000, open),
        Err(Refusal::AlreadyHighest)
    );
    let b = Bidder { uscc: "B", ..a };
    // 5 % of 1,000 is 50: 1,049 is too little, 1,050 enough.
    assert_eq!(r.min_next(&p.state), 1_050);
    assert_eq!(
        place_bid(&r, SELLER, &p.state, &b, 1_049, open),
        Err(Refusal::BelowMinimumRaise)
    );
    assert!(place_bid(&r, SELLER, &p.state, &b, 1_050, open).is_ok());
    assert_eq!(
        commit(&r, SELLER, &st, &a, false, open),
        Err(Refusal::WrongKind)
    );
    for code in Refusal::ALL {
        let (en, zh) = code.text();
        assert!(!en.is_empty() && !zh.is_empty());
    }
}

#[test]
fn a_late_bid_extends_the_close_up_to_the_cap() {
    let (r, st) = ready();
    let a = Bidder {
        uscc: "A",
        approved: true,
        deposit: 100,
    };
    let b = Bidder { uscc: "B", ..a };
    // 10 s before the close (within 120 s): the close moves 120 s.
    let p = place_bid(&r, SELLER, &st, &a, 1_000, r.closes_ms - 10_000).unwrap();
    assert!(p.extended);
    assert_eq!(p.state.close_ms, r.closes_ms + 120_000);
    // Early bids do not move it.
    let (r2, st2) = ready();
    let q = place_bid(&r2, SELLER, &st2, &a, 1_000, T0 + 1).unwrap();
    assert!(!q.extended);
    // Late bids keep moving it, never beyond the cap (300 s).
    let mut s = p.state;
    let mut who = [b, a].into_iter().cycle();
    for _ in 0..10 {
        let w = who.next().unwrap();
        let at = s.close_ms - 1_000;
        let amount = r.min_next(&s);
        s = place_bid(&r, SELLER, &s, &w, amount, at).unwrap().state;
    }
    assert_eq!(s.close_ms, r.closes_ms + 300_000);
    assert!(place_bid(&r, SELLER, &s, &a, r.min_next(&s) * 2, s.close_ms).is_err());
}

#[test]
fn rules_are_checked() {
    let (mut r, _) = ready();
    assert!(r.check().is_ok());
    r.start = 0;
    r.raise = Raise::Percent { percent: 0 };
    r.closes_ms = r.opens_ms;
    r.reserve_hash = "x".into();
    let errs = r.check().unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["start", "raise", "closes_at", "reveal_until", "reserve"]
    );
}
