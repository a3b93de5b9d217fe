//! Verifiable e-licences that any member city checks offline.
//!
//! A licence is a COSE_Sign1 envelope (RFC 9052), algorithm EdDSA (Ed25519), whose payload is a
//! CBOR map ([`Licence`]) and whose protected header names the signing key (`kid`). For a QR
//! code the envelope is zlib-compressed, base45-encoded and prefixed with `G60:1:` (as the EU
//! digital COVID certificate does with `HC1:`).
//!
//! A verifier needs only a [`TrustList`] (every member authority's public keys with validity and
//! compromise times) and, to catch revoked licences, a [`RevocationList`]; both are JSON
//! documents it can carry offline. [`verify`] answers valid, or invalid with a precise
//! [`Reason`].
//!
//! Everything here is pure: keys come in, bytes go out. [`wrap_key`] encrypts private keys
//! for storage under a master key (XChaCha20-Poly1305, the key id as associated data).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use coset::CoseSign1;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};

pub mod cose;
pub mod trust;

pub type SigningKey = ed25519_dalek::SigningKey;
pub use ed25519_dalek::VerifyingKey;

/// QR text prefix: corridor licence, format version 1.
pub const QR_PREFIX: &str = "G60:1:";
/// Largest envelope accepted (decompressed), against decompression bombs.
pub const MAX_ENVELOPE: usize = 64 * 1024;

/// Who holds the licence. Resident numbers are masked before they are signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
    /// Masked resident identity number (`110105********002X`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_masked: Option<String>,
}

/// The signed content of a licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    /// Payload format version.
    pub v: u8,
    pub licence_type: String,
    pub title_zh: String,
    pub title_en: String,
    pub number: String,
    pub holder: Holder,
    pub authority_id: String,
    pub authority_zh: String,
    pub authority_en: String,
    pub city: String,
    /// Receipt number of the case that produced the licence.
    pub receipt_no: String,
    /// Unix seconds.
    pub issued_at: i64,
    pub valid_from: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<i64>,
    /// The matter's output fields (e.g. branch name and address).
    pub fields: BTreeMap<String, String>,
    /// The amount the decision granted or charged by the city's rule, where the matter has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
}

impl Licence {
    /// A business licence of a fictional branch, issued at `issued_at` (Unix seconds) and
    /// valid a year, for tests and benchmarks.
    pub fn sample(issued_at: i64) -> Licence {
        Licence {
            v: 1,
            licence_type: "business-licence".into(),
            title_zh: "营业执照".into(),
            title_en: "Business licence".into(),
            number: "LIC-310117-20261012-000001".into(),
            holder: Holder {
                name: "合肥启明新材料有限公司松江分公司".into(),
                uscc: Some("91310117MA1J00014T".into()),
                id_masked: None,
            },
            authority_id: "310117-market".into(),
            authority_zh: "松江区市场监督管理局".into(),
            authority_en: "Songjiang District Administration for Market Regulation".into(),
            city: "310117".into(),
            receipt_no: "340100-20260921-000001".into(),
            issued_at,
            valid_from: issued_at,
            valid_until: Some(issued_at + 365 * 86400),
            fields: [("branch_name".to_string(), "松江分公司".to_string())]
                .into_iter()
                .collect(),
            amount: None,
        }
    }
}

/// An amount on a licence: its kind (`subsidy`, `withdrawal`, `fee`), the amount and the total
/// in fen, and the sentence that says it in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub kind: String,
    pub fen: i64,
    pub total_fen: i64,
    pub zh: String,
    pub en: String,
}

/// One authority key in the trust list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedKey {
    pub kid: String,
    pub authority_id: String,
    pub authority_zh: String,
    pub authority_en: String,
    pub city: String,
    /// Ed25519 public key, base64url without padding.
    pub public_key: String,
    /// Unix seconds: the key signs from here…
    pub not_before: i64,
    /// …until here (retired keys keep verifying what they signed before).
    #[serde(default)]
    pub not_after: Option<i64>,
    /// Compromised from this time: licences signed at or after it fail.
    #[serde(default)]
    pub revoked_at: Option<i64>,
}

