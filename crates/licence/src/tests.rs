use super::*;
use proptest::prelude::*;

fn sample(issued_at: i64) -> Licence {
    Licence::sample(issued_at)
}

fn trust(key: &SigningKey, kid: &str, not_before: i64) -> TrustList {
    TrustList {
        format: TRUST_LIST_FORMAT.into(),
        issued_at: not_before,
        keys: vec![TrustedKey {
            kid: kid.into(),
            authority_id: "310117-market".into(),
            authority_zh: "松江".into(),
            authority_en: "Songjiang".into(),
            city: "310117".into(),
            public_key: public_key_b64(&key.verifying_key()),
            not_before,
            not_after: None,
            revoked_at: None,
        }],
    }
}

#[test]
fn sign_verify_qr_and_reasons() {
    let k = generate_key();
    let t0 = 1_790_000_000;
    let l = sample(t0 + 10);
    let env = sign(&l, "k1", &k).unwrap();
    let tl = trust(&k, "k1", t0);
    let none = RevocationList::default();
    assert_eq!(verify(&env, &tl, &none, t0 + 20).unwrap().0, l);
    let qr = to_qr_text(&env);
    assert!(qr.starts_with("G60:1:"));
    assert_eq!(verify(qr.as_bytes(), &tl, &none, t0 + 20).unwrap().0, l);
    assert!(qr_svg(&qr).unwrap().starts_with("<?xml"));
    // Time.
    assert_eq!(
        verify(&env, &tl, &none, t0).unwrap_err().code(),
        "not_yet_valid"
    );
    assert_eq!(
        verify(&env, &tl, &none, t0 + 400 * 86400)
            .unwrap_err()
            .code(),
        "expired"
    );
    // Unknown key, other authority's key.
    let other = trust(&generate_key(), "k2", t0);
    assert_eq!(
        verify(&env, &other, &none, t0 + 20).unwrap_err().code(),
        "unknown_key"
    );
    let mut wrong = trust(&generate_key(), "k1", t0);
    assert_eq!(
        verify(&env, &wrong, &none, t0 + 20).unwrap_err().code(),
        "bad_signature"
    );
    wrong = trust(&k, "k1", t0);
    wrong.keys[0].authority_id = "330100-market".into();
    assert_eq!(
        verify(&env, &wrong, &none, t0 + 20).unwrap_err().code(),
        "bad_signature"
    );
    // Key compromised before / after the signing time.
    let mut comp = trust(&k, "k1", t0);
    comp.keys[0].revoked_at = Some(t0 + 5);
    assert_eq!(
        verify(&env, &comp, &none, t0 + 20).unwrap_err().code(),
        "key_revoked"
    );
    comp.keys[0].revoked_at = Some(t0 + 11);
    assert!(verify(&env, &comp, &none, t0 + 20).is_ok());
    // Revoked licence.
    let revs = RevocationList {
        format: REVOCATION_LIST_FORMAT.into(),
        issued_at: t0,
        revoked: vec![Revoked {
            number: l.number.clone(),
            authority_id: l.authority_id.clone(),
            revoked_at: t0 + 15,
            reason: "x".into(),
        }],
    };
    assert_eq!(
        verify(&env, &tl, &revs, t0 + 20).unwrap_err().code(),
        "licence_revoked"
    );
    // Garbage.
    for junk in [&b""[..], b"G60:1:", b"G60:9:ABC", b"\xd2\x84", b"hello"] {
        assert_eq!(
            verify(junk, &tl, &none, t0 + 20).unwrap_err().code(),
            "malformed",
            "{junk:?}"
        );
    }
}

#[test]
fn every_single_byte_change_is_caught() {
    let k = generate_key();
    let t0 = 1_790_000_000;
    let env = sign(&sample(t0), "k1", &k).unwrap();
    let tl = trust(&k, "k1", t0);
    let none = RevocationList::default();
    for i in 0..env.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = env.clone();
            bad[i] ^= flip;
            assert!(
                verify(&bad, &tl, &none, t0 + 1).is_err(),
                "byte {i} ^ {flip:#x} still verifies"
            );
        }
    }
}

#[test]
fn key_wrapping() {
    let master = [7u8; 32];
    let k = generate_key();
    let w = wrap_key(&master, "k1", &k).unwrap();
    assert!(!w.contains(&B64.encode(k.as_bytes())));
    assert_eq!(
        unwrap_key(&master, "k1", &w).unwrap().as_bytes(),
        k.as_bytes()
    );
    assert!(unwrap_key(&[8u8; 32], "k1", &w).is_err());
    assert!(
        unwrap_key(&master, "k2", &w).is_err(),
        "the key id is bound"
    );
    assert!(parse_master_key("00").is_err());
    assert_eq!(parse_master_key(&"ab".repeat(32)).unwrap(), [0xab; 32]);
}

fn arb_licence() -> impl Strategy<Value = Licence> {
    (
        "\\PC{0,40}",
        "[A-Z0-9-]{1,30}",
        proptest::option::of("[0-9A-Z]{18}"),
        any::<i64>(),
        proptest::option::of(any::<i64>()),
        proptest::collection::btree_map("[a-z_]{1,12}", "\\PC{0,30}", 0..6),
    )
        .prop_map(|(name, number, uscc, at, until, fields)| {
            let mut l = sample(at);
            l.holder.name = name;
            l.number = number;
            l.holder.uscc = uscc;
            l.valid_until = until;
            l.fields = fields;
            l
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn envelope_and_qr_round_trip(l in arb_licence()) {
        let k = SigningKey::from_bytes(&[3u8; 32]);
        let env = sign(&l, "kid-1", &k).unwrap();
        let decoded = payload_unverified(&decode(&env).unwrap()).unwrap();
        prop_assert_eq!(&decoded, &l);
        let back = envelope_from_input(to_qr_text(&env).as_bytes()).unwrap();
        prop_assert_eq!(back, env);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let k = SigningKey::from_bytes(&[3u8; 32]);
        let tl = trust(&k, "kid-1", 0);
        let _ = verify(&bytes, &tl, &RevocationList::default(), 0);
        let mut qr = b"G60:1:".to_vec();
        qr.extend_from_slice(&bytes);
        let _ = verify(&qr, &tl, &RevocationList::default(), 0);
    }
}

#[test]
fn sealed_secrets_open_only_for_their_record_and_key() {
    let master = [7u8; 32];
    let s = crate::seal(&master, "lot-1", b"500000:abc").unwrap();
    assert!(!s.contains("500000"));
    assert_eq!(crate::open(&master, "lot-1", &s).unwrap(), b"500000:abc");
    assert!(crate::open(&master, "lot-2", &s).is_err(), "another record");
    assert!(crate::open(&[8u8; 32], "lot-1", &s).is_err(), "another key");
    let mut bad = s.clone().into_bytes();
    bad[30] = if bad[30] == b'A' { b'B' } else { b'A' };
    assert!(crate::open(&master, "lot-1", &String::from_utf8(bad).unwrap()).is_err());
}
