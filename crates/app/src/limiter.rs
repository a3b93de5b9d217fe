//! Failed sign-ins, limited per client address and per (address, account) pair.
//!
//! Why not per account: a lock per account lets anyone lock anyone out (usernames such as
//! `clerk.<city>` are guessable), a denial of service on every window. Here a failure counts
//! against the pair that made it and against its address:
//!
//! - a pair is refused after [`PAIR_FAILURES`] failures within [`WINDOW_MS`], and each further
//!   lock of the same pair lasts twice as long (up to [`MAX_LOCK_MS`]);
//! - an address is refused after [`ADDRESS_FAILURES`] failures within the window, whichever
//!   accounts they were for (one address cannot sweep many accounts);
//! - the account's owner, signing in from another address, is never refused because of
//!   someone else's failures.
//!
//! Guessing one account from many addresses is bounded by the addresses an attacker has
//! (each gets [`PAIR_FAILURES`] guesses per window) and by the argon2 cost of every guess; it
//! is logged (`repeated failed sign-ins for one account`) for the operator.
//!
//! Attempts in flight count as failures until they are decided, so parallel attempts cannot
//! get more guesses than the limit (the check and the reservation are one step under the
//! lock). Memory is bounded: at most [`MAX_ENTRIES`] entries, usernames are at most 64
//! characters before they reach here, expired entries are swept, and when the table is full
//! the entry idle longest is dropped.

use std::collections::HashMap;
use std::net::IpAddr;

pub const PAIR_FAILURES: u32 = 5;
pub const ADDRESS_FAILURES: u32 = 50;
/// Failures older than this are forgotten.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// The first lock of a pair; each next lock of the same pair doubles it.
pub const FIRST_LOCK_MS: i64 = 60 * 1000;
pub const MAX_LOCK_MS: i64 = 60 * 60 * 1000;
/// Failures for one account, from every address, within the window that raise a warning.
pub const ACCOUNT_WARN_FAILURES: u32 = 20;
pub const MAX_ENTRIES: usize = 100_000;
/// No sign-in takes this long; a reservation older than this is forgotten.
pub const PENDING_MS: i64 = 60 * 1000;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Key {
    Pair(IpAddr, String),
    Address(IpAddr),
    Account(String),
}

#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    /// Failures in the current window.
    failures: u32,
    /// Attempts admitted and not yet decided.
    pending: u32,
    /// When the window started.
    since: i64,
    /// Refused until then.
    locked_until: i64,
    /// How many times this key was locked (the next lock lasts 2^locks × the first).
    locks: u32,
    last_seen: i64,
}

impl Refused {
    /// The answer to a refused attempt: `too_many_attempts` with `Retry-After`. `what` names
    /// the attempts (sign-ins, look-ups) in English and Chinese.
    pub(crate) fn error(self, what: (&str, &str)) -> crate::AppError {
        let secs = (self.retry_after_ms + 999) / 1000;
        let mut e = crate::AppError::new(
            crate::ErrorCode::TooManyAttempts,
            format!(
                "too many failed {} from this address; try again in {secs} s",
                what.0
            ),
        )
        .with_zh(format!("该地址{}失败次数过多，请 {secs} 秒后再试", what.1));
        e.retry_after_s = Some(secs.max(1) as u64);
        e
    }
}

/// A refusal: how long until the next attempt may be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after_ms: i64,
}

/// An admitted attempt; hand it back to [`LoginLimiter::succeeded`] or
/// [`LoginLimiter::failed`].
#[derive(Debug)]
pub struct Attempt {
    ip: IpAddr,
    account: String,
}

#[derive(Default)]
pub struct LoginLimiter {
    entries: HashMap<Key, Entry>,
}

impl LoginLimiter {
    /// Checks the address and the pair and, if neither is refused, reserves an attempt.
    pub fn admit(&mut self, ip: IpAddr, account: &str, now: i64) -> Result<Attempt, Refused> {
        let pair = Key::Pair(ip, account.to_string());
        let addr = Key::Address(ip);
        let mut wait = 0;
        for (k, limit) in [(&pair, PAIR_FAILURES), (&addr, ADDRESS_FAILURES)] {
            if let Some(e) = self.entries.get_mut(k) {
                expire(e, now);
                if e.locked_until > now {
                    wait = wait.max(e.locked_until - now);
                } else if e.failures + e.pending >= limit {
                    // Attempts in flight fill the allowance: wait for them to be decided.
                    wait = wait.max(1000);
                }
            }
        }
        if wait > 0 {
            return Err(Refused {
                retry_after_ms: wait,
            });
        }
        for k in [pair, addr] {
            self.entry(k, now).pending += 1;
        }
        Ok(Attempt {
            ip,
            account: account.to_string(),
        })
    }

    /// The password was right: the pair's failures are forgotten.
    pub fn succeeded(&mut self, a: Attempt) {
        self.entries.remove(&Key::Pair(a.ip, a.account));
        if let Some(e) = self.entries.get_mut(&Key::Address(a.ip)) {
            e.pending = e.pending.saturating_sub(1);
        }
    }

