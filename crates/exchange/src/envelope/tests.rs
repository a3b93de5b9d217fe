//! The envelope's checks, each refusal by its code.

use super::*;
use corridor_licence::public_key_b64;
use corridor_licence::trust::{Node, NodeKey, SIGNED_TRUST_FORMAT};
use coset::{CoseSign1, TaggedCborSerializable};
use ed25519_dalek::Signer as _;

const NOW: i64 = 1_800_000_000_000;

fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

fn node(id: &str, kid: &str, k: &SigningKey, not_after: Option<i64>) -> Node {
    Node {
        node_id: id.into(),
        city: "340100".into(),
        name_zh: id.into(),
        name_en: id.into(),
        base_url: format!("http://127.0.0.1:9000/{id}/"),
        message_keys: vec![NodeKey {
            kid: kid.into(),
            public_key: public_key_b64(&k.verifying_key()),
            not_before: 0,
            not_after,
        }],
    }
}

fn trust() -> CorridorTrust {
    CorridorTrust {
        format: SIGNED_TRUST_FORMAT.into(),
        sequence: 1,
        issued_at: 0,
        expires_at: i64::MAX,
        nodes: vec![
            node("hefei", "hefei-1", &key(1), None),
            node("songjiang", "songjiang-1", &key(2), None),
            node("retired", "retired-1", &key(3), Some(NOW / 1000 - 60)),
        ],
        licence_keys: vec![],
    }
}

fn header(sender: &str, recipient: &str) -> Header {
    Header {
        v: PROTOCOL_VERSION,
        id: Uuid::now_v7(),
        sender: sender.into(),
        recipient: recipient.into(),
        kind: Kind::CaseForwarded,
        case_id: Some(Uuid::now_v7()),
        case_seq: Some(1),
        created_at: NOW,
        in_reply_to: None,
        body_sha256: String::new(),
    }
}

fn hefei_to_songjiang(body: &[u8]) -> Vec<u8> {
    seal(header("hefei", "songjiang"), body, "hefei-1", &key(1)).unwrap()
}

#[test]
fn a_sealed_message_opens_at_its_recipient() {
    let m = hefei_to_songjiang(b"the case");
    let e = open(&m, &trust(), "songjiang", NOW).unwrap();
    assert_eq!(e.body, b"the case");
    assert_eq!(e.kid, "hefei-1");
    assert_eq!(e.header.sender, "hefei");
    assert_eq!(e.header.body_sha256, sha256_hex(b"the case"));
}

#[test]
fn every_byte_changed_is_refused() {
    let m = hefei_to_songjiang(b"the case");
    for i in 0..m.len() {
        let mut bad = m.clone();
        bad[i] ^= 0x01;
        assert!(open(&bad, &trust(), "songjiang", NOW).is_err(), "byte {i}");
    }
}

#[test]
fn refusals_name_their_reason() {
    let code = |bytes: &[u8], me: &str, t: &CorridorTrust| {
        open(bytes, t, me, NOW).map(|_| ()).unwrap_err().code()
    };
    let t = trust();
    let m = hefei_to_songjiang(b"x");
    assert_eq!(code(&m, "hefei", &t), "message_wrong_recipient");
    // A node removed from the list.
    let mut without = trust();
    without.nodes.retain(|n| n.node_id != "hefei");
    assert_eq!(code(&m, "songjiang", &without), "message_unknown_key");
    // Signed by another node's key while claiming to be Hefei.
    let forged = seal(header("hefei", "songjiang"), b"x", "songjiang-1", &key(2)).unwrap();
    assert_eq!(code(&forged, "songjiang", &t), "message_sender_mismatch");
    // Hefei's kid, but not Hefei's key.
    let stolen_kid = seal(header("hefei", "songjiang"), b"x", "hefei-1", &key(9)).unwrap();
    assert_eq!(code(&stolen_kid, "songjiang", &t), "message_bad_signature");
    // A key retired before the message was made.
    let late = seal(header("retired", "songjiang"), b"x", "retired-1", &key(3)).unwrap();
    assert_eq!(code(&late, "songjiang", &t), "message_key_not_valid");
    // Another protocol version; made in the future; a body that does not match its hash.
    let mut h = header("hefei", "songjiang");
    h.v = 2;
    let v2 = seal(h, b"x", "hefei-1", &key(1)).unwrap();
    assert_eq!(code(&v2, "songjiang", &t), "message_unsupported_version");
    let mut h = header("hefei", "songjiang");
    h.created_at = NOW + MAX_SKEW_MS + 1;
    let future = seal(h, b"x", "hefei-1", &key(1)).unwrap();
    assert_eq!(code(&future, "songjiang", &t), "message_from_the_future");
    let mut h = header("hefei", "songjiang");
    h.body_sha256 = sha256_hex(b"something else");
    let wire = Wire {
        header: h,
        body: ciborium::Value::Bytes(b"x".to_vec()),
    };
    let mismatched = sign_wire(&wire, "hefei-1", &key(1)).unwrap();
    assert_eq!(code(&mismatched, "songjiang", &t), "message_body_mismatch");
    // Not an envelope; too large.
    assert_eq!(code(b"{}", "songjiang", &t), "message_malformed");
    let big = vec![0u8; MAX_ENVELOPE + 1];
    assert_eq!(code(&big, "songjiang", &t), "message_too_large");
}

#[test]
fn a_licence_or_trust_list_signature_does_not_pass_for_a_message() {
    // The same key and payload signed as a trust list would be: other external data.
    let m = hefei_to_songjiang(b"x");
    let mut sign1 = CoseSign1::from_tagged_slice(&m).unwrap();
    let tbs = sign1.tbs_data(b"corridor-trust");
    sign1.signature = key(1).sign(&tbs).to_bytes().to_vec();
    let other = sign1.to_tagged_vec().unwrap();
    assert_eq!(
        open(&other, &trust(), "songjiang", NOW).unwrap_err(),
        EnvelopeError::BadSignature
    );
}
