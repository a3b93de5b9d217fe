//! The one way Corridor signs and opens a document: a tagged COSE_Sign1 (RFC 9052), EdDSA
//! (Ed25519), the signer's key id in the protected header, and external data that says what
//! the document is (empty for licences, `corridor-trust` for the trust list,
//! `corridor-message` for messages between nodes), so that one kind's signature never passes
//! for another's.

use coset::TaggedCborSerializable;
use coset::{iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder};
use ed25519_dalek::{Signature, Signer as _, Verifier as _, VerifyingKey};

/// Signs `payload` under `kid`.
pub fn sign(
    payload: Vec<u8>,
    kid: &str,
    external: &[u8],
    key: &crate::SigningKey,
) -> Result<Vec<u8>, String> {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(kid.as_bytes().to_vec())
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(external, |tbs| key.sign(tbs).to_bytes().to_vec())
        .build()
        .to_tagged_vec()
        .map_err(|e| e.to_string())
}

/// A COSE_Sign1 (tagged or not) of EdDSA, and its key id; not yet verified.
pub fn decode(bytes: &[u8]) -> Result<(CoseSign1, String), String> {
    let sign1 = CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|e| format!("COSE_Sign1: {e}"))?;
    match &sign1.protected.header.alg {
        Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA)) => {}
        other => return Err(format!("algorithm {other:?} is not EdDSA")),
    }
    let kid = String::from_utf8(sign1.protected.header.key_id.clone())
        .map_err(|_| "key id is not text".to_string())?;
    Ok((sign1, kid))
}

/// Whether the signature verifies under `key` with this external data.
pub fn verify(sign1: &CoseSign1, external: &[u8], key: &VerifyingKey) -> Result<(), String> {
    sign1.verify_signature(external, |sig, data| {
        let sig = Signature::from_slice(sig).map_err(|e| e.to_string())?;
        key.verify(data, &sig).map_err(|e| e.to_string())
    })
}
