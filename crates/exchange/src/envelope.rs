//! The signed envelope of a node-to-node message.
//!
//! Format: a tagged COSE_Sign1 (RFC 9052), EdDSA (Ed25519), like the licences and the trust
//! list, so one reviewed library and one key type serve all three. The protected header names
//! the sender's message key (`kid`); the payload is a CBOR map of the [`Header`] and the body
//! (bytes, whose SHA-256 the header carries). The signature's external data is
//! `corridor-message`, so neither a licence nor a trust list can pass for a message.
//!
//! [`open`] checks, before a receiver stores anything: the size; the format and protocol
//! version; that the key is in the trust list, belongs to the node the header names as sender,
//! and was valid when the message was made; the signature; that the message is for this node;
//! that the body matches its hash; that it was not made in the future.

use corridor_licence::trust::CorridorTrust;
use corridor_licence::{cose, SigningKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The protocol version this node speaks.
pub const PROTOCOL_VERSION: u16 = 1;
/// The largest envelope accepted. Material files travel beside the messages that name them
/// by hash, not inside them.
pub const MAX_ENVELOPE: usize = 1024 * 1024;
/// How far a message's creation time may lie in the receiver's future (clock skew), ms.
pub const MAX_SKEW_MS: i64 = 5 * 60 * 1000;
const EXTERNAL_AAD: &[u8] = b"corridor-message";

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A case received at a window, for its competent node (with its materials by hash).
    CaseForwarded,
    /// The competent node asks for corrections.
    CorrectionRequested,
    /// The applicant's corrections, from the receiving node.
    Resubmitted,
    /// Accepted, approved, rejected: the competent node's decision.
    Decided,
    /// A licence issued, for the receiving node to deliver.
    LicenceIssued,
    LicenceRevoked,
    /// The applicant withdrew the case at the receiving node.
    Withdrawn,
    /// The receiving window handed the licence or decision over.
    Delivered,
    /// Counts for the joint office's node: no personal data.
    Statistics,
    /// A signed receipt for a message applied (proof of delivery).
    Receipt,
    /// A connectivity check an operator sends (`corridor exchange ping`): delivered, applied
    /// and receipted like any other message, with no effect beyond its record.
    Ping,
}

/// The signed header of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Protocol version.
    pub v: u16,
    /// UUIDv7, chosen by the sender; with `sender` the key of the receiver's inbox.
    pub id: Uuid,
    /// Node ids, as in the trust list.
    pub sender: String,
    pub recipient: String,
    pub kind: Kind,
    /// The case the message is about, and its place in that case's sequence of messages from
    /// this sender (1, 2, …): the receiver applies them in that order, each once.
    pub case_id: Option<Uuid>,
    pub case_seq: Option<u64>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// The message this one answers (a receipt, a decision on a forwarded case).
    pub in_reply_to: Option<Uuid>,
    /// SHA-256 of the body, lower-case hex.
    pub body_sha256: String,
}

/// A message whose signature and header have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub header: Header,
    pub body: Vec<u8>,
    /// The message key that signed it.
    pub kid: String,
}

/// Why a message is refused. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("the message is larger than 1 MiB")]
    TooLarge,
    #[error("not a message envelope: {0}")]
    Malformed(String),
    #[error("protocol version {0} is not spoken here")]
    UnsupportedVersion(u16),
    #[error("key {0} is not in the trust list (unknown or removed node)")]
    UnknownKey(String),
    #[error("key {kid} belongs to {owner}, not to the sender {sender}")]
    SenderMismatch {
        kid: String,
        owner: String,
        sender: String,
    },
    #[error("key {0} was not valid when the message was made")]
    KeyNotValid(String),
    #[error("the sender's signature does not verify")]
    BadSignature,
    #[error("the message is for {0}, not for this node")]
    WrongRecipient(String),
    #[error("the body does not match its hash")]
    BodyMismatch,
    #[error("the message is made in the future ({0})")]
    FromTheFuture(i64),
}

impl EnvelopeError {
    pub fn code(&self) -> &'static str {
        match self {
            EnvelopeError::TooLarge => "message_too_large",
            EnvelopeError::Malformed(_) => "message_malformed",
            EnvelopeError::UnsupportedVersion(_) => "message_unsupported_version",
            EnvelopeError::UnknownKey(_) => "message_unknown_key",
            EnvelopeError::SenderMismatch { .. } => "message_sender_mismatch",
            EnvelopeError::KeyNotValid(_) => "message_key_not_valid",
            EnvelopeError::BadSignature => "message_bad_signature",
            EnvelopeError::WrongRecipient(_) => "message_wrong_recipient",
            EnvelopeError::BodyMismatch => "message_body_mismatch",
            EnvelopeError::FromTheFuture(_) => "message_from_the_future",
        }
    }
}

