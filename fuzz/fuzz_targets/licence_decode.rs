//! Any bytes (licence file or QR text) through the licence decoder and verifier: no panic,
//! and nothing but a valid signature under the trust list ever verifies.
#![no_main]

use corridor_licence as lic;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Fixture {
    trust: lic::TrustList,
    revs: lic::RevocationList,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let key = lic::SigningKey::from_bytes(&[11u8; 32]);
        Fixture {
            trust: lic::TrustList {
                format: lic::TRUST_LIST_FORMAT.into(),
                issued_at: 0,
                keys: vec![lic::TrustedKey {
                    kid: "k1".into(),
                    authority_id: "310117-market".into(),
                    authority_zh: String::new(),
                    authority_en: String::new(),
                    city: "310117".into(),
                    public_key: lic::public_key_b64(&key.verifying_key()),
                    not_before: 0,
                    not_after: None,
                    revoked_at: Some(i64::MAX / 2),
                }],
            },
            revs: lic::RevocationList::default(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let _ = lic::verify(data, &f.trust, &f.revs, 1_800_000_000);
    if let Ok(env) = lic::envelope_from_input(data) {
        if let Ok(e) = lic::decode(&env) {
            let _ = lic::payload_unverified(&e);
        }
        let _ = lic::signed_bytes(&env);
    }
    let mut qr = b"G60:1:".to_vec();
    qr.extend_from_slice(data);
    let _ = lic::verify(&qr, &f.trust, &f.revs, 1_800_000_000);
});