/// All members' public keys, as one document a verifier carries offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustList {
    pub format: String,
    pub issued_at: i64,
    pub keys: Vec<TrustedKey>,
}

/// A revoked licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    pub number: String,
    pub authority_id: String,
    pub revoked_at: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RevocationList {
    pub format: String,
    pub issued_at: i64,
    pub revoked: Vec<Revoked>,
}

pub const TRUST_LIST_FORMAT: &str = "corridor-trust-list/1";
pub const REVOCATION_LIST_FORMAT: &str = "corridor-revocations/1";

/// Why a licence is not valid. `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    #[error("malformed: {0}")]
    Malformed(String),
    #[error("unknown key: {0}")]
    UnknownKey(String),
    #[error("bad signature: {0}")]
    BadSignature(String),
    #[error("key revoked: key {kid} was reported compromised from {revoked_at}; the licence was signed at {issued_at}")]
    KeyRevoked {
        kid: String,
        revoked_at: i64,
        issued_at: i64,
    },
    #[error("not yet valid: valid from {0}")]
    NotYetValid(i64),
    #[error("expired: valid until {0}")]
    Expired(i64),
    #[error("licence revoked at {revoked_at}: {reason}")]
    LicenceRevoked { revoked_at: i64, reason: String },
}

impl Reason {
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Malformed(_) => "malformed",
            Reason::UnknownKey(_) => "unknown_key",
            Reason::BadSignature(_) => "bad_signature",
            Reason::KeyRevoked { .. } => "key_revoked",
            Reason::NotYetValid(_) => "not_yet_valid",
            Reason::Expired(_) => "expired",
            Reason::LicenceRevoked { .. } => "licence_revoked",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LicenceError {
    #[error("encoding: {0}")]
    Encode(String),
    #[error("key: {0}")]
    Key(String),
}

/// A new Ed25519 key pair.
pub fn generate_key() -> SigningKey {
    SigningKey::generate(&mut OsRng)
}

pub fn public_key_b64(k: &VerifyingKey) -> String {
    B64.encode(k.as_bytes())
}

/// Signs a licence into a tagged COSE_Sign1 envelope.
pub fn sign(licence: &Licence, kid: &str, key: &SigningKey) -> Result<Vec<u8>, LicenceError> {
    let mut payload = Vec::new();
    ciborium::into_writer(licence, &mut payload)
        .map_err(|e| LicenceError::Encode(e.to_string()))?;
    cose::sign(payload, kid, b"", key).map_err(LicenceError::Encode)
}

/// The envelope as QR text: `G60:1:` + base45(zlib(envelope)).
pub fn to_qr_text(envelope: &[u8]) -> String {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(envelope);
    let compressed = z.finish().unwrap_or_default();
    format!("{QR_PREFIX}{}", base45::encode(&compressed))
}

/// The QR code of the QR text, as SVG.
pub fn qr_svg(text: &str) -> Result<String, LicenceError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| LicenceError::Encode(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// Accepts either the envelope bytes or QR text (optionally with surrounding whitespace).
pub fn envelope_from_input(input: &[u8]) -> Result<Vec<u8>, Reason> {
    let trimmed = std::str::from_utf8(input).ok().map(str::trim);
    match trimmed {
        Some(t) if t.starts_with(QR_PREFIX) => {
            let body = &t[QR_PREFIX.len()..];
            let compressed =
                base45::decode(body).map_err(|e| Reason::Malformed(format!("base45: {e}")))?;
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(&compressed[..])
                .take(MAX_ENVELOPE as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| Reason::Malformed(format!("zlib: {e}")))?;
            if out.len() > MAX_ENVELOPE {
                return Err(Reason::Malformed("envelope too large".into()));
            }
            Ok(out)
        }
        Some(t) if t.starts_with("G60:") => {
            Err(Reason::Malformed("unknown QR format version".into()))
        }
        _ => {
            if input.len() > MAX_ENVELOPE {
                return Err(Reason::Malformed("envelope too large".into()));
            }
            Ok(input.to_vec())
        }
    }
}

/// A decoded but not yet verified envelope.
pub struct Envelope {
    pub sign1: CoseSign1,
    pub kid: String,
}

/// Parses the COSE_Sign1 structure (tagged or not) and checks the algorithm and key id.
pub fn decode(envelope: &[u8]) -> Result<Envelope, Reason> {
    let (sign1, kid) = cose::decode(envelope).map_err(Reason::Malformed)?;
    if kid.is_empty() {
        return Err(Reason::Malformed("no key id".into()));
    }
    if sign1.payload.is_none() {
        return Err(Reason::Malformed("no payload".into()));
    }
    Ok(Envelope { sign1, kid })
}

/// Reads the payload without verifying it (for display after verification failed).
pub fn payload_unverified(env: &Envelope) -> Result<Licence, Reason> {
    let bytes = env.sign1.payload.as_deref().unwrap_or_default();
    let l: Licence =
        ciborium::from_reader(bytes).map_err(|e| Reason::Malformed(format!("payload: {e}")))?;
    if l.v != 1 {
        return Err(Reason::Malformed(format!("payload version {}", l.v)));
    }
    Ok(l)
}

/// Parsed trust material with decoded public keys, for fast repeated verification.
pub struct Verifier<'a> {
    keys: BTreeMap<&'a str, (&'a TrustedKey, VerifyingKey)>,
    revoked: BTreeMap<(&'a str, &'a str), &'a Revoked>,
}

