//! Any bytes as a node-to-node message and as a signed trust list: no panic, and nothing but
//! a signature under the fixture's keys ever opens.
#![no_main]

use corridor_exchange as ex;
use corridor_licence::trust::{self as t, CorridorTrust, Node, NodeKey};
use corridor_licence::{public_key_b64, SigningKey};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn trust() -> &'static (CorridorTrust, Vec<corridor_licence::VerifyingKey>) {
    static F: OnceLock<(CorridorTrust, Vec<corridor_licence::VerifyingKey>)> = OnceLock::new();
    F.get_or_init(|| {
        let key = SigningKey::from_bytes(&[1; 32]);
        let list = CorridorTrust {
            format: t::SIGNED_TRUST_FORMAT.into(),
            sequence: 1,
            issued_at: 0,
            expires_at: i64::MAX,
            nodes: vec![Node {
                node_id: "hefei".into(),
                city: "340100".into(),
                name_zh: "合肥".into(),
                name_en: "Hefei".into(),
                base_url: "http://127.0.0.1:9001/".into(),
                message_keys: vec![NodeKey {
                    kid: "hefei-1".into(),
                    public_key: public_key_b64(&key.verifying_key()),
                    not_before: 0,
                    not_after: None,
                }],
            }],
            licence_keys: vec![],
        };
        let root = SigningKey::from_bytes(&[7; 32]).verifying_key();
        (list, vec![root])
    })
}

fuzz_target!(|data: &[u8]| {
    let (list, roots) = trust();
    if let Ok(m) = ex::open(data, list, "songjiang", 1_800_000_000_000) {
        // Only Hefei's key signs; what opened matches its hash and names its sender.
        assert_eq!(m.header.sender, "hefei");
        assert_eq!(ex::envelope::sha256_hex(&m.body), m.header.body_sha256);
    }
    let _ = t::open_trust(data, roots, None, 1_800_000_000);
});