/// What is signed: the header and the body.
#[derive(Serialize, Deserialize)]
struct Wire {
    header: Header,
    body: ciborium::Value,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Signs a message: `header.body_sha256` is set from `body`.
pub fn seal(
    mut header: Header,
    body: &[u8],
    kid: &str,
    key: &SigningKey,
) -> Result<Vec<u8>, EnvelopeError> {
    header.body_sha256 = sha256_hex(body);
    sign_wire(
        &Wire {
            header,
            body: ciborium::Value::Bytes(body.to_vec()),
        },
        kid,
        key,
    )
}

fn sign_wire(wire: &Wire, kid: &str, key: &SigningKey) -> Result<Vec<u8>, EnvelopeError> {
    let mut payload = Vec::new();
    ciborium::into_writer(wire, &mut payload)
        .map_err(|e| EnvelopeError::Malformed(e.to_string()))?;
    cose::sign(payload, kid, EXTERNAL_AAD, key).map_err(EnvelopeError::Malformed)
}

/// Reads a message this node opened (and stored) before, without checking it again: the
/// trust list may have changed since, and the message was checked when it came in.
pub fn read_stored(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
    let (sign1, kid) = cose::decode(bytes).map_err(EnvelopeError::Malformed)?;
    let payload = sign1.payload.as_deref().unwrap_or_default();
    let wire: Wire = ciborium::from_reader(payload)
        .map_err(|e| EnvelopeError::Malformed(format!("payload: {e}")))?;
    let ciborium::Value::Bytes(body) = wire.body else {
        return Err(EnvelopeError::Malformed("the body is not bytes".into()));
    };
    Ok(Envelope {
        header: wire.header,
        body,
        kid,
    })
}

/// Opens a message for node `me` at `now_ms` against the trust list held.
pub fn open(
    bytes: &[u8],
    trust: &CorridorTrust,
    me: &str,
    now_ms: i64,
) -> Result<Envelope, EnvelopeError> {
    if bytes.len() > MAX_ENVELOPE {
        return Err(EnvelopeError::TooLarge);
    }
    let (sign1, kid) = cose::decode(bytes).map_err(EnvelopeError::Malformed)?;
    let payload = sign1.payload.as_deref().unwrap_or_default();
    let wire: Wire = ciborium::from_reader(payload)
        .map_err(|e| EnvelopeError::Malformed(format!("payload: {e}")))?;
    let h = &wire.header;
    if h.v != PROTOCOL_VERSION {
        return Err(EnvelopeError::UnsupportedVersion(h.v));
    }
    // The key: in the list, the sender's, valid when the message was made.
    let (owner, key) = trust
        .nodes
        .iter()
        .find_map(|n| n.message_keys.iter().find(|k| k.kid == kid).map(|k| (n, k)))
        .ok_or_else(|| EnvelopeError::UnknownKey(kid.clone()))?;
    if owner.node_id != h.sender {
        return Err(EnvelopeError::SenderMismatch {
            kid,
            owner: owner.node_id.clone(),
            sender: h.sender.clone(),
        });
    }
    let made = h.created_at.div_euclid(1000);
    if made < key.not_before || key.not_after.is_some_and(|t| made >= t) {
        return Err(EnvelopeError::KeyNotValid(kid));
    }
    let vk = corridor_licence::trust::parse_public_key(&key.public_key)
        .ok_or_else(|| EnvelopeError::UnknownKey(kid.clone()))?;
    cose::verify(&sign1, EXTERNAL_AAD, &vk).map_err(|_| EnvelopeError::BadSignature)?;
    if h.recipient != me {
        return Err(EnvelopeError::WrongRecipient(h.recipient.clone()));
    }
    let ciborium::Value::Bytes(body) = wire.body else {
        return Err(EnvelopeError::Malformed("the body is not bytes".into()));
    };
    if sha256_hex(&body) != h.body_sha256 {
        return Err(EnvelopeError::BodyMismatch);
    }
    if h.created_at > now_ms + MAX_SKEW_MS {
        return Err(EnvelopeError::FromTheFuture(h.created_at));
    }
    Ok(Envelope {
        header: wire.header,
        body,
        kid,
    })
}

#[cfg(test)]
mod tests;