impl<'a> Verifier<'a> {
    pub fn new(trust: &'a TrustList, revocations: &'a RevocationList) -> Self {
        Self::with_keys(trust, revocations, None)
    }

    /// Decodes only the key `only` when given: decompressing a public key costs more than a
    /// signature check, and a one-shot verification needs a single key of the list.
    fn with_keys(
        trust: &'a TrustList,
        revocations: &'a RevocationList,
        only: Option<&str>,
    ) -> Self {
        let keys = trust
            .keys
            .iter()
            .filter(|k| only.is_none_or(|kid| k.kid == kid))
            .filter_map(|k| {
                let raw = B64.decode(&k.public_key).ok()?;
                let arr: [u8; 32] = raw.try_into().ok()?;
                let vk = VerifyingKey::from_bytes(&arr).ok()?;
                Some((k.kid.as_str(), (k, vk)))
            })
            .collect();
        let revoked = revocations
            .revoked
            .iter()
            .map(|r| ((r.authority_id.as_str(), r.number.as_str()), r))
            .collect();
        Verifier { keys, revoked }
    }

    /// Verifies bytes (envelope or QR text) at time `now` (Unix seconds).
    pub fn verify(&self, input: &[u8], now: i64) -> Result<(Licence, String), Reason> {
        let envelope = envelope_from_input(input)?;
        let env = decode(&envelope)?;
        let (tk, vk) = self
            .keys
            .get(env.kid.as_str())
            .ok_or_else(|| Reason::UnknownKey(format!("no key {} in the trust list", env.kid)))?;
        cose::verify(&env.sign1, b"", vk).map_err(|e| {
            Reason::BadSignature(format!("does not verify with key {}: {e}", env.kid))
        })?;
        let l = payload_unverified(&env)?;
        if l.authority_id != tk.authority_id {
            return Err(Reason::BadSignature(format!(
                "signed with a key of {}, but names {} as issuer",
                tk.authority_id, l.authority_id
            )));
        }
        if let Some(at) = tk.revoked_at {
            if l.issued_at >= at {
                return Err(Reason::KeyRevoked {
                    kid: tk.kid.clone(),
                    revoked_at: at,
                    issued_at: l.issued_at,
                });
            }
        }
        if l.issued_at < tk.not_before || tk.not_after.is_some_and(|na| l.issued_at > na) {
            return Err(Reason::UnknownKey(format!(
                "key {} was not in service when the licence was signed",
                tk.kid
            )));
        }
        if let Some(r) = self
            .revoked
            .get(&(l.authority_id.as_str(), l.number.as_str()))
        {
            if r.revoked_at <= now {
                return Err(Reason::LicenceRevoked {
                    revoked_at: r.revoked_at,
                    reason: r.reason.clone(),
                });
            }
        }
        if now < l.valid_from {
            return Err(Reason::NotYetValid(l.valid_from));
        }
        if let Some(until) = l.valid_until {
            if now > until {
                return Err(Reason::Expired(until));
            }
        }
        Ok((l, env.kid))
    }
}

