//! Signed receipts and the inbox's rules.
//!
//! A receipt is a message of kind [`Kind::Receipt`] from the receiver back to the sender,
//! answering one message (`in_reply_to`) and naming the SHA-256 of the exact envelope it
//! received: the sender keeps it as proof of delivery. The receiver keeps it too, and answers
//! a duplicate of the message with the very same receipt.

use crate::envelope::{seal, sha256_hex, Envelope, EnvelopeError, Header, Kind, PROTOCOL_VERSION};
use corridor_licence::SigningKey;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a receipt says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptBody {
    /// The message received.
    pub of: Uuid,
    /// SHA-256 of its envelope, as received.
    pub envelope_sha256: String,
    /// `applied`, or `waiting` (stored; an earlier message of its case has not arrived yet,
    /// and it will be applied after that one, exactly once).
    pub outcome: String,
}

/// The message a receipt answers: its id, sender and case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answering<'a> {
    pub id: Uuid,
    pub sender: &'a str,
    pub case_id: Option<Uuid>,
    /// SHA-256 of its envelope as received.
    pub envelope_sha256: &'a str,
}

/// Seals the receipt for a message received, from node `me` signing with `kid`.
pub fn receipt(
    of: &Answering<'_>,
    outcome: &str,
    (me, kid, key): (&str, &str, &SigningKey),
    now_ms: i64,
) -> Result<Vec<u8>, EnvelopeError> {
    let body = ReceiptBody {
        of: of.id,
        envelope_sha256: of.envelope_sha256.to_string(),
        outcome: outcome.to_string(),
    };
    let mut bytes = Vec::new();
    ciborium::into_writer(&body, &mut bytes)
        .map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    let header = Header {
        v: PROTOCOL_VERSION,
        id: Uuid::now_v7(),
        sender: me.to_string(),
        recipient: of.sender.to_string(),
        kind: Kind::Receipt,
        case_id: of.case_id,
        case_seq: None,
        created_at: now_ms,
        in_reply_to: Some(of.id),
        body_sha256: String::new(),
    };
    seal(header, &bytes, kid, key)
}

/// The body of an opened receipt.
pub fn receipt_body(env: &Envelope) -> Result<ReceiptBody, EnvelopeError> {
    if env.header.kind != Kind::Receipt {
        return Err(EnvelopeError::Malformed("not a receipt".into()));
    }
    ciborium::from_reader(env.body.as_slice())
        .map_err(|e| EnvelopeError::Malformed(format!("receipt: {e}")))
}

/// What the inbox does with a message, given what it holds under the same (sender, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Never seen: store it, then apply what is next in its case.
    New,
    /// The same envelope again: answer with the receipt kept, apply nothing.
    Duplicate,
    /// The same id with other bytes: refuse.
    Conflict,
}

/// The inbox's rule for a message whose envelope hashes to `sha256`.
pub fn admit(held_sha256: Option<&str>, sha256: &str) -> Admit {
    match held_sha256 {
        None => Admit::New,
        Some(h) if h == sha256 => Admit::Duplicate,
        Some(_) => Admit::Conflict,
    }
}

/// The SHA-256 an inbox keys an envelope's bytes by.
pub fn envelope_sha256(bytes: &[u8]) -> String {
    sha256_hex(bytes)
}

/// How long a sender waits before its next attempt after `attempts` failed ones: half a
/// second, doubling, at most half a minute — so that a node back after a long outage gets its
/// backlog within that. A recipient that does not answer at all takes one attempt a pass
/// whatever the number of messages waiting for it, so a short cap costs it little.
pub fn retry_delay_ms(attempts: i64) -> i64 {
    let n = attempts.clamp(0, 20) as u32;
    (500i64 << n.min(10)).min(30_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_are_capped() {
        let d: Vec<i64> = (0..12).map(retry_delay_ms).collect();
        assert_eq!(&d[..4], &[500, 1_000, 2_000, 4_000]);
        assert!(d.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(retry_delay_ms(1_000), 30_000);
        assert_eq!(admit(None, "a"), Admit::New);
        assert_eq!(admit(Some("a"), "a"), Admit::Duplicate);
        assert_eq!(admit(Some("a"), "b"), Admit::Conflict);
    }
}
