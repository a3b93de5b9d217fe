//! The signed corridor trust list (issue #24, point 1).
//!
//! The joint office holds the corridor's root key — an Ed25519 key that may live on a machine
//! apart from every server — and signs one document naming every member node: its city, base
//! URL and message-signing keys, and its authorities' licence keys. Nodes and offline
//! verifiers pin the root's public key and accept a list only when:
//! - it is a COSE_Sign1 envelope (like the licences) whose signature verifies under a pinned
//!   root key (its `kid` names which);
//! - it is not expired, and already valid (`issued_at` not in the future beyond a minute);
//! - its sequence number is above the one they hold (the same sequence with the same content
//!   is the list they have; with other content it is refused as a conflict).
//!
//! Adding a city is a data change to the draft plus a newly signed list with the next
//! sequence number.

use crate::{public_key_b64, SigningKey, TrustList, TrustedKey, B64};
use base64::Engine;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Format of the signed list's payload.
pub const SIGNED_TRUST_FORMAT: &str = "corridor-trust/2";
/// What the root's signature is for (COSE external data).
const EXTERNAL: &[u8] = b"corridor-trust";
/// Largest signed list accepted (bytes).
pub const MAX_SIGNED_LIST: usize = 4 * 1024 * 1024;
/// How far a list's `issued_at` may lie in a verifier's future (clock skew), seconds.
pub const CLOCK_SKEW: i64 = 60;

/// One message-signing key of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeKey {
    pub kid: String,
    /// Ed25519 public key, base64url without padding.
    pub public_key: String,
    /// Unix seconds: the node signs messages with it from here…
    pub not_before: i64,
    /// …until here (a rotated key keeps verifying what it signed before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<i64>,
}

/// A member node: one city's Corridor server (or the joint office's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// Stable id, e.g. `hefei` or `joint-office`.
    pub node_id: String,
    /// The city's code (`domain.md`), or `G60` for the joint office.
    pub city: String,
    pub name_zh: String,
    pub name_en: String,
    /// Where other nodes deliver messages, e.g. `https://g60.hefei.example/`.
    pub base_url: String,
    pub message_keys: Vec<NodeKey>,
}

/// The content the root signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorridorTrust {
    pub format: String,
    /// Rises by one with every list the root signs.
    pub sequence: u64,
    /// Unix seconds.
    pub issued_at: i64,
    /// Unix seconds: after this a verifier refuses the list (nodes fetch the next first).
    pub expires_at: i64,
    pub nodes: Vec<Node>,
    /// The authorities' licence keys.
    pub licence_keys: Vec<TrustedKey>,
}

impl CorridorTrust {
    /// The licence keys as the verifier's [`TrustList`].
    pub fn licence_trust_list(&self) -> TrustList {
        TrustList {
            format: crate::TRUST_LIST_FORMAT.to_string(),
            issued_at: self.issued_at,
            keys: self.licence_keys.clone(),
        }
    }

    pub fn node(&self, node_id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.node_id == node_id)
    }

    /// The draft's own consistency: ids and kids unique, keys decodable, times in order.
    pub fn check(&self) -> Result<(), TrustError> {
        let bad = |m: String| Err(TrustError::Invalid(m));
        if self.format != SIGNED_TRUST_FORMAT {
            return bad(format!(
                "format {:?}, expected {SIGNED_TRUST_FORMAT}",
                self.format
            ));
        }
        if self.expires_at <= self.issued_at {
            return bad("expires_at is not after issued_at".into());
        }
        let mut ids = std::collections::BTreeSet::new();
        let mut kids = std::collections::BTreeSet::new();
        for n in &self.nodes {
            if n.node_id.is_empty() || n.node_id.len() > 64 || !ids.insert(n.node_id.as_str()) {
                return bad(format!(
                    "node id {:?} empty, too long or repeated",
                    n.node_id
                ));
            }
            if !(n.base_url.starts_with("http://") || n.base_url.starts_with("https://")) {
                return bad(format!("node {}: base_url is not http(s)", n.node_id));
            }
            for k in &n.message_keys {
                decode_key(&k.public_key).map_err(|_| {
                    TrustError::Invalid(format!("node {}: key {}", n.node_id, k.kid))
                })?;
                if !kids.insert(k.kid.as_str()) {
                    return bad(format!("key id {} repeated", k.kid));
                }
            }
        }
        for k in &self.licence_keys {
            decode_key(&k.public_key)
                .map_err(|_| TrustError::Invalid(format!("licence key {}", k.kid)))?;
            if !kids.insert(k.kid.as_str()) {
                return bad(format!("key id {} repeated", k.kid));
            }
        }
        Ok(())
    }
}

