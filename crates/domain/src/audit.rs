//! The tamper-evident audit log: one hash chain per stream (a case, or a system stream such
//! as `system:users`), so that no single chain becomes a global hot spot. Each event hashes
//! its stream, sequence number, time, actor, action, the stored before/after text and the
//! previous event's hash. A head per stream records the last sequence number and hash, so
//! removing the newest event is detected as well as edits, removals and reordering.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The previous hash of the first event of every stream.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: String,
    pub stream: String,
    pub seq: i64,
    /// Unix time in milliseconds.
    pub at_ms: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    /// JSON text of the state before, exactly as stored (hashing the text keeps it stable).
    pub before: String,
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What an event records: who did what, and the state before and after (JSON text, exactly
/// as it will be stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub role: &'a str,
    pub action: &'a str,
    pub before: String,
    pub after: String,
}

impl AuditEvent {
    /// The sealed event that follows `head` — the stream's last `(seq, hash)`, or `(0,
    /// GENESIS)` before its first event — at `at_ms`: the one way every event is made.
    pub fn follow(id: String, stream: &str, head: (i64, String), at_ms: i64, e: Entry<'_>) -> Self {
        AuditEvent {
            id,
            stream: stream.to_string(),
            seq: head.0 + 1,
            at_ms,
            actor: e.actor.to_string(),
            role: e.role.to_string(),
            action: e.action.to_string(),
            before: e.before,
            after: e.after,
            prev_hash: head.1,
            hash: String::new(),
        }
        .seal()
    }

    /// The hash this event must carry.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.stream.as_bytes(),
            self.seq.to_string().as_bytes(),
            self.at_ms.to_string().as_bytes(),
            self.actor.as_bytes(),
            self.role.as_bytes(),
            self.action.as_bytes(),
            self.before.as_bytes(),
            self.after.as_bytes(),
            self.prev_hash.as_bytes(),
        ] {
            // Length-prefix each part so that moving bytes between fields changes the hash.
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        hex::encode(h.finalize())
    }

    /// Fills `hash` from the content.
    pub fn seal(mut self) -> Self {
        self.hash = self.compute_hash();
        self
    }
}

/// Why the chain is broken, naming the first bad event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
pub enum ChainBreak {
    #[error(
        "stream {stream}: event {id} (seq {seq}) was changed: its hash does not match its content"
    )]
    Altered {
        stream: String,
        seq: i64,
        id: String,
    },
    #[error("stream {stream}: event {id} has seq {seq} but {expected} was expected (an event was removed or reordered)")]
    Gap {
        stream: String,
        seq: i64,
        expected: i64,
        id: String,
    },
    #[error("stream {stream}: event {id} (seq {seq}) does not link to the previous event")]
    Link {
        stream: String,
        seq: i64,
        id: String,
    },
    #[error("stream {stream}: the record exists but its audit chain is gone (events and head were removed)")]
    Missing { stream: String },
    #[error("stream {stream}: the head says seq {head_seq} but the last stored event is seq {last_seq} (events were removed)")]
    Head {
        stream: String,
        head_seq: i64,
        last_seq: i64,
    },
}

/// Verifies one stream's events (ordered by seq) against its recorded head.
pub fn verify_stream(
    stream: &str,
    events: &[AuditEvent],
    head: Option<(i64, &str)>,
) -> Result<(), ChainBreak> {
    let mut prev = GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        let expected = i as i64 + 1;
        if e.seq != expected {
            return Err(ChainBreak::Gap {
                stream: stream.into(),
                seq: e.seq,
                expected,
                id: e.id.clone(),
            });
        }
        if e.compute_hash() != e.hash {
            return Err(ChainBreak::Altered {
                stream: stream.into(),
                seq: e.seq,
                id: e.id.clone(),
            });
        }
        if e.prev_hash != prev {
            return Err(ChainBreak::Link {
                stream: stream.into(),
                seq: e.seq,
                id: e.id.clone(),
            });
        }
        prev = e.hash.clone();
    }
    let last_seq = events.last().map_or(0, |e| e.seq);
    if let Some((head_seq, head_hash)) = head {
        if head_seq != last_seq || (last_seq > 0 && head_hash != prev) {
            return Err(ChainBreak::Head {
                stream: stream.into(),
                head_seq,
                last_seq,
            });
        }
    }
    Ok(())
}

/// Hash over all stream heads, for periodic checkpoints that detect a removed stream.
pub fn checkpoint_hash<'a>(
    heads: impl Iterator<Item = (&'a str, i64, &'a str)>,
    prev: &str,
) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    for (stream, seq, hash) in heads {
        h.update((stream.len() as u64).to_be_bytes());
        h.update(stream.as_bytes());
        h.update(seq.to_be_bytes());
        h.update(hash.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let e = AuditEvent {
                    id: format!("e{seq}"),
                    stream: "case:1".into(),
                    seq,
                    at_ms: 1000 * seq,
                    actor: "u".into(),
                    role: "clerk".into(),
                    action: "receive".into(),
                    before: "{}".into(),
                    after: format!("{{\"n\":{seq}}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                }
                .seal();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn detects_edit_removal_reorder() {
        let c = chain(4);
        let head = (4, c[3].hash.as_str());
        assert!(verify_stream("case:1", &c, Some(head)).is_ok());

        let mut edited = c.clone();
        edited[1].after = "{\"n\":99}".into();
        assert!(matches!(
            verify_stream("case:1", &edited, Some(head)),
            Err(ChainBreak::Altered { seq: 2, .. })
        ));

        let mut removed = c.clone();
        removed.remove(2);
        assert!(matches!(
            verify_stream("case:1", &removed, Some(head)),
            Err(ChainBreak::Gap { seq: 4, .. })
        ));

        let mut tail = c.clone();
        tail.pop();
        assert!(matches!(
            verify_stream("case:1", &tail, Some(head)),
            Err(ChainBreak::Head { .. })
        ));

        let mut swapped = c.clone();
        swapped.swap(1, 2);
        assert!(verify_stream("case:1", &swapped, Some(head)).is_err());
    }
}