    /// The attempt neither succeeded nor failed (a registration refused for its fields): its
    /// reservation is given back and nothing is forgotten.
    pub fn released(&mut self, a: Attempt) {
        for k in [Key::Pair(a.ip, a.account), Key::Address(a.ip)] {
            if let Some(e) = self.entries.get_mut(&k) {
                e.pending = e.pending.saturating_sub(1);
            }
        }
    }

    /// The password was wrong. Returns how many failures the account has had within the
    /// window from every address (for the log).
    pub fn failed(&mut self, a: Attempt, now: i64) -> u32 {
        for (k, limit) in [
            (Key::Pair(a.ip, a.account.clone()), PAIR_FAILURES),
            (Key::Address(a.ip), ADDRESS_FAILURES),
        ] {
            let e = self.entry(k, now);
            e.pending = e.pending.saturating_sub(1);
            e.failures += 1;
            if e.failures >= limit {
                let lock = FIRST_LOCK_MS
                    .saturating_mul(1 << e.locks.min(12))
                    .min(MAX_LOCK_MS);
                e.locked_until = now + lock;
                e.locks += 1;
                e.failures = 0;
                e.since = now;
            }
        }
        let e = self.entry(Key::Account(a.account), now);
        e.failures += 1;
        e.failures
    }

    /// How many entries are kept (for tests of the bound).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn entry(&mut self, k: Key, now: i64) -> &mut Entry {
        if !self.entries.contains_key(&k) && self.entries.len() >= MAX_ENTRIES {
            self.make_room(now);
        }
        let e = self.entries.entry(k).or_insert(Entry {
            since: now,
            ..Entry::default()
        });
        expire(e, now);
        e.last_seen = now;
        e
    }

    /// Drops every entry with nothing left to remember; if that frees too little, the eighth
    /// of the entries idle longest (so a full table costs one pass per many insertions).
    fn make_room(&mut self, now: i64) {
        self.entries.retain(|_, e| {
            expire(e, now);
            e.failures > 0 || e.pending > 0 || e.locked_until > now
        });
        if self.entries.len() >= MAX_ENTRIES - MAX_ENTRIES / 16 {
            let mut seen: Vec<i64> = self.entries.values().map(|e| e.last_seen).collect();
            let cut = seen.len() / 8;
            let (_, &mut threshold, _) = seen.select_nth_unstable(cut);
            self.entries
                .retain(|_, e| e.last_seen > threshold || e.pending > 0);
        }
    }
}

/// Forgets failures older than the window; a lock's doubling is forgotten after a quiet
/// window past its end. An attempt whose client went away before it was decided is never
/// handed back; reservations older than [`PENDING_MS`] are dropped.
fn expire(e: &mut Entry, now: i64) {
    if now - e.last_seen > PENDING_MS {
        e.pending = 0;
    }
    if now - e.since > WINDOW_MS {
        e.failures = 0;
        e.since = now;
        if now > e.locked_until + WINDOW_MS {
            e.locks = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    #[test]
    fn a_pair_is_locked_and_the_owner_elsewhere_is_not() {
        let mut l = LoginLimiter::default();
        for _ in 0..PAIR_FAILURES {
            let a = l.admit(ip(1), "clerk.340100", 0).unwrap();
            l.failed(a, 0);
        }
        let r = l.admit(ip(1), "clerk.340100", 10).unwrap_err();
        assert_eq!(r.retry_after_ms, FIRST_LOCK_MS - 10);
        // The owner at another address is not affected.
        let a = l.admit(ip(2), "clerk.340100", 10).unwrap();
        l.succeeded(a);
        // After the lock the attacker gets another round, then a lock twice as long.
        let t = FIRST_LOCK_MS + 1;
        for _ in 0..PAIR_FAILURES {
            let a = l.admit(ip(1), "clerk.340100", t).unwrap();
            l.failed(a, t);
        }
        assert_eq!(
            l.admit(ip(1), "clerk.340100", t)
                .unwrap_err()
                .retry_after_ms,
            2 * FIRST_LOCK_MS
        );
    }

    #[test]
    fn an_address_is_limited_across_accounts() {
        let mut l = LoginLimiter::default();
        for i in 0..ADDRESS_FAILURES {
            let a = l.admit(ip(1), &format!("user{i}"), 0).unwrap();
            l.failed(a, 0);
        }
        assert!(l.admit(ip(1), "someone.else", 1).is_err());
        assert!(l.admit(ip(3), "someone.else", 1).is_ok());
    }

    #[test]
    fn attempts_in_flight_count() {
        let mut l = LoginLimiter::default();
        let held: Vec<_> = (0..PAIR_FAILURES)
            .map(|_| l.admit(ip(1), "a", 0).unwrap())
            .collect();
        assert!(l.admit(ip(1), "a", 0).is_err(), "a sixth parallel attempt");
        for a in held {
            l.succeeded(a);
        }
        assert!(l.admit(ip(1), "a", 0).is_ok());
    }

    #[test]
    fn memory_is_bounded() {
        let mut l = LoginLimiter::default();
        for i in 0..(MAX_ENTRIES as u32 + 5_000) {
            let a = l
                .admit(IpAddr::from(i.to_be_bytes()), "victim", i64::from(i))
                .unwrap();
            l.failed(a, i64::from(i));
        }
        assert!(l.len() <= MAX_ENTRIES, "{}", l.len());
    }
}