/// Why a signed list is refused. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("not a signed trust list: {0}")]
    Unsigned(String),
    #[error("signed by {0}, which is not a pinned root key")]
    UnknownRoot(String),
    #[error("the root's signature does not verify")]
    BadSignature,
    #[error("the list expired at {0}")]
    Expired(i64),
    #[error("the list is issued in the future ({0})")]
    NotYetValid(i64),
    #[error("sequence {got} is older than the list held ({held})")]
    Older { got: u64, held: u64 },
    #[error("sequence {0} is the list held, but with other content")]
    Conflict(u64),
    #[error("invalid list: {0}")]
    Invalid(String),
}

impl TrustError {
    pub fn code(&self) -> &'static str {
        match self {
            TrustError::Unsigned(_) => "trust_list_unsigned",
            TrustError::UnknownRoot(_) => "trust_list_unknown_root",
            TrustError::BadSignature => "trust_list_bad_signature",
            TrustError::Expired(_) => "trust_list_expired",
            TrustError::NotYetValid(_) => "trust_list_not_yet_valid",
            TrustError::Older { .. } => "trust_list_older",
            TrustError::Conflict(_) => "trust_list_conflict",
            TrustError::Invalid(_) => "trust_list_invalid",
        }
    }
}

/// An Ed25519 public key from base64url (as the lists carry them).
pub fn parse_public_key(b64: &str) -> Option<VerifyingKey> {
    decode_key(b64).ok()
}

fn decode_key(b64: &str) -> Result<VerifyingKey, ()> {
    let bytes: [u8; 32] = B64
        .decode(b64)
        .map_err(|_| ())?
        .try_into()
        .map_err(|_| ())?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| ())
}

