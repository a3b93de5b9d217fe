//! Any text through the identifier parsers: no panic; a parsed code re-parses to itself.
#![no_main]

use corridor_domain::ids::{IdKind, OrgCode, ResidentId, Uscc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(u) = Uscc::parse(s) {
        assert_eq!(Uscc::parse(u.as_str()).ok(), Some(u.clone()));
    }
    if let Ok(r) = ResidentId::parse(s) {
        assert!(ResidentId::parse(r.as_str()).is_ok());
        let _ = r.masked();
    }
    let _ = OrgCode::parse(s);
    if let Ok(k) = IdKind::detect(s) {
        let _ = k.check(s);
    }
});