/// One-shot verification.
pub fn verify(
    input: &[u8],
    trust: &TrustList,
    revocations: &RevocationList,
    now: i64,
) -> Result<(Licence, String), Reason> {
    let kid = envelope_from_input(input)
        .and_then(|e| decode(&e))
        .map(|e| e.kid);
    match kid {
        Ok(kid) => Verifier::with_keys(trust, revocations, Some(&kid)).verify(input, now),
        // The full verifier reports what is wrong with the input.
        Err(_) => Verifier::new(trust, revocations).verify(input, now),
    }
}

/// Encrypts a private key for storage: base64url(nonce ‖ ciphertext), the key id as AAD.
pub fn wrap_key(master: &[u8; 32], kid: &str, key: &SigningKey) -> Result<String, LicenceError> {
    seal(master, kid, key.as_bytes())
}

/// Decrypts a stored private key; fails with a wrong master key or a tampered record.
pub fn unwrap_key(master: &[u8; 32], kid: &str, wrapped: &str) -> Result<SigningKey, LicenceError> {
    let pt = open(master, kid, wrapped).map_err(|_| {
        LicenceError::Key("cannot decrypt the private key: wrong master key?".into())
    })?;
    let arr: [u8; 32] = pt
        .try_into()
        .map_err(|_| LicenceError::Key("bad key length".into()))?;
    Ok(SigningKey::from_bytes(&arr))
}

/// Encrypts a secret at rest under the master key (XChaCha20-Poly1305, a random nonce), bound
/// to `aad` (what it belongs to: a key id, a lot id) so that it cannot be moved to another
/// record: base64url of nonce and ciphertext.
pub fn seal(master: &[u8; 32], aad: &str, msg: &[u8]) -> Result<String, LicenceError> {
    let cipher = XChaCha20Poly1305::new(master.into());
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let ct = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|e| LicenceError::Key(e.to_string()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(B64.encode(out))
}

/// Decrypts what [`seal`] made for the same `aad`; fails with a wrong master key, another
/// record's secret or a tampered one.
pub fn open(master: &[u8; 32], aad: &str, sealed: &str) -> Result<Vec<u8>, LicenceError> {
    let raw = B64
        .decode(sealed)
        .map_err(|e| LicenceError::Key(e.to_string()))?;
    if raw.len() < 24 {
        return Err(LicenceError::Key("sealed secret too short".into()));
    }
    let cipher = XChaCha20Poly1305::new(master.into());
    cipher
        .decrypt(
            XNonce::from_slice(&raw[..24]),
            Payload {
                msg: &raw[24..],
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| LicenceError::Key("cannot decrypt: wrong master key or record?".into()))
}

/// Parses a master key given as 64 hex characters.
pub fn parse_master_key(hex_text: &str) -> Result<[u8; 32], LicenceError> {
    let t = hex_text.trim();
    if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(LicenceError::Key(
            "the master key must be 64 hex characters (32 bytes)".into(),
        ));
    }
    let mut out = [0u8; 32];
    for (i, chunk) in t.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).unwrap_or("00");
        out[i] = u8::from_str_radix(s, 16).unwrap_or(0);
    }
    Ok(out)
}

/// The bytes Ed25519 signs for an envelope (for benchmarks against raw verification).
pub fn signed_bytes(envelope: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Reason> {
    let env = decode(envelope)?;
    Ok((env.sign1.tbs_data(b""), env.sign1.signature.clone()))
}

#[cfg(test)]
mod tests;