/// A root key's id: `root-` and the first 16 hex digits of the SHA-256 of its public key.
pub fn root_kid(k: &VerifyingKey) -> String {
    format!("root-{}", &hex_lower(&Sha256::digest(k.as_bytes()))[..16])
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A pinned root: its public key as base64url (what operators copy into a node's settings).
pub fn pinned_root(b64: &str) -> Result<VerifyingKey, TrustError> {
    decode_key(b64.trim()).map_err(|_| TrustError::Invalid("root public key".into()))
}

/// The root's public key, for pinning.
pub fn root_public(key: &SigningKey) -> String {
    public_key_b64(&key.verifying_key())
}

/// Signs the list with the root key (after checking it).
pub fn sign_trust(list: &CorridorTrust, root: &SigningKey) -> Result<Vec<u8>, TrustError> {
    list.check()?;
    let mut payload = Vec::new();
    ciborium::into_writer(list, &mut payload).map_err(|e| TrustError::Invalid(e.to_string()))?;
    let kid = root_kid(&root.verifying_key());
    crate::cose::sign(payload, &kid, EXTERNAL, root).map_err(TrustError::Invalid)
}

/// What a verifier holds: the list it last accepted (its sequence and bytes), if any.
#[derive(Debug, Clone, Copy)]
pub struct Held<'a> {
    pub sequence: u64,
    pub envelope: &'a [u8],
}

/// Opens a signed list: verified under one of `roots`, unexpired at `now`, and newer than
/// `held` (or the very list held).
pub fn open_trust(
    envelope: &[u8],
    roots: &[VerifyingKey],
    held: Option<Held<'_>>,
    now: i64,
) -> Result<CorridorTrust, TrustError> {
    let list = verify_signed(envelope, roots)?;
    if now >= list.expires_at {
        return Err(TrustError::Expired(list.expires_at));
    }
    if list.issued_at > now + CLOCK_SKEW {
        return Err(TrustError::NotYetValid(list.issued_at));
    }
    if let Some(h) = held {
        if list.sequence < h.sequence {
            return Err(TrustError::Older {
                got: list.sequence,
                held: h.sequence,
            });
        }
        if list.sequence == h.sequence && envelope != h.envelope {
            return Err(TrustError::Conflict(list.sequence));
        }
    }
    Ok(list)
}

/// The list if its signature verifies under one of `roots` and its content is consistent,
/// whatever its times (for reading the list a verifier already holds).
pub fn verify_signed(envelope: &[u8], roots: &[VerifyingKey]) -> Result<CorridorTrust, TrustError> {
    if envelope.len() > MAX_SIGNED_LIST {
        return Err(TrustError::Unsigned("larger than 4 MiB".into()));
    }
    let (sign1, kid) = crate::cose::decode(envelope).map_err(TrustError::Unsigned)?;
    let root = roots
        .iter()
        .find(|k| root_kid(k) == kid)
        .ok_or_else(|| TrustError::UnknownRoot(kid.clone()))?;
    crate::cose::verify(&sign1, EXTERNAL, root).map_err(|_| TrustError::BadSignature)?;
    let payload = sign1.payload.as_deref().unwrap_or_default();
    let list: CorridorTrust =
        ciborium::from_reader(payload).map_err(|e| TrustError::Invalid(format!("payload: {e}")))?;
    list.check()?;
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, key: &SigningKey) -> Node {
        Node {
            node_id: id.into(),
            city: "340100".into(),
            name_zh: "合肥".into(),
            name_en: "Hefei".into(),
            base_url: format!("http://127.0.0.1:9000/{id}"),
            message_keys: vec![NodeKey {
                kid: format!("{id}-1"),
                public_key: public_key_b64(&key.verifying_key()),
                not_before: 0,
                not_after: None,
            }],
        }
    }

    fn list(sequence: u64) -> CorridorTrust {
        let k = SigningKey::from_bytes(&[3; 32]);
        CorridorTrust {
            format: SIGNED_TRUST_FORMAT.into(),
            sequence,
            issued_at: 1_000,
            expires_at: 100_000,
            nodes: vec![node("hefei", &k)],
            licence_keys: vec![],
        }
    }

    #[test]
    fn a_list_is_accepted_only_signed_by_a_pinned_root_unexpired_and_newer() {
        let root = SigningKey::from_bytes(&[1; 32]);
        let other = SigningKey::from_bytes(&[2; 32]);
        let roots = [root.verifying_key()];
        let v2 = sign_trust(&list(2), &root).unwrap();
        let got = open_trust(&v2, &roots, None, 2_000).unwrap();
        assert_eq!(got, list(2));
        // Another root, a flipped byte, the plain payload.
        let e = open_trust(&sign_trust(&list(2), &other).unwrap(), &roots, None, 2_000);
        assert_eq!(e.unwrap_err().code(), "trust_list_unknown_root");
        let mut bad = v2.clone();
        let at = bad.len() - 70;
        bad[at] ^= 1;
        assert!(open_trust(&bad, &roots, None, 2_000).is_err());
        let mut plain = Vec::new();
        ciborium::into_writer(&list(2), &mut plain).unwrap();
        let e = open_trust(&plain, &roots, None, 2_000).unwrap_err();
        assert_eq!(e.code(), "trust_list_unsigned");
        // Expired; issued in the future.
        let e = open_trust(&v2, &roots, None, 100_000).unwrap_err();
        assert_eq!(e, TrustError::Expired(100_000));
        let e = open_trust(&v2, &roots, None, 900).unwrap_err();
        assert_eq!(e.code(), "trust_list_not_yet_valid");
        // Older than held; the same sequence with other content; the very list held.
        let v3 = sign_trust(&list(3), &root).unwrap();
        let held = Held {
            sequence: 3,
            envelope: &v3,
        };
        let e = open_trust(&v2, &roots, Some(held), 2_000).unwrap_err();
        assert_eq!(e, TrustError::Older { got: 2, held: 3 });
        let mut other3 = list(3);
        other3.nodes[0].base_url = "http://127.0.0.2:9000/".into();
        let e = open_trust(
            &sign_trust(&other3, &root).unwrap(),
            &roots,
            Some(held),
            2_000,
        );
        assert_eq!(e.unwrap_err(), TrustError::Conflict(3));
        assert!(open_trust(&v3, &roots, Some(held), 2_000).is_ok());
        let v4 = sign_trust(&list(4), &root).unwrap();
        assert_eq!(
            open_trust(&v4, &roots, Some(held), 2_000).unwrap().sequence,
            4
        );
    }

    #[test]
    fn a_draft_is_checked_before_it_is_signed() {
        let root = SigningKey::from_bytes(&[1; 32]);
        let mut l = list(1);
        l.nodes.push(l.nodes[0].clone());
        assert_eq!(
            sign_trust(&l, &root).unwrap_err().code(),
            "trust_list_invalid"
        );
        let mut l = list(1);
        l.nodes[0].message_keys[0].public_key = "not a key".into();
        assert!(sign_trust(&l, &root).is_err());
        let mut l = list(1);
        l.expires_at = l.issued_at;
        assert!(sign_trust(&l, &root).is_err());
        let mut l = list(1);
        l.nodes[0].base_url = "ftp://x".into();
        assert!(sign_trust(&l, &root).is_err());
    }

    #[test]
    fn root_kids_are_stable() {
        let root = SigningKey::from_bytes(&[1; 32]);
        let kid = root_kid(&root.verifying_key());
        assert!(kid.starts_with("root-") && kid.len() == 21);
        assert_eq!(
            pinned_root(&root_public(&root)).unwrap(),
            root.verifying_key()
        );
    }
}
